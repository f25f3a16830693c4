#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/quickstart/test-fresh-root.sh: the README's first steps, as a new
# user takes them, on a Debian 12 that has nothing but what they install.
#
# A minimal Debian 12 root (mmdebstrap --variant=minbase, from this machine's
# own apt sources, made once per build directory and kept as a tarball) gets
# a clean copy of the checkout (the files git knows, no build directories)
# and is entered with chroot:
#
#   demo      ./demo.sh, which installs the build dependencies itself, builds
#             pkgnote, stamps a program and shows the note; from outside the
#             root, readelf must find exactly the JSON demo.sh stamped, in
#             page 1, and demo.sh's log must show it read back by pkgnote.
#   install   then rpm is installed, and pkgnote is built and installed the
#             plain way (meson setup, meson compile, meson install; default
#             prefix /usr/local, as root): a new shell must find and run
#             pkgnote (--version, stamp, show), and a real rpmbuild of a tiny
#             spec must pass and its package's program carry the rpm note
#             (rpm2cpio and readelf, outside the root).
#
# Needs root, mmdebstrap, chroot and the network of the apt mirror.  Where a
# fresh root cannot be made, it says why, runs test-build-deps.sh (the next
# best check) and skips.  Mounts (/proc, /sys, /dev in the root) live in a
# private mount namespace and are undone on exit.  KEEP_WORK=1 keeps the root.

set -u

: "${SOURCE_ROOT:?SOURCE_ROOT must point at the source tree}"
: "${BUILD_ROOT:?BUILD_ROOT must point at the build tree}"
# shellcheck source=../lib/testlib.sh
. "$SOURCE_ROOT/tests/lib/testlib.sh"

# Everything below runs in a private mount namespace: whatever happens to
# this process, no mount is left behind on the host.
if [[ ${QS_PRIVATE_MOUNTS:-0} != 1 ]] && command -v unshare >/dev/null 2>&1 &&
    unshare --mount --propagation private true 2>/dev/null; then
    QS_PRIVATE_MOUNTS=1 exec unshare --mount --propagation private "$BASH" "$0" "$@"
fi

SUITE=bookworm
CACHE=$BUILD_ROOT/quickstart
TARBALL=$CACHE/$SUITE-minbase.tar

# cannot REASON: no fresh root here; say why, fall back, skip.
cannot() {
    echo "a fresh Debian 12 root cannot be made here: $*"
    echo "the next best check instead: every dependency() maps to a package demo.sh installs"
    if "$SOURCE_ROOT/tests/quickstart/test-build-deps.sh"; then
        exit 77
    fi
    exit 1
}

[[ $(id -u) == 0 ]] || cannot "not root (mmdebstrap's root mode and chroot need it)"
for tool in mmdebstrap chroot mount umount readelf rpm2cpio cpio git; do
    command -v "$tool" >/dev/null 2>&1 || cannot "$tool is not installed"
done
[[ ${QS_PRIVATE_MOUNTS:-0} == 1 ]] || cannot "no private mount namespace (unshare -m)"

# -- the minimal root, once -----------------------------------------------------

# host_sources: this machine's apt source files (mmdebstrap pastes each into
# the root, one-line or deb822), so the root uses the same mirror.
host_sources() {
    local f
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
        [[ -s $f ]] && grep -q '^[^#]' "$f" && printf '%s\n' "$f"
    done
}

# host_aptopts: the host's release-file checks (a snapshot mirror has them
# switched off), as mmdebstrap --aptopt arguments; they stay in the root.
host_aptopts() {
    local key value
    for key in Acquire::Check-Valid-Until Acquire::Check-Date; do
        value=$(apt-config dump "$key" 2>/dev/null | sed -n "s/^$key \"\\(.*\\)\";\$/\\1/p")
        [[ -n $value ]] && printf -- '--aptopt=%s "%s"\n' "$key" "$value"
    done
}

if [[ ! -s $TARBALL ]]; then
    mkdir -p "$CACHE"
    mapfile -t sources < <(host_sources)
    ((${#sources[@]})) || cannot "no apt sources in /etc/apt"
    mapfile -t aptopts < <(host_aptopts)
    echo "making a $SUITE minbase root from ${sources[*]} ${aptopts[*]}"
    start=$SECONDS
    if ! timeout 1500 mmdebstrap --variant=minbase --format=tar "${aptopts[@]}" "$SUITE" "$TARBALL.tmp" \
        "${sources[@]}" >"$CACHE/mmdebstrap.log" 2>&1; then
        tail -n 20 "$CACHE/mmdebstrap.log" | sed 's/^/      | /'
        rm -f "$TARBALL.tmp"
        cannot "mmdebstrap failed (log above; no network to the mirror?)"
    fi
    mv "$TARBALL.tmp" "$TARBALL"
    echo "made $TARBALL in $((SECONDS - start)) s"
else
    echo "reusing $TARBALL"
fi

# -- the root, entered ------------------------------------------------------------

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pkgnote-quickstart.XXXXXX") || exit 1
ROOT=$WORK/root
MOUNTED=()

# cleanup: undo the mounts, newest first; remove the root only when nothing
# is mounted in it any more (and never across file systems).
cleanup() {
    local i
    for ((i = ${#MOUNTED[@]} - 1; i >= 0; i--)); do
        umount -R "${MOUNTED[i]}" 2>/dev/null || umount -R -l "${MOUNTED[i]}"
    done
    if [[ ${KEEP_WORK:-0} == 1 ]]; then
        echo "work directory kept: $WORK"
    elif findmnt -rn -o TARGET | grep -q "^$ROOT/"; then
        echo "still mounted under $ROOT: not removed"
    else
        rm -rf --one-file-system -- "$WORK"
    fi
}
trap cleanup EXIT

mkdir -p "$ROOT"
tar -C "$ROOT" -xf "$TARBALL" || { fail "the cached root unpacks"; tl_finish; }
cp -L /etc/resolv.conf "$ROOT/etc/resolv.conf"

# The checkout as git sees it (tracked and new files, changes included; no
# build directories, nothing ignored); a source tree without git: all of it
# but the build directories.
source_files() {
    if git -C "$SOURCE_ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        git -C "$SOURCE_ROOT" ls-files -z --cached --others --exclude-standard |
            while IFS= read -r -d '' f; do [[ -e $SOURCE_ROOT/$f || -L $SOURCE_ROOT/$f ]] && printf '%s\0' "$f"; done
    else
        (cd "$SOURCE_ROOT" && find . -path './build*' -prune -o ! -type d -printf '%P\0')
    fi
}
mkdir -p "$ROOT/src/pkgnote"
source_files | (cd "$SOURCE_ROOT" && tar --null -T - -cf -) | tar -C "$ROOT/src/pkgnote" -xf - ||
    { fail "the checkout is copied into the root"; tl_finish; }

mount -t proc proc "$ROOT/proc" && MOUNTED+=("$ROOT/proc")
mount --rbind /sys "$ROOT/sys" && MOUNTED+=("$ROOT/sys")
mount --rbind /dev "$ROOT/dev" && MOUNTED+=("$ROOT/dev")
((${#MOUNTED[@]} == 3)) || { fail "/proc, /sys and /dev are mounted in the root"; tl_finish; }

# in_root LOG SECONDS SCRIPT: run SCRIPT with bash as root in the root, in a
# clean environment, from the checkout; output to LOG.
in_root() {
    local log=$1 limit=$2 script=$3
    timeout --kill-after=30 "$limit" chroot "$ROOT" /usr/bin/env -i \
        HOME=/root LANG=C.UTF-8 TERM=dumb \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        /bin/bash -c "cd /src/pkgnote && $script" >"$log" 2>&1
}

# show_tail LOG: the end of a log, indented.
show_tail() { tail -n 30 "$1" | sed 's/^/      | /'; }

# os_value KEY: KEY of the root's os-release (unquoted).
os_value() {
    sed -n "s/^$1=//p" "$ROOT/etc/os-release" | tr -d "\"'"
}

# -- demo: the README's first command ------------------------------------------------

echo
echo "== demo: ./demo.sh in a fresh $SUITE root"
start=$SECONDS
if in_root "$WORK/demo.log" 1800 './demo.sh'; then
    pass "demo: ./demo.sh succeeds ($((SECONDS - start)) s)"
else
    fail "demo: ./demo.sh succeeds (exit $?, $((SECONDS - start)) s)"
    show_tail "$WORK/demo.log"
fi
hello=$ROOT/src/pkgnote/build/demo/hello
want=$(printf '{"type":"deb","os":"%s","osVersion":"%s","name":"hello","version":"1.0-1","architecture":"%s"}' \
    "$(os_value ID)" "$(os_value VERSION_ID)" "$(chroot "$ROOT" dpkg --print-architecture)")
if [[ -f $hello ]]; then
    expect_eq "demo: readelf -n finds the stamped JSON in the demo program" "$(note_json "$hello")" "$want"
    expect_ok "demo: the note is in page 1" check_page1 "$hello"
    if awk '/^==> pkgnote show / { s = 1 } s && /^name: hello$/ { f = 1 } END { exit !f }' "$WORK/demo.log"; then
        pass "demo: pkgnote show prints the note"
    else
        fail "demo: pkgnote show prints the note"
        show_tail "$WORK/demo.log"
    fi
else
    fail "demo: the demo program $hello exists"
fi

# -- install: meson install, then pkgnote and rpmbuild as a user meets them ----------

echo
echo "== install: meson setup/compile/install (default prefix), pkgnote, rpmbuild"
start=$SECONDS
if in_root "$WORK/apt-rpm.log" 900 \
    'DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends rpm'; then
    pass "install: apt-get install rpm"
else
    fail "install: apt-get install rpm"
    show_tail "$WORK/apt-rpm.log"
fi
if in_root "$WORK/install.log" 1800 'meson setup b && meson compile -C b && meson install -C b'; then
    pass "install: meson setup b && meson compile -C b && meson install -C b ($((SECONDS - start)) s)"
else
    fail "install: meson setup b && meson compile -C b && meson install -C b"
    show_tail "$WORK/install.log"
fi

# A new login shell, as after the install: PATH finds /usr/local/bin/pkgnote.
if in_root "$WORK/version.log" 60 'command -v pkgnote && pkgnote --version'; then
    pass "install: pkgnote --version runs: $(tr '\n' ' ' <"$WORK/version.log")"
else
    fail "install: pkgnote --version runs"
    show_tail "$WORK/version.log"
fi

want='{"type":"deb","name":"quickstart","version":"1.0"}'
if in_root "$WORK/stamp.log" 120 "cc -O2 -o /root/hello fixtures/hello.c &&
    pkgnote stamp --type deb --name quickstart --version 1.0 /root/hello &&
    pkgnote show /root/hello && /root/hello"; then
    pass "install: pkgnote stamp and show a program"
else
    fail "install: pkgnote stamp and show a program"
    show_tail "$WORK/stamp.log"
fi
if [[ -f $ROOT/root/hello ]]; then
    expect_eq "install: readelf -n finds the JSON pkgnote stamped" "$(note_json "$ROOT/root/hello")" "$want"
fi

# rpmbuild: the installed macros stamp every package.
mkdir -p "$ROOT/root/rpmbuild/SPECS"
cat >"$ROOT/root/rpmbuild/SPECS/quickstart.spec" <<'EOF'
Name:           quickstart
Version:        1.0
Release:        1
Summary:        pkgnote quick start test
License:        LGPL-2.1-or-later

%description
A program, packaged to see the installed pkgnote macros stamp it.

%build
cc -O2 -g -o hello /src/pkgnote/fixtures/hello.c

%install
install -D -m 0755 hello %{buildroot}%{_bindir}/quickstart-hello

%files
%{_bindir}/quickstart-hello
EOF
if in_root "$WORK/rpmbuild.log" 600 'rpmbuild -bb --define "_topdir /root/rpmbuild" /root/rpmbuild/SPECS/quickstart.spec'; then
    pass "install: rpmbuild -bb of a small spec succeeds"
else
    fail "install: rpmbuild -bb of a small spec succeeds"
    show_tail "$WORK/rpmbuild.log"
fi
if grep -q '^brp-pkgnote: stamping' "$WORK/rpmbuild.log"; then
    pass "install: the rpmbuild log shows the brp-pkgnote step"
else
    fail "install: the rpmbuild log shows the brp-pkgnote step"
fi
arch=$(chroot "$ROOT" rpm --eval '%{_arch}')
cpe=$(os_value CPE_NAME)
[[ -r $ROOT/usr/lib/system-release-cpe ]] && cpe=$(head -n 1 "$ROOT/usr/lib/system-release-cpe")
want=$(printf '{"type":"rpm","name":"quickstart","version":"1.0-1","architecture":"%s"%s}' \
    "$arch" "${cpe:+,\"osCpe\":\"$cpe\"}")
rpmfile=$(compgen -G "$ROOT/root/rpmbuild/RPMS/*/quickstart-1.0-1.*.rpm" | head -n 1)
if [[ -n $rpmfile ]]; then
    mkdir -p "$WORK/payload"
    (cd "$WORK/payload" && rpm2cpio "$rpmfile" | cpio -idm --quiet)
    expect_eq "install: the packaged program carries the rpm note (readelf -n)" \
        "$(note_json "$WORK/payload/usr/bin/quickstart-hello")" "$want"
    expect_ok "install: the packaged program's note is in page 1" \
        check_page1 "$WORK/payload/usr/bin/quickstart-hello"
else
    fail "install: rpmbuild wrote quickstart-1.0-1.$arch.rpm"
fi

tl_finish
