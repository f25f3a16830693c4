#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/rpm/test-rpmbuild.sh MACROS: rpmbuild with the pkgnote macros, for real.
#
# MACROS is the build tree's copy of rpm/macros.pkgnote (it runs the built
# pkgnote and the source tree's brp-pkgnote).  Nothing is installed: every
# rpmbuild gets its own _topdir under a scratch directory, and reads MACROS
# where an installed macros.pkgnote is read, in rpm's macros.d (before the
# platform macros that define %__os_install_post again): a copy of macros.d
# with MACROS added is bind-mounted over it in a private mount namespace
# (unshare -m), so the host never sees it.  Where that is not possible the
# builds use --load MACROS (read last) and say so.  A small spec builds a
# program, a shared library it uses, a second program with a hard link, a
# symbolic link and a static archive from fixtures/; the .rpm files are
# unpacked with rpm2cpio | cpio and checked with readelf (never with pkgnote):
#
#   plain      every ELF executable and shared library of the payload has one
#              FDO package note with exactly {"type":"rpm","name":%{name},
#              "version":%{version}-%{release},"architecture":%{_arch}
#              [,"osCpe":CPE of this machine]}, within page 1; the programs
#              run (greet through the packaged libgreet); the static archive,
#              header and symbolic link are untouched; hard links stay links;
#              every file is stamped in place (pkgnote -v would name a file
#              it copied instead, with the reason)
#   debuginfo  (when find-debuginfo is installed) the same with a -debuginfo
#              package: the stripped files keep the note, the .debug files
#              carry the same note and build-id as the files they belong to
#   off        a spec with "%global _pkgnote_enable 0": no note anywhere
#   off-undefine  the same with "%undefine _pkgnote_enable"
#   copy       the plain build again with %_pkgnote_in_place 0 (synced
#              copies instead of in-place stamps): the same ELF bytes
#   load       the macros read with --load, osCpe given by %_pkgnote_os_cpe
#   failure    a truncated ELF executable in the build root: pkgnote fails,
#              so does rpmbuild, and the log says which file
#   unusable   a pkgnote that cannot start (a copy away from its library, as
#              after an install without ldconfig): rpmbuild fails, and the log
#              says why and how to build without the step
#
# Skips (exit 77) with the reason when rpmbuild, rpm2cpio, cpio, readelf or
# a C compiler is missing.  KEEP_WORK=1 keeps the scratch directory.

set -u

: "${SOURCE_ROOT:?SOURCE_ROOT must point at the source tree}"
# shellcheck source=../lib/testlib.sh
. "$SOURCE_ROOT/tests/lib/testlib.sh"

MACROS=${1:?usage: test-rpmbuild.sh MACROS}

for tool in rpmbuild rpm2cpio cpio readelf cc ar; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "skip: $tool is not installed (Debian: apt-get install rpm cpio binutils gcc)"
        exit 77
    fi
done
if [[ ! -r $MACROS ]]; then
    echo "FAIL: macros file $MACROS is missing"
    exit 1
fi
tl_need_pkgnote
tl_setup

ARCH=$(rpm --eval '%{_arch}')
LIBDIR=$(rpm --eval '%{_libdir}')
NAME=pkgnote-greet
VERSION=1.2.3
RELEASE=4.pkgnotetest

# find-debuginfo: debugedit's, or the one older rpm versions ship.
FIND_DEBUGINFO=
for f in "$(rpm --eval '%{?__find_debuginfo}')" /usr/lib/rpm/find-debuginfo.sh; do
    if [[ -n $f && -x $f ]]; then FIND_DEBUGINFO=$f; break; fi
done

# The osCpe brp-pkgnote must find, read here independently of it.
host_cpe() {
    local f
    if [[ -r /usr/lib/system-release-cpe ]]; then
        head -n 1 /usr/lib/system-release-cpe
        return
    fi
    for f in /etc/os-release /usr/lib/os-release; do
        if [[ -r $f ]]; then
            # shellcheck disable=SC1090
            (unset CPE_NAME; . "$f" && printf '%s\n' "${CPE_NAME:-}")
            return
        fi
    done
}
HOST_CPE=$(host_cpe)

# expected_json [CPE]: the JSON the package-notes rpm macros would link in.
expected_json() {
    local cpe=${1-$HOST_CPE}
    printf '{"type":"rpm","name":"%s","version":"%s-%s","architecture":"%s"%s}' \
        "$NAME" "$VERSION" "$RELEASE" "$ARCH" "${cpe:+,\"osCpe\":\"$cpe\"}"
}

# "As installed": rpm reads an installed macros.pkgnote from its macros.d,
# before the platform macros that define %__os_install_post again.  rpmbuild
# has no option for that position (--macros is not used for the build
# itself, --load reads a file last), so the builds run in a private mount
# namespace where a copy of macros.d with MACROS added is bind-mounted over
# the real one: the host's rpm configuration is never touched.  Where that is
# not possible (no unshare, no privilege) they use --load instead.
MACROS_D=$(rpm --eval '%{_rpmmacrodir}')
mkdir -p "$WORK/macros.d"
if [[ -d $MACROS_D ]]; then
    cp -a "$MACROS_D/." "$WORK/macros.d/"
fi
cp "$MACROS" "$WORK/macros.d/macros.pkgnote"
AS_INSTALLED=0
# shellcheck disable=SC2016  # $1 and $2 are the inner shell's
if [[ -d $MACROS_D ]] && command -v unshare >/dev/null 2>&1 &&
    unshare -m --propagation private sh -c 'mount --bind "$1" "$2" && test -f "$2/macros.pkgnote"' \
        sh "$WORK/macros.d" "$MACROS_D" 2>/dev/null; then
    AS_INSTALLED=1
fi

# rpmbuild_as_installed ARGS...: rpmbuild with MACROS in rpm's macros.d (or,
# failing that, loaded with --load).
# shellcheck disable=SC2317  # called through build's run array
rpmbuild_as_installed() {
    if ((AS_INSTALLED)); then
        # shellcheck disable=SC2016  # $1, $2 and $@ are the inner shell's
        unshare -m --propagation private sh -c \
            'mount --bind "$1" "$2" && shift 2 && exec rpmbuild "$@"' \
            sh "$WORK/macros.d" "$MACROS_D" "$@"
    else
        rpmbuild --load "$MACROS" "$@"
    fi
}

# -- the spec ---------------------------------------------------------------

# write_spec FILE [EXTRA-PREAMBLE-LINE]
write_spec() {
    cat >"$1" <<EOF
${2:-}
Name:           $NAME
Version:        $VERSION
Release:        $RELEASE
Summary:        pkgnote rpmbuild test: a program and the shared library it uses
License:        LGPL-2.1-or-later

%{?pkgnote_test_debuginfo:%debug_package}

%description
Built by pkgnote's tests/rpm/test-rpmbuild.sh from its fixtures.

%prep
rm -rf src
mkdir src
cp %{pkgnote_fixtures}/greet-main.c %{pkgnote_fixtures}/libgreet.c \\
   %{pkgnote_fixtures}/greet.h %{pkgnote_fixtures}/hello.c src/

%build
cd src
cc -g -O2 -fPIC -shared -Wl,-soname,libgreet.so.1 -o libgreet.so.1.0 libgreet.c
ln -sf libgreet.so.1.0 libgreet.so
cc -g -O2 -o greet greet-main.c -L. -lgreet
cc -g -O2 -o hello hello.c
cc -g -O2 -c -fPIC -o libgreet.o libgreet.c
ar rcs libgreet.a libgreet.o

%install
cd src
install -D -m 0755 greet %{buildroot}%{_bindir}/greet
install -D -m 0755 hello %{buildroot}%{_bindir}/hello
ln %{buildroot}%{_bindir}/hello %{buildroot}%{_bindir}/hello-again
install -D -m 0755 libgreet.so.1.0 %{buildroot}%{_libdir}/libgreet.so.1.0
ln -s libgreet.so.1.0 %{buildroot}%{_libdir}/libgreet.so.1
install -m 0644 libgreet.a %{buildroot}%{_libdir}/libgreet.a
install -D -m 0644 greet.h %{buildroot}%{_includedir}/greet.h
%{?pkgnote_test_broken:head -c 3000 hello >%{buildroot}%{_bindir}/broken}

%files
%{_bindir}/greet
%{_bindir}/hello
%{_bindir}/hello-again
%{_libdir}/libgreet.so.1.0
%{_libdir}/libgreet.so.1
%{_libdir}/libgreet.a
%{_includedir}/greet.h
%{?pkgnote_test_broken:%{_bindir}/broken}
EOF
}

# -- building and unpacking ----------------------------------------------------

# build NAME SPEC-EXTRA-LINE HOW RPMBUILD-ARGS...: rpmbuild -bb in
# $WORK/NAME/top, HOW being "installed" (rpmbuild_as_installed) or "load"
# (--load MACROS); log in $WORK/NAME/log.  Returns rpmbuild's status.
build() {
    local name=$1 preamble=$2 how=$3
    shift 3
    local top=$WORK/$name/top
    local -a run=(rpmbuild_as_installed)
    [[ $how == load ]] && run=(rpmbuild --load "$MACROS")
    mkdir -p "$top/SPECS"
    write_spec "$top/SPECS/$NAME.spec" "$preamble"
    (cd "$WORK/$name" && "${run[@]}" -bb --nodeps \
        --define "_topdir $top" \
        --define "pkgnote_fixtures $FIXTURES" \
        "$@" "$top/SPECS/$NAME.spec") >"$WORK/$name/log" 2>&1
}

# show_log NAME: the end of a build log, indented.
show_log() {
    tail -n 40 "$WORK/$1/log" | sed 's/^/      | /'
}

# unpack NAME RPM-GLOB: extract the matching .rpm files of build NAME into
# $WORK/NAME/root.  Returns 1 when none matches.
unpack() {
    local name=$1 pattern=$2 rpm found=0
    mkdir -p "$WORK/$name/root"
    for rpm in "$WORK/$name/top/RPMS/$ARCH"/$pattern; do
        [[ -f $rpm ]] || continue
        found=1
        (cd "$WORK/$name/root" && rpm2cpio "$rpm" | cpio -idm --quiet) || return 1
    done
    ((found))
}

# elf_files DIR: the ELF executables and shared libraries under DIR (found by
# content; symbolic links excluded), relative to DIR, sorted.
elf_files() {
    local f type
    (cd "$1" && find . -type f -print | sort) | while IFS= read -r f; do
        [[ $(head -c 4 -- "$1/$f" | od -An -c | tr -d ' ') == '177ELF' ]] || continue
        type=$(LC_ALL=C readelf -h -- "$1/$f" 2>/dev/null | awk '$1 == "Type:" { print $2 }')
        [[ $type == EXEC || $type == DYN ]] && printf '%s\n' "${f#./}"
    done
}

# check_stamped WHAT ROOT JSON: every ELF file under ROOT (outside
# usr/lib/debug) has exactly one package note, with JSON, in page 1.
check_stamped() {
    local what=$1 root=$2 want=$3 f got bad=0 n=0
    while IFS= read -r f; do
        [[ $f == usr/lib/debug/* ]] && continue
        n=$((n + 1))
        got=$(note_json "$root/$f")
        if [[ $got != "$want" ]]; then
            fail "$what: $f carries the spec's metadata"
            info "got:  ${got:-(no package note)}"
            info "want: $want"
            bad=1
            continue
        fi
        if ! check_page1 "$root/$f" 2>"$WORK/page1.err"; then
            fail "$what: $f: the note is in page 1"
            sed 's/^/      | /' "$WORK/page1.err"
            bad=1
        fi
    done < <(elf_files "$root")
    if ((n == 0)); then
        fail "$what: the payload holds ELF files"
    elif ((!bad)); then
        pass "$what: all $n ELF files carry $want, in page 1"
    fi
}

# check_payload WHAT ROOT: the files of the spec are there, the programs run,
# the rest is untouched.
check_payload() {
    local what=$1 root=$2 out
    local want_elf="usr/bin/greet
usr/bin/hello
usr/bin/hello-again
${LIBDIR#/}/libgreet.so.1.0"
    expect_eq "$what: the ELF files of the payload" \
        "$(elf_files "$root" | grep -v '^usr/lib/debug/' | grep -v '^usr/lib/\.build-id/')" "$want_elf"

    out=$(LD_LIBRARY_PATH="$root$LIBDIR" "$root/usr/bin/greet" 2>&1)
    expect_eq "$what: greet runs with the packaged libgreet" "$out" \
"Hello, world! (ctor ran)
libgreet probe ok"
    out=$("$root/usr/bin/hello" 2>&1)
    expect_eq "$what: hello runs" "$out" "hello from the pkgnote fixture"
    out=$("$root/usr/bin/hello-again" 2>&1)
    expect_eq "$what: hello-again (hard link) runs" "$out" "hello from the pkgnote fixture"

    if [[ $root/usr/bin/hello -ef $root/usr/bin/hello-again ]]; then
        pass "$what: hello and hello-again are still one file (hard link)"
    else
        fail "$what: hello and hello-again are still one file (hard link)"
    fi
    if [[ -L $root$LIBDIR/libgreet.so.1 && $(readlink "$root$LIBDIR/libgreet.so.1") == libgreet.so.1.0 ]]; then
        pass "$what: libgreet.so.1 is still a symbolic link to libgreet.so.1.0"
    else
        fail "$what: libgreet.so.1 is still a symbolic link to libgreet.so.1.0"
    fi
    expect_eq "$what: the static archive has no package note" \
        "$(package_note_count "$root$LIBDIR/libgreet.a")" 0
    expect_eq "$what: the static archive still lists its member" \
        "$(ar t "$root$LIBDIR/libgreet.a" 2>&1)" "libgreet.o"
    expect_ok "$what: the header is the fixture's" \
        cmp "$FIXTURES/greet.h" "$root/usr/include/greet.h"
}

# build_id FILE: the GNU build-id readelf -n shows.
build_id() {
    LC_ALL=C readelf -n -- "$1" 2>/dev/null | awk '/Build ID:/ { print $3; exit }'
}

# has_section FILE NAME
has_section() {
    LC_ALL=C readelf -S -W -- "$1" 2>/dev/null | awk -v n="$2" '$2 == n || $3 == n { f = 1 } END { exit !f }'
}

echo "rpm $(rpm --version | awk '{print $3}'), arch $ARCH, libdir $LIBDIR"
echo "find-debuginfo: ${FIND_DEBUGINFO:-not installed}"
echo "host osCpe: ${HOST_CPE:-(none)}"
echo "expected note: $(expected_json)"

# -- plain: the macros as installed -------------------------------------------

echo
if ((AS_INSTALLED)); then
    echo "== plain: macros in $MACROS_D (as installed; private mount namespace)"
else
    echo "== plain: macros read with --load (no private mount namespace here)"
fi
if build plain "" installed --define '_pkgnote_stamp_opts -v'; then
    pass "plain: rpmbuild succeeds"
    if grep -q 'brp-pkgnote: stamping' "$WORK/plain/log"; then
        pass "plain: the build log shows the brp-pkgnote step"
    else
        fail "plain: the build log shows the brp-pkgnote step"
        show_log plain
    fi
    grep -E '^(brp-pkgnote|pkgnote):' "$WORK/plain/log" | sed 's/^/      log: /'
    # The step runs in %__os_install_post, after the platform's brp scripts.
    if awk '/brp-strip/ { s = NR } /brp-pkgnote: stamping/ { p = NR } END { exit !(s && p > s) }' "$WORK/plain/log"; then
        pass "plain: brp-pkgnote runs in %__os_install_post, after brp-strip"
    else
        fail "plain: brp-pkgnote runs in %__os_install_post, after brp-strip"
    fi
    # -v (through %_pkgnote_stamp_opts) names every file copied instead of
    # edited in place, and why.
    expect_eq "plain: every file is stamped in place, none copied (pkgnote -v names them)" \
        "$(grep -c '^pkgnote: .*: stamped by copy, not in place: ' "$WORK/plain/log")" 0
    if unpack plain "$NAME-$VERSION-$RELEASE.$ARCH.rpm"; then
        check_stamped plain "$WORK/plain/root" "$(expected_json)"
        check_payload plain "$WORK/plain/root"
    else
        fail "plain: the .rpm can be unpacked"
    fi
else
    fail "plain: rpmbuild succeeds"
    show_log plain
fi

# -- debuginfo -----------------------------------------------------------------

echo
echo "== debuginfo: a -debuginfo package split by find-debuginfo"
if [[ -z $FIND_DEBUGINFO ]]; then
    skip "debuginfo: find-debuginfo is not installed (Debian: apt-get install debugedit)"
elif build debuginfo "" installed --define 'pkgnote_test_debuginfo 1'; then
    pass "debuginfo: rpmbuild succeeds"
    grep -E '^(brp-pkgnote|pkgnote):' "$WORK/debuginfo/log" | sed 's/^/      log: /'
    if awk '/brp-pkgnote: stamping/ && !p { p = NR } /find-debuginfo|extracting debug info/ && !d { d = NR } END { exit !(p && d && p < d) }' "$WORK/debuginfo/log"; then
        pass "debuginfo: the files are stamped before find-debuginfo splits them"
    else
        fail "debuginfo: the files are stamped before find-debuginfo splits them"
        show_log debuginfo
    fi
    root=$WORK/debuginfo/root
    if unpack debuginfo "$NAME-$VERSION-$RELEASE.$ARCH.rpm" &&
        unpack debuginfo "$NAME-debuginfo-$VERSION-$RELEASE.$ARCH.rpm"; then
        check_stamped debuginfo "$root" "$(expected_json)"
        check_payload debuginfo "$root"
        ndebug=0
        for f in usr/bin/greet usr/bin/hello "${LIBDIR#/}/libgreet.so.1.0"; do
            if has_section "$root/$f" .debug_info || has_section "$root/$f" .symtab; then
                fail "debuginfo: $f is stripped"
            else
                pass "debuginfo: $f is stripped"
            fi
            id=$(build_id "$root/$f")
            dbg=$root/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug
            if [[ -z $id || ! -e $dbg ]]; then
                fail "debuginfo: $f has its .debug file (build-id ${id:-none})"
                continue
            fi
            ndebug=$((ndebug + 1))
            dbg=$(readlink -f "$dbg")
            expect_eq "debuginfo: ${dbg#"$root"/} has the same build-id as $f" \
                "$(build_id "$dbg")" "$id"
            expect_eq "debuginfo: ${dbg#"$root"/} carries the same note" \
                "$(note_json "$dbg")" "$(expected_json)"
            if has_section "$dbg" .debug_info; then
                pass "debuginfo: ${dbg#"$root"/} holds the DWARF"
            else
                fail "debuginfo: ${dbg#"$root"/} holds the DWARF"
            fi
        done
        expect_eq "debuginfo: three .debug files" "$ndebug" 3
    else
        fail "debuginfo: the .rpm files (main and -debuginfo) can be unpacked"
        find "$WORK/debuginfo/top/RPMS" | sed 's/^/      | /'
    fi
else
    fail "debuginfo: rpmbuild succeeds"
    show_log debuginfo
fi

# -- off: the one-line switch ---------------------------------------------------

echo
echo "== off: %global _pkgnote_enable 0 in the spec"
if build off '%global _pkgnote_enable 0' installed; then
    pass "off: rpmbuild succeeds"
    if grep -q 'brp-pkgnote: stamping' "$WORK/off/log"; then
        fail "off: brp-pkgnote does not stamp"
    else
        pass "off: brp-pkgnote does not stamp"
    fi
    grep -E '^(brp-pkgnote|pkgnote):' "$WORK/off/log" | sed 's/^/      log: /'
    if unpack off "$NAME-$VERSION-$RELEASE.$ARCH.rpm"; then
        n=0 stamped=0
        while IFS= read -r f; do
            n=$((n + 1))
            if [[ $(package_note_count "$WORK/off/root/$f") != 0 ]]; then
                stamped=$((stamped + 1))
                info "$f: $(note_json "$WORK/off/root/$f")"
            fi
        done < <(elf_files "$WORK/off/root")
        if ((n > 0 && stamped == 0)); then
            pass "off: none of the $n ELF files has a package note"
        else
            fail "off: none of the $n ELF files has a package note ($stamped have one)"
        fi
        check_payload off "$WORK/off/root"
    else
        fail "off: the .rpm can be unpacked"
    fi
else
    fail "off: rpmbuild succeeds"
    show_log off
fi

echo
echo "== off-undefine: %undefine _pkgnote_enable in the spec"
if build off-undefine '%undefine _pkgnote_enable' installed; then
    pass "off-undefine: rpmbuild succeeds"
    if unpack off-undefine "$NAME-$VERSION-$RELEASE.$ARCH.rpm"; then
        n=0 stamped=0
        while IFS= read -r f; do
            n=$((n + 1))
            [[ $(package_note_count "$WORK/off-undefine/root/$f") != 0 ]] && stamped=$((stamped + 1))
        done < <(elf_files "$WORK/off-undefine/root")
        if ((n > 0 && stamped == 0)); then
            pass "off-undefine: none of the $n ELF files has a package note"
        else
            fail "off-undefine: none of the $n ELF files has a package note ($stamped have one)"
        fi
    else
        fail "off-undefine: the .rpm can be unpacked"
    fi
else
    fail "off-undefine: rpmbuild succeeds"
    show_log off-undefine
fi

# -- copy: %_pkgnote_in_place 0 gives the bytes of the in-place stamp -------------

echo
echo "== copy: the same build with %_pkgnote_in_place 0 (synced copies)"
# In the same directory as plain (the paths compiled in are the same), once
# plain's results are moved aside.
if [[ -d $WORK/plain/root ]] && mv "$WORK/plain" "$WORK/plain-in-place" &&
    build plain "" installed --define '_pkgnote_in_place 0'; then
    pass "copy: rpmbuild succeeds"
    if unpack plain "$NAME-$VERSION-$RELEASE.$ARCH.rpm"; then
        n=0 same=0
        while IFS= read -r f; do
            n=$((n + 1))
            if cmp -s "$WORK/plain/root/$f" "$WORK/plain-in-place/root/$f"; then same=$((same + 1))
            else info "differs: $f"; fi
        done < <(elf_files "$WORK/plain/root")
        expect_ok "copy: there are ELF files to compare" test "$n" -gt 0
        expect_eq "copy: every ELF file of the payload has the bytes of the in-place build ($n files)" "$same" "$n"
    else
        fail "copy: the .rpm can be unpacked"
    fi
    mv "$WORK/plain" "$WORK/copy" && mv "$WORK/plain-in-place" "$WORK/plain"
else
    fail "copy: rpmbuild succeeds"
    [[ -d $WORK/plain ]] && show_log plain
fi

# -- load: --load, and %_pkgnote_os_cpe ----------------------------------------

echo
echo "== load: rpmbuild --load MACROS, %_pkgnote_os_cpe set"
cpe='cpe:/o:pkgnote:test-os:1'
if build load "" load --define "_pkgnote_os_cpe $cpe"; then
    pass "load: rpmbuild succeeds"
    if unpack load "$NAME-$VERSION-$RELEASE.$ARCH.rpm"; then
        check_stamped load "$WORK/load/root" "$(expected_json "$cpe")"
    else
        fail "load: the .rpm can be unpacked"
    fi
else
    fail "load: rpmbuild succeeds"
    show_log load
fi

# -- failure: pkgnote fails, so does the build ------------------------------------

echo
echo "== failure: a truncated ELF executable in the build root"
if build failure "" installed --define 'pkgnote_test_broken 1'; then
    fail "failure: rpmbuild fails when pkgnote fails"
    show_log failure
else
    pass "failure: rpmbuild fails when pkgnote fails"
    grep -E '^(brp-pkgnote|pkgnote):' "$WORK/failure/log" | sed 's/^/      log: /'
    if grep -q '^pkgnote: .*/usr/bin/broken: ' "$WORK/failure/log" &&
        grep -q '^brp-pkgnote: pkgnote stamp failed (exit status [1-9]' "$WORK/failure/log"; then
        pass "failure: the log names the file and says the step failed"
    else
        fail "failure: the log names the file and says the step failed"
        show_log failure
    fi
    if compgen -G "$WORK/failure/top/RPMS/*/*.rpm" >/dev/null; then
        fail "failure: no .rpm is written"
    else
        pass "failure: no .rpm is written"
    fi
fi

# -- unusable: pkgnote does not start ---------------------------------------------

echo
echo "== unusable: %__pkgnote cannot find its library"
mkdir -p "$WORK/unusable-bin"
cp "$PKGNOTE" "$WORK/unusable-bin/pkgnote"
# meson test points LD_LIBRARY_PATH at the build's library: not here.
unset LD_LIBRARY_PATH
if "$WORK/unusable-bin/pkgnote" --version >/dev/null 2>&1; then
    skip "unusable: a copy of pkgnote still finds libpkgnote.so.0 here (installed on this machine?)"
elif build unusable "" installed --define "__pkgnote $WORK/unusable-bin/pkgnote"; then
    fail "unusable: rpmbuild fails when pkgnote cannot start"
    show_log unusable
else
    pass "unusable: rpmbuild fails when pkgnote cannot start"
    grep -E '^brp-pkgnote:' "$WORK/unusable/log" | sed 's/^/      log: /'
    if grep -q '^brp-pkgnote: .*pkgnote does not start: .*libpkgnote\.so\.0' "$WORK/unusable/log" &&
        grep -q "^brp-pkgnote: .*_pkgnote_enable 0" "$WORK/unusable/log"; then
        pass "unusable: the log names the missing library and how to build without the step"
    else
        fail "unusable: the log names the missing library and how to build without the step"
        show_log unusable
    fi
fi

tl_finish
