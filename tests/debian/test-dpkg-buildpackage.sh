#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/debian/test-dpkg-buildpackage.sh: the pkgnote dh addon, for real.
#
# tests/debian/pkg is a source package (debhelper-compat 13): pkgnote-demo
# (a program, with a second name that is a hard link), libpkgnote-demo1
# (the shared library it uses) and pkgnote-demo-data (Architecture: all,
# an ELF file shipped as data).  Each build copies it to the same scratch
# path and runs "dpkg-buildpackage -b -us -uc -d" (-d: no installed package
# provides dh-sequence-pkgnote) with dh_pkgnote, the addon and pkgnote of
# this tree found through PATH and PERL5LIB: nothing is installed.  Oracles:
# dh's own log, dpkg-deb, readelf, ldd, running the program, lintian, cmp,
# dpkg in a throwaway root, the kernel's core dump, systemd-analyze.
#
#   addon    "Build-Depends: dh-sequence-pkgnote": dh runs dh_pkgnote after
#            dh_missing and before dh_dwz and dh_strip; every ELF file of
#            each Architecture: any .deb carries exactly
#            {"type":"deb","os":ID,"osVersion":VERSION_ID,"name":SOURCE,
#            "version":SOURCE-VERSION,"architecture":Architecture,
#            "binaryPackage":Package,"binaryVersion":Version} (ID,
#            VERSION_ID of this machine's os-release, the rest from
#            dpkg-deb -f of that .deb: SOURCE and its version from Source:,
#            else Package and Version), in page 1; the Architecture: all package's ELF file is
#            the build's, byte for byte; the program runs with the packaged
#            library; the hard link stays one; each -dbgsym debug file has
#            its binary's build-id, note and allocated sections
#   options  in the addon's tree, the packages' files installed again:
#            dh_pkgnote -v --no-act, DEB_BUILD_OPTIONS=nopkgnote, -N, -p, -X,
#            DH_VERBOSE; the library is stamped in place (same inode), and
#            --copy gives a new file with the same bytes
#   plain    the same package without the addon: no note anywhere (the
#            notes above come from the addon); lintian reports no tag on
#            the addon's packages that it does not report on these
#   again    the addon build again: every .deb is identical (cmp)
#   install  the addon's packages installed with dpkg -i in a throwaway
#            copy of this machine's root (throwaway-root.sh); the program
#            runs, then crashes into a core; the packages are purged; the
#            core alone names each binary package (pkgnote show,
#            systemd-analyze inspect-elf)
#   notes    dh-package-notes too (its link-time note names the source
#            package), the addon by "dh $@ --with pkgnote", a binNMU
#            changelog entry: the .debs carry the note naming the source
#            and its version (1.0-1), the binary package with the binNMU
#            version (1.0-1+b1), and debugInfoUrl, and only that note
#
# Skips (exit 77) when dpkg-buildpackage, debhelper, readelf or make is
# missing; a part whose tool is missing (lintian, jq, systemd-analyze, a
# core_pattern writing files, root) is skipped with the reason.
# KEEP_WORK=1 keeps the scratch directory.

set -u

: "${SOURCE_ROOT:?SOURCE_ROOT must point at the source tree}"
# shellcheck source=../lib/testlib.sh
. "$SOURCE_ROOT/tests/lib/testlib.sh"

for tool in dpkg-buildpackage dpkg-deb dpkg-architecture dh readelf make cc; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "skip: $tool is not installed (Debian: apt-get install dpkg-dev debhelper binutils make gcc)"
        exit 77
    fi
done
if ! perl -MDebian::Debhelper::Dh_Lib -e 1 2>/dev/null; then
    echo "skip: perl cannot load Debian::Debhelper::Dh_Lib (Debian: apt-get install debhelper)"
    exit 77
fi
tl_need_pkgnote
tl_setup

HERE=$SOURCE_ROOT/tests/debian
SRC=pkgnote-demo-1.0
MA=$(dpkg-architecture -qDEB_HOST_MULTIARCH)

# dh_pkgnote and the pkgnote it runs, from this tree; the addon through
# perl's @INC.  A build must not inherit the caller's build options.
mkdir -p "$WORK/bin"
ln -s "$PKGNOTE" "$WORK/bin/pkgnote"
ln -s "$SOURCE_ROOT/debhelper/dh_pkgnote" "$WORK/bin/dh_pkgnote"
export PATH="$WORK/bin:$PATH"
export PERL5LIB="$SOURCE_ROOT/debhelper${PERL5LIB:+:$PERL5LIB}"
unset DEB_BUILD_OPTIONS DEB_BUILD_PROFILES DEBUGINFOD_URLS SOURCE_DATE_EPOCH DH_VERBOSE

# ID and VERSION_ID of this machine's os-release, read here without pkgnote.
os_release_value() {
    local f
    for f in /etc/os-release /usr/lib/os-release; do
        if [[ -r $f ]]; then
            # shellcheck disable=SC1090
            (unset ID VERSION_ID; . "$f" && eval "printf '%s\n' \"\${$1:-}\"")
            return
        fi
    done
}
OS_ID=$(os_release_value ID)
OS_VERSION_ID=$(os_release_value VERSION_ID)

# expected_json SOURCE SOURCE-VERSION PACKAGE VERSION ARCH [DEBUGINFOD-URL]
expected_json() {
    printf '{"type":"deb"%s%s,"name":"%s","version":"%s","architecture":"%s"%s,"binaryPackage":"%s","binaryVersion":"%s"}' \
        "${OS_ID:+,\"os\":\"$OS_ID\"}" "${OS_VERSION_ID:+,\"osVersion\":\"$OS_VERSION_ID\"}" \
        "$1" "$2" "$5" "${6:+,\"debugInfoUrl\":\"$6\"}" "$3" "$4"
}

# -- building --------------------------------------------------------------------

# Edits of the source package, run in its copy.
without_build_dep() { sed -i 's/, dh-sequence-pkgnote//' debian/control; }
with_argument() { sed -i 's/^\tdh \$@$/\tdh $@ --with pkgnote/' debian/rules; }
with_package_notes() {
    sed -i 's|^include /usr/share/dpkg/architecture.mk$|&\ninclude /usr/share/debhelper/dh_package_notes/package-notes.mk|' debian/rules
}
binnmu() {
    local old
    old=$(cat debian/changelog)
    cat >debian/changelog <<EOF
pkgnote-demo (1.0-1+b1) unstable; urgency=low, binary-only=yes

  * Binary-only non-maintainer upload; no source changes.

 -- pkgnote tests <pkgnote-tests@example.org>  Tue, 24 Nov 2026 12:00:00 +0000

$old
EOF
}

# build NAME [EDIT...]: copy the package to $WORK/b/$SRC, apply each EDIT
# there, build; then move $WORK/b (log, .debs, .changes, the tree) to
# $WORK/NAME.  Every build runs in the same path.
build() {
    local name=$1 edit rc
    shift
    rm -rf "$WORK/b"
    mkdir -p "$WORK/b"
    cp -a "$HERE/pkg" "$WORK/b/$SRC"
    for edit; do
        (cd "$WORK/b/$SRC" && "$edit") || return 1
    done
    (cd "$WORK/b/$SRC" && dpkg-buildpackage -b -us -uc -d) >"$WORK/b/log" 2>&1
    rc=$?
    mv "$WORK/b" "$WORK/$name"
    if ((rc != 0)); then
        fail "$name: dpkg-buildpackage succeeds"
        tail -n 30 "$WORK/$name/log" | sed 's/^/      | /'
        return 1
    fi
    pass "$name: dpkg-buildpackage -b succeeds"
}

# unpack NAME: every .deb of build NAME into $WORK/NAME/root/PACKAGE.
unpack() {
    local deb pkg
    for deb in "$WORK/$1"/*.deb; do
        pkg=$(dpkg-deb -f "$deb" Package) || return 1
        mkdir -p "$WORK/$1/root/$pkg"
        dpkg-deb -x "$deb" "$WORK/$1/root/$pkg" || return 1
    done
}

# elf_files DIR: the ELF executables and shared libraries under DIR,
# relative to DIR, sorted (readelf -h says which; symbolic links excluded).
elf_files() {
    (cd "$1" && find . -type f -printf '%P\n' | LC_ALL=C sort) | while IFS= read -r f; do
        case $(LC_ALL=C readelf -h -- "$1/$f" 2>/dev/null | awk '$1 == "Type:" { print $2 }') in
            EXEC | DYN) printf '%s\n' "$f" ;;
        esac
    done
}

# dh_order NAME: the dh commands build NAME ran, in order.
dh_order() {
    sed -n 's/^   \(dh_[a-z_]*\).*/\1/p' "$WORK/$1/log"
}

# check_order NAME: dh_pkgnote after dh_missing, before dh_dwz and dh_strip.
check_order() {
    local order
    order=$(dh_order "$1" | grep -x -e dh_missing -e dh_pkgnote -e dh_dwz -e dh_strip | uniq | tr '\n' ' ')
    expect_eq "$1: dh runs dh_pkgnote after dh_missing, before dh_dwz and dh_strip" \
        "$order" "dh_missing dh_pkgnote dh_dwz dh_strip "
}

# check_notes NAME [DEBUGINFOD-URL]: every ELF file of each Architecture:
# any package carries that package's note (one), in page 1; the
# Architecture: all package's ELF file is the build's.
check_notes() {
    local name=$1 url=${2:-} root deb pkg version arch f want n src srcver
    for deb in "$WORK/$name"/*.deb; do
        pkg=$(dpkg-deb -f "$deb" Package)
        [[ $pkg == *-dbgsym ]] && continue
        version=$(dpkg-deb -f "$deb" Version)
        arch=$(dpkg-deb -f "$deb" Architecture)
        # Source: NAME [(VERSION)], when either differs from the package's.
        src=$(dpkg-deb -f "$deb" Source)
        srcver=$version
        [[ $src == *"("*")" ]] && srcver=${src#*(} && srcver=${srcver%)}
        src=${src%% *}
        src=${src:-$pkg}
        root=$WORK/$name/root/$pkg
        n=0
        while IFS= read -r f; do
            n=$((n + 1))
            if [[ $arch == all ]]; then
                if [[ $(note_json "$root/$f") == *"\"name\":\"$pkg\""* ]]; then
                    fail "$name: $pkg (Architecture: all): $f carries no note of $pkg"
                else
                    pass "$name: $pkg (Architecture: all): $f carries no note of $pkg"
                fi
                expect_ok "$name: $pkg: $f is the build's file, byte for byte" \
                    cmp "$WORK/$name/$SRC/src/blob.elf" "$root/$f"
                continue
            fi
            want=$(expected_json "$src" "$srcver" "$pkg" "$version" "$arch" "$url")
            expect_eq "$name: $pkg: $f carries $want" "$(note_json "$root/$f")" "$want"
            expect_eq "$name: $pkg: $f has one package note" "$(package_note_count "$root/$f")" 1
            expect_ok "$name: $pkg: $f: the note is in page 1" check_page1 "$root/$f"
        done < <(elf_files "$root")
        ((n)) || fail "$name: $pkg ships ELF files"
    done
}

# check_no_notes NAME: no ELF file of any .deb of build NAME has a note.
check_no_notes() {
    local root f bad=
    for root in "$WORK/$1/root"/*; do
        while IFS= read -r f; do
            [[ $(package_note_count "$root/$f") == 0 ]] || bad+="${root##*/}: $f"$'\n'
        done < <(elf_files "$root")
    done
    expect_empty "$1: no ELF file of any .deb has a package note" "$bad"
}

# check_runs NAME: the program runs, with the packaged library.
check_runs() {
    local root=$WORK/$1/root libdir out
    libdir=$root/libpkgnote-demo1/usr/lib/$MA
    out=$(LD_LIBRARY_PATH=$libdir ldd "$root/pkgnote-demo/usr/bin/pkgnote-demo" 2>&1)
    if [[ $out == *"libpkgnote-demo.so.1 => $libdir/libpkgnote-demo.so.1 "* ]]; then
        pass "$1: the program loads the packaged libpkgnote-demo.so.1 (ldd)"
    else
        fail "$1: the program loads the packaged libpkgnote-demo.so.1 (ldd)"
        sed 's/^/      | /' <<<"$out"
    fi
    expect_eq "$1: the program runs with the stamped library" \
        "$(LD_LIBRARY_PATH=$libdir "$root/pkgnote-demo/usr/bin/pkgnote-demo" 2>&1)" \
        "pkgnote-demo: hello from libpkgnote-demo"
    if [[ $root/pkgnote-demo/usr/bin/pkgnote-demo -ef $root/pkgnote-demo/usr/bin/pkgnote-demo-again ]]; then
        pass "$1: pkgnote-demo-again is still a hard link of pkgnote-demo"
    else
        fail "$1: pkgnote-demo-again is still a hard link of pkgnote-demo"
    fi
}

# build_id FILE
build_id() {
    LC_ALL=C readelf -n -- "$1" 2>/dev/null | awk '/Build ID:/ { print $3; exit }'
}

# alloc_sections FILE: "name address size" of each allocated section.
alloc_sections() {
    LC_ALL=C readelf -SW -- "$1" 2>/dev/null | sed -n 's/^ *\[ *[0-9]*\] //p' |
        awk 'NF >= 7 && $7 ~ /A/ { print $1, $3, $5 }'
}

# check_dbgsym NAME: each stamped file's debug file (in its -dbgsym
# package) has its build-id, its note and its allocated sections.
check_dbgsym() {
    local name=$1 pkg root f id dbg
    for pkg in pkgnote-demo libpkgnote-demo1; do
        root=$WORK/$name/root/$pkg
        while IFS= read -r f; do
            [[ $f == usr/bin/pkgnote-demo-again ]] && continue
            id=$(build_id "$root/$f")
            dbg=$WORK/$name/root/$pkg-dbgsym/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug
            if [[ -z $id || ! -f $dbg ]]; then
                fail "$name: $pkg-dbgsym has the debug file of $f (build-id ${id:-none})"
                continue
            fi
            pass "$name: $pkg-dbgsym has the debug file of $f (build-id $id)"
            expect_eq "$name: the debug file of $f carries its note" \
                "$(note_json "$dbg")" "$(note_json "$root/$f")"
            expect_eq "$name: the debug file of $f has its allocated sections (names, addresses, sizes)" \
                "$(alloc_sections "$dbg")" "$(alloc_sections "$root/$f")"
        done < <(elf_files "$root")
    done
}

# lintian_tags NAME: the tags lintian reports on build NAME, sorted.
lintian_tags() {
    lintian --fail-on none -E -I --pedantic --tag-display-limit 0 "$WORK/$1"/*.changes \
        2>"$WORK/$1/lintian.err" | grep -E '^[EWIPXCON]: ' | LC_ALL=C sort -u
    local rc=${PIPESTATUS[0]}
    ((rc == 0)) || { sed 's/^/      | /' "$WORK/$1/lintian.err"; return 1; }
}

echo "pkgnote: $PKGNOTE"
echo "debhelper $(dpkg-query -W -f '${Version}' debhelper 2>/dev/null), dpkg $(dpkg-query -W -f '${Version}' dpkg-dev 2>/dev/null)"
echo "os-release: ID=${OS_ID:-(none)} VERSION_ID=${OS_VERSION_ID:-(none)}"

# -- addon ----------------------------------------------------------------------

echo
echo "== addon: Build-Depends: dh-sequence-pkgnote"
ADDON=0
if build addon && unpack addon; then
    ADDON=1
    check_order addon
    check_notes addon
    check_runs addon
    check_dbgsym addon
fi

# -- options -------------------------------------------------------------------

# dh_pkgnote by hand in the addon's tree, the packages' files installed
# again (unstamped) first.
echo
echo "== options: dh_pkgnote by hand"
TREE=$WORK/addon/$SRC
# reinstall: the packages' files as dh_install leaves them.
reinstall() {
    (cd "$TREE" && dh_prep && debian/rules override_dh_auto_install && dh_install &&
        debian/rules execute_after_dh_install) >>"$WORK/options.log" 2>&1
}
# sums: checksums of every file of the packages.
sums() {
    (cd "$TREE/debian" && find pkgnote-demo libpkgnote-demo1 pkgnote-demo-data -type f -print0 |
        LC_ALL=C sort -z | xargs -0 md5sum)
}
# dhp ARGS...: dh_pkgnote in the tree; its output in $OUT.
dhp() {
    OUT=$(cd "$TREE" && dh_pkgnote "$@" 2>&1)
}
PROG=$TREE/debian/pkgnote-demo/usr/bin/pkgnote-demo
LIB=$TREE/debian/libpkgnote-demo1/usr/lib/$MA/libpkgnote-demo.so.1.0.0
if ((!ADDON)); then
    skip "options: no addon build"
elif ! reinstall; then
    fail "options: the packages' files can be installed again"
    tail -n 20 "$WORK/options.log" | sed 's/^/      | /'
else
    before=$(sums)
    expect_eq "options: the files installed again carry no note" \
        "$(package_note_count "$PROG") $(package_note_count "$LIB")" "0 0"
    dhp -v --no-act
    if [[ $OUT == *"pkgnote stamp "*"--name pkgnote-demo "*"--version 1.0-1 --arch "*"-- debian/pkgnote-demo/usr/bin/pkgnote-demo"* ]]; then
        pass "options: -v --no-act shows the pkgnote stamp command"
    else
        fail "options: -v --no-act shows the pkgnote stamp command"
        sed 's/^/      | /' <<<"$OUT"
    fi
    expect_eq "options: -v --no-act changes nothing" "$(sums)" "$before"
    OUT=$(cd "$TREE" && DEB_BUILD_OPTIONS=nopkgnote dh_pkgnote 2>&1)
    expect_eq "options: DEB_BUILD_OPTIONS=nopkgnote: nothing said, nothing changed" "$OUT$(sums)" "$before"

    OUT=$(cd "$TREE" && DH_VERBOSE=1 dh_pkgnote -N libpkgnote-demo1 2>&1)
    if [[ $OUT == *"pkgnote stamp "* && $OUT == *"debian/pkgnote-demo/usr/bin/pkgnote-demo: added note"* ]]; then
        pass "options: DH_VERBOSE shows the command and pkgnote's lines"
    else
        fail "options: DH_VERBOSE shows the command and pkgnote's lines"
        sed 's/^/      | /' <<<"$OUT"
    fi
    expect_eq "options: -N libpkgnote-demo1 stamps the program" \
        "$(note_json "$PROG")" "$(expected_json pkgnote-demo 1.0-1 pkgnote-demo 1.0-1 "$(dpkg-architecture -qDEB_HOST_ARCH)")"
    expect_eq "options: -N libpkgnote-demo1 leaves the library alone" "$(package_note_count "$LIB")" 0
    if [[ $PROG -ef $TREE/debian/pkgnote-demo/usr/bin/pkgnote-demo-again ]]; then
        pass "options: the hard link is one file again after dh_pkgnote"
    else
        fail "options: the hard link is one file again after dh_pkgnote"
    fi
    dhp -p libpkgnote-demo1 -Xlibpkgnote-demo.so
    expect_eq "options: -X libpkgnote-demo.so leaves the library alone" "$(package_note_count "$LIB")" 0
    ino=$(stat -c %i "$LIB")
    dhp -p libpkgnote-demo1
    expect_eq "options: -p libpkgnote-demo1 stamps the library" \
        "$(note_json "$LIB")" "$(expected_json pkgnote-demo 1.0-1 libpkgnote-demo1 1.0-1 "$(dpkg-architecture -qDEB_HOST_ARCH)")"
    # Its page 1 has room: stamped in place, the same file.
    expect_eq "options: the library is stamped in place (its inode is kept)" "$(stat -c %i "$LIB")" "$ino"
    cp -p "$LIB" "$WORK/lib.in-place"
    if reinstall; then
        ino=$(stat -c %i "$LIB")
        dhp --copy -p libpkgnote-demo1
        expect_ok "options: --copy replaces the library by a copy" test "$(stat -c %i "$LIB")" != "$ino"
        expect_ok "options: --copy gives the bytes of the in-place stamp" cmp "$LIB" "$WORK/lib.in-place"
    else
        fail "options: the packages' files can be installed again for --copy"
    fi
fi

# -- plain, lintian --------------------------------------------------------------

echo
echo "== plain: the same package without the addon"
PLAIN=0
if build plain without_build_dep && unpack plain; then
    PLAIN=1
    if dh_order plain | grep -qx dh_pkgnote; then
        fail "plain: dh does not run dh_pkgnote"
    else
        pass "plain: dh does not run dh_pkgnote"
    fi
    check_no_notes plain
fi
if ! command -v lintian >/dev/null 2>&1; then
    skip "lintian: not installed (Debian: apt-get install lintian)"
elif ((ADDON && PLAIN)); then
    if tags_addon=$(lintian_tags addon) && tags_plain=$(lintian_tags plain); then
        info "lintian on the build without the addon: $(grep -c . <<<"$tags_plain") tags"
        expect_empty "lintian: no tag on the addon's packages that the plain build lacks" \
            "$(LC_ALL=C comm -23 <(printf '%s\n' "$tags_addon") <(printf '%s\n' "$tags_plain"))"
    else
        fail "lintian runs"
    fi
fi

# -- again ------------------------------------------------------------------------

echo
echo "== again: the addon build a second time"
if ((ADDON)) && build again; then
    for deb in "$WORK/addon"/*.deb; do
        expect_ok "again: ${deb##*/} is identical" cmp "$deb" "$WORK/again/${deb##*/}"
    done
fi

# -- install ----------------------------------------------------------------------

echo
echo "== install: dpkg -i in a throwaway root, a core, dpkg --purge"
X=$WORK/xchg
if ((!ADDON)); then
    skip "install: no addon build"
else
    mkdir -p "$X/debs"
    cp "$WORK/addon"/*.deb "$X/debs/"
    rm -f "$X/debs"/*-dbgsym_*
    cat >"$X/install.sh" <<'EOF'
set -u
cd /xchg
dpkg -i debs/*.deb >dpkg-i.log 2>&1 || exit 1
dpkg-query -W -f '${Package} ${Version} ${Status}\n' pkgnote-demo libpkgnote-demo1 pkgnote-demo-data | LC_ALL=C sort >installed.txt
pkgnote-demo >run.txt 2>&1
mkdir crash
(cd crash && ulimit -c unlimited && { echo 0x33 >/proc/self/coredump_filter; } 2>/dev/null; exec pkgnote-demo crash) >/dev/null 2>&1
echo $? >crash.rc
dpkg --purge pkgnote-demo libpkgnote-demo1 pkgnote-demo-data >dpkg-purge.log 2>&1 || exit 2
ls /usr/bin/pkgnote-demo /usr/lib/*/libpkgnote-demo.so.1 >left.txt 2>&1
exit 0
EOF
    "$HERE/throwaway-root.sh" "$X" install.sh >"$WORK/install.log" 2>&1
    rc=$?
    if ((rc == 77)); then
        skip "install: $(grep '^skip:' "$WORK/install.log" | head -n 1)"
    elif ((rc != 0)); then
        fail "install: dpkg -i and dpkg --purge in the throwaway root (exit $rc)"
        cat "$WORK/install.log" "$X"/dpkg-*.log 2>/dev/null | tail -n 30 | sed 's/^/      | /'
    else
        pass "install: dpkg -i installs the packages and dpkg --purge removes them"
        expect_eq "install: dpkg knew them installed" "$(cat "$X/installed.txt")" \
"libpkgnote-demo1 1.0-1 install ok installed
pkgnote-demo 1.0-1 install ok installed
pkgnote-demo-data 1.0-1 install ok installed"
        expect_eq "install: the installed program runs" "$(cat "$X/run.txt")" \
            "pkgnote-demo: hello from libpkgnote-demo"
        expect_eq "install: the files are gone after the purge" \
            "$(grep -c 'No such file' "$X/left.txt")" 2
        core=$(tl_core_in "$X/crash")
        if why=$(tl_cores_unavailable); then
            skip "core: $why"
        elif [[ -z $core ]]; then
            skip "core: no core file was written (crash exit $(cat "$X/crash.rc"), ulimit -Hc $(ulimit -Hc))"
        elif ! command -v jq >/dev/null 2>&1; then
            skip "core: jq is not installed (Debian: apt-get install jq)"
        else
            arch=$(dpkg-architecture -qDEB_HOST_ARCH)
            declare -A module=([/usr/bin/pkgnote-demo]=pkgnote-demo
                               [/usr/lib/$MA/libpkgnote-demo.so.1.0.0]=libpkgnote-demo1)
            show=$("$PKGNOTE" show --json "$core" 2>&1)
            for path in "${!module[@]}"; do
                want=$(expected_json pkgnote-demo 1.0-1 "${module[$path]}" 1.0-1 "$arch")
                [[ -e $path ]] && fail "core: $path exists outside the throwaway root"
                expect_eq "core: pkgnote show names ${module[$path]} for $path" \
                    "$(jq -c --arg p "$path" '.modules[] | select(.file == $p) | .metadata' <<<"$show" 2>&1)" "$want"
                if command -v systemd-analyze >/dev/null 2>&1; then
                    expect_eq "core: systemd-analyze inspect-elf names ${module[$path]} for $path" \
                        "$(systemd-analyze inspect-elf --json=short "$core" 2>&1 |
                            jq -cS --arg p "$path" '.[$p] // {} | del(.buildId)')" \
                        "$(jq -cS . <<<"$want")"
                else
                    skip "core: systemd-analyze is not installed"
                fi
            done
        fi
    fi
fi

# -- notes ------------------------------------------------------------------------

echo
echo "== notes: dh-package-notes too, dh --with pkgnote, a binNMU"
if [[ ! -r /usr/share/debhelper/dh_package_notes/package-notes.mk ]]; then
    skip "notes: dh-package-notes is not installed (Debian: apt-get install dh-package-notes)"
elif build notes without_build_dep with_argument with_package_notes binnmu && unpack notes; then
    check_order notes
    expect_eq "notes: the binNMU is the .debs' version" \
        "$(dpkg-deb -f "$WORK/notes/pkgnote-demo_1.0-1+b1_$(dpkg-architecture -qDEB_HOST_ARCH).deb" Version)" "1.0-1+b1"
    # The linker's output in the build tree keeps dh-package-notes' note:
    # the source package's name (or the note the addon replaced was not
    # there).
    linked=$(note_json "$WORK/notes/$SRC/src/pkgnote-demo")
    if [[ $linked == *'"name":"pkgnote-demo","version":"1.0-1+b1"'* ]]; then
        pass "notes: the linker wrote dh-package-notes' note ($linked)"
    else
        fail "notes: the linker wrote dh-package-notes' note (got: ${linked:-none})"
    fi
    linked=$(note_json "$WORK/notes/$SRC/src/libpkgnote-demo.so.1.0.0")
    if [[ $linked == *'"name":"pkgnote-demo",'* ]]; then
        pass "notes: the library was linked with the source package's name"
    else
        fail "notes: the library was linked with the source package's name (got: ${linked:-none})"
    fi
    # dh-package-notes exports DEBUGINFOD_URLS: the addon's note has it too.
    check_notes notes "$(sed -n 's/.*"debugInfoUrl":"\([^"]*\)".*/\1/p' <<<"$linked")"
    stamped=$(note_json "$WORK/notes/root/pkgnote-demo/usr/bin/pkgnote-demo")
    if [[ $stamped == *'"name":"pkgnote-demo","version":"1.0-1",'*'"binaryPackage":"pkgnote-demo","binaryVersion":"1.0-1+b1"}' ]]; then
        pass "notes: the binNMU's note names the source version, the binNMU in binaryVersion"
    else
        fail "notes: the binNMU's note (got: ${stamped:-none})"
    fi
fi

tl_finish
