#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Retrofit a real Debian 12 root (mmdebstrap minbase + perl-base, apt and
# libc6:i386; tests/lib/debroot.sh) from its own dpkg database:
#   - a package diversion (a small .deb whose preinst runs dpkg-divert) and
#     a local one, a file with capabilities, an extra hard link, a file no
#     package owns, an absolute symbolic link pointing at the host;
#   - pkgnote stamp --from-dpkg ROOT -j 2;
#   - oracles run inside the root (chroot): dpkg-query -S / -W name the
#     package each sample's note must carry (readelf -n): its source
#     package and source version as name and version (libselinux1 is a
#     binNMU of libselinux, the diverting package a binNMU-style one whose
#     Source: differs from its name), its architecture, and the binary
#     package and version as binaryPackage and binaryVersion; ls, bash,
#     apt-get, perl and the i386 loader run;
#     eu-elflint --gnu-ld has no new complaint; getcap, stat for links;
#   - a program of the root crashes inside it; with the root gone (and,
#     for systemd-analyze, the host's own libc hidden), pkgnote show and
#     systemd-analyze inspect-elf name the package of the executable and
#     of libc in the core;
#   - check --from-dpkg: all agree; a file stamped by hand with another
#     name is reported; a second run keeps every note; dpkg --verify
#     reports the stamped files' checksums (doc/retrofit.md says why).
#
# Exit: 0 all passed, 1 a check failed, 77 skipped (reason printed).
set -uo pipefail
: "${SOURCE_ROOT:?}" "${BUILD_ROOT:?}"
. "$SOURCE_ROOT/tests/lib/testlib.sh"
. "$SOURCE_ROOT/tests/lib/debroot.sh"

tl_need_pkgnote
for tool in readelf chroot dpkg-deb jq getcap setcap eu-elflint; do
    command -v $tool >/dev/null || { echo "SKIP: $tool is not installed"; exit 77; }
done
tl_setup
R=$WORK/root
if ! why=$(debroot_unpack "$R" 2>&1); then echo "SKIP: no Debian root: $why"; exit 77; fi
mkdir -p "$WORK/orig"
in_root() { chroot "$R" "$@"; }

# -- the root's extras ----------------------------------------------------------
# A package diverting coreutils' /usr/bin/sleep (its own sleep is a copy of
# true), installed by dpkg inside the root.
pkg=$WORK/divert-pkg
mkdir -p "$pkg/DEBIAN" "$pkg/usr/bin"
cp "$R/usr/bin/true" "$pkg/usr/bin/sleep"
cat >"$pkg/DEBIAN/control" <<'CTL'
Package: pkgnote-divert
Source: pkgnote-diversions (1.0-1)
Version: 1.0-1+b1
Architecture: amd64
Maintainer: pkgnote tests <tests@example.org>
Description: diverts /usr/bin/sleep (pkgnote test)
CTL
cat >"$pkg/DEBIAN/preinst" <<'SH'
#!/bin/sh
set -e
dpkg-divert --package pkgnote-divert --add --rename --divert /usr/bin/sleep.distrib /usr/bin/sleep
SH
chmod 755 "$pkg/DEBIAN/preinst"
dpkg-deb --root-owner-group -b "$pkg" "$R/tmp/divert.deb" >/dev/null &&
    in_root dpkg -i /tmp/divert.deb >/dev/null 2>&1 || { fail "the diverting package installs"; tl_finish; }
# A local diversion: coreutils' dd moved to dd.distrib, nothing in its place.
in_root dpkg-divert --local --rename --divert /usr/bin/dd.distrib /usr/bin/dd >/dev/null ||
    fail "dpkg-divert --local"
setcap cap_net_raw+ep "$R/usr/bin/dd.distrib"
mkdir -p "$R/usr/local/bin"
ln "$R/usr/bin/tr" "$R/usr/local/bin/tr-hardlink"
cp "$R/usr/bin/true" "$R/usr/local/bin/mine"              # owned by no package
ln -s /usr/bin/true "$R/usr/local/bin/to-host"           # absolute: the host's, if followed
host_sum=$(sha256sum </usr/bin/true)
cp -a "$R/usr/bin/ls" "$R/usr/bin/perl" "$R/usr/lib/x86_64-linux-gnu/libc.so.6" "$WORK/orig/"

# -- retrofit ---------------------------------------------------------------------
out=$("$PKGNOTE" stamp --from-dpkg "$R" -j 2 -v 2>"$WORK/stamp.err"); rc=$?
summary=$(tail -n 1 <<<"$out")
info "$summary"
expect_eq "stamp --from-dpkg exits 0" "$rc" 0 || sed 's/^/      | /' "$WORK/stamp.err" | head
[[ $summary =~ ^pkgnote:\ ([0-9]+)\ stamped,\ ([0-9]+)\ unchanged,\ [0-9]+\ skipped\ \(([0-9]+)\ owned\ by\ no\ package\),\ 0\ failed$ ]] &&
    ((BASH_REMATCH[1] > 500)) && pass "summary: ${BASH_REMATCH[1]} stamped, none failed" ||
    fail "summary line: $summary"
grep -q "^$R/usr/bin/ls: origin dpkg: {\"type\":\"deb\"" <<<"$out" &&
    pass "-v names each file's origin" || fail "-v: no origin line for ls"
unowned=$(grep -c ': skipped: owned by no package$' <<<"$out")
[[ $summary == *"($unowned owned by no package)"* ]] && grep -q "^$R/usr/local/bin/mine: skipped: owned by no package$" <<<"$out" &&
    pass "unowned files are counted ($unowned) and listed with -v (usr/local/bin/mine)" ||
    fail "unowned files: $unowned listed; $summary"
expect_eq "the host's /usr/bin/true is untouched (a link to it in the root is not followed)" \
    "$(sha256sum </usr/bin/true)" "$host_sum"

# -- notes against dpkg-query in the root --------------------------------------------
osid=$(in_root sh -c '. /etc/os-release; echo "$ID"')
osver=$(in_root sh -c '. /etc/os-release; echo "$VERSION_ID"')
# expect_owner FILE PKG[:ARCH] WHAT: FILE (in-root path) carries PKG's fields.
expect_owner() {
    local file=$1 pkg=$2 what=$3 fields want got
    fields=$(in_root dpkg-query -W -f '${source:Package}\t${source:Version}\t${Package}\t${Version}\t${Architecture}' "$pkg") ||
        { fail "$what: dpkg-query -W $pkg"; return; }
    want=$(IFS=$'\t' read -r s sv n v a <<<"$fields"; jq -cn --arg os "$osid" --arg ov "$osver" \
        --arg s "$s" --arg sv "$sv" --arg n "$n" --arg v "$v" --arg a "$a" \
        '{type:"deb",os:$os,osVersion:$ov,name:$s,version:$sv,architecture:$a,binaryPackage:$n,binaryVersion:$v}')
    got=$(note_json "$R$file")
    expect_eq "$what: $file carries $pkg's metadata" "$got" "$want"
}
# listed_owner LISTED: the package dpkg -S names for a path as dpkg lists it.
listed_owner() { in_root dpkg-query -S "$1" 2>/dev/null | tail -n 1 | sed 's/: .*//'; }

for listed in /bin/ls /bin/bash /usr/bin/apt-get /usr/bin/perl /lib/x86_64-linux-gnu/libc.so.6 \
              /lib/i386-linux-gnu/libc.so.6 /usr/lib/x86_64-linux-gnu/libapt-pkg.so.6.0.0 \
              /lib/x86_64-linux-gnu/libselinux.so.1; do
    owner=$(listed_owner "$listed")
    file=$(in_root readlink -f "$listed")
    [[ -n $owner ]] || { fail "dpkg-query -S $listed"; continue; }
    what="dpkg -S: $owner"
    [[ $listed != "$file" ]] && what="merged /usr ($listed is $file)"
    [[ $owner == *:i386 ]] && what="Multi-Arch ($owner)"
    expect_owner "$file" "$owner" "$what"
done
expect_eq "dpkg-divert names pkgnote-divert for /usr/bin/sleep" \
    "$(in_root dpkg-divert --listpackage /usr/bin/sleep)" pkgnote-divert
expect_owner /usr/bin/sleep pkgnote-divert "diversion (the diverting package's file)"
expect_eq "the diverting package's note names its source (a binNMU-style package)" \
    "$(note_json "$R/usr/bin/sleep" | jq -r '[.name, .version, .binaryPackage, .binaryVersion] | join(" ")')" \
    "pkgnote-diversions 1.0-1 pkgnote-divert 1.0-1+b1"
lsv=$(in_root dpkg-query -W -f '${source:Package} ${source:Version} ${Package} ${Version}' libselinux1)
expect_eq "a binNMU of Debian 12 ($lsv): the note names the source and its version" \
    "$(note_json "$R/usr/lib/x86_64-linux-gnu/libselinux.so.1" | jq -r '[.name, .version, .binaryPackage, .binaryVersion] | join(" ")')" "$lsv"
expect_owner /usr/bin/sleep.distrib coreutils "diversion (the diverted file)"
expect_eq "dpkg-divert names a local diversion for /usr/bin/dd" \
    "$(in_root dpkg-divert --listpackage /usr/bin/dd)" LOCAL
expect_owner /usr/bin/dd.distrib coreutils "local diversion"
expect_owner /usr/local/bin/tr-hardlink coreutils "hard link (found by its other name)"
expect_eq "the hard link still names the stamped file" \
    "$(stat -c %i "$R/usr/bin/tr")" "$(stat -c %i "$R/usr/local/bin/tr-hardlink")"
expect_eq "file capabilities kept" "$(getcap "$R/usr/bin/dd.distrib" | sed 's/.* //')" "cap_net_raw=ep"
note_json "$R/usr/local/bin/mine" >/dev/null && fail "an unowned file was stamped" ||
    pass "an unowned file carries no note"

# -- the root still works ------------------------------------------------------------
expect_ok "ls runs in the root" in_root ls -l /usr/bin/ls
expect_ok "bash runs in the root" in_root bash -c 'echo "$BASH_VERSION"'
expect_ok "apt-get --version runs in the root" in_root apt-get --version
expect_ok "perl -v runs in the root" in_root perl -v
expect_ok "dpkg -l runs in the root" in_root dpkg -l
if in_root /lib/ld-linux.so.2 --version >/dev/null 2>&1; then
    expect_ok "the i386 loader loads the stamped i386 libc" \
        in_root /lib/ld-linux.so.2 --list /usr/lib/i386-linux-gnu/libc.so.6
elif command -v qemu-i386 >/dev/null; then
    # This kernel runs no i386 program: qemu-user does, the root as its sysroot.
    expect_ok "the i386 loader loads the stamped i386 libc (qemu-i386)" \
        qemu-i386 -L "$R" "$R/lib/ld-linux.so.2" --list "$R/usr/lib/i386-linux-gnu/libc.so.6"
else
    skip "this kernel runs no i386 program and qemu-i386 is not installed"
fi
for f in ls perl libc.so.6; do
    case $f in ls|perl) p=$R/usr/bin/$f ;; *) p=$R/usr/lib/x86_64-linux-gnu/$f ;; esac
    new=$(elflint_new_complaints "$WORK/orig/$f" "$p")
    expect_empty "eu-elflint --gnu-ld: no new complaint on $f" "$new"
done

# -- check and a second run ---------------------------------------------------------
# The one file that has no note is the one no package owns.
out=$("$PKGNOTE" check --from-dpkg "$R")
expect_eq "check --from-dpkg: every note agrees with the database" \
    "$(grep -v '^pkgnote:' <<<"$out")" "$R/usr/local/bin/mine: no package note"
out=$("$PKGNOTE" check --from-packages "$R")
expect_eq "check --from-packages: the same (the dpkg database found by itself)" \
    "$(grep -v '^pkgnote:' <<<"$out")" "$R/usr/local/bin/mine: no package note"
"$PKGNOTE" stamp --name someone-else --version 9 --arch amd64 --type deb -q "$R/usr/bin/cat"
out=$("$PKGNOTE" check --from-dpkg "$R"); rc=$?
grep -q "^$R/usr/bin/cat: package note (someone-else 9 amd64) disagrees with the dpkg database (coreutils " <<<"$out" &&
    [[ $rc == 1 ]] && pass "check --from-dpkg reports a note that disagrees (exit 1)" ||
    fail "check --from-dpkg on a wrong note: rc $rc: $(grep cat <<<"$out")"
# Notes written the older way (the binary package and its version, as
# pkgnote wrote them before, and as a link-time note may) are accepted.
"$PKGNOTE" stamp --name libselinux1 --version "$(in_root dpkg-query -W -f '${Version}' libselinux1)" \
    --arch amd64 --type deb -q "$R/usr/lib/x86_64-linux-gnu/libselinux.so.1"
out=$("$PKGNOTE" check --from-dpkg "$R" "$R/usr/lib/x86_64-linux-gnu/libselinux.so.1"); rc=$?
expect_eq "check --from-dpkg accepts a note naming the binary package (exit $rc)" "$rc" 0 ||
    sed 's/^/      | /' <<<"$out"
out=$("$PKGNOTE" stamp --from-dpkg "$R" -q)
[[ $(tail -n 1 <<<"$out") =~ ^pkgnote:\ 0\ stamped, ]] && pass "a second run keeps every note" ||
    fail "second run: $(tail -n 1 <<<"$out")"
note_json "$R/usr/bin/cat" | grep -q someone-else && pass "without --replace-notes a note is kept" ||
    fail "a note was replaced without --replace-notes"
out=$("$PKGNOTE" check --from-packages "$R" "$R/usr/bin/cat"); rc=$?
grep -q "^$R/usr/bin/cat: package note (someone-else 9 amd64) disagrees with the dpkg database (coreutils " <<<"$out" &&
    [[ $rc == 1 ]] && pass "check --from-packages reports it too" || fail "check --from-packages: rc $rc: $out"
"$PKGNOTE" stamp --from-dpkg "$R" --replace-notes -q "$R/usr/bin/cat" >/dev/null
expect_owner /usr/bin/cat coreutils "--replace-notes"
verify=$(in_root dpkg --verify coreutils 2>&1)
grep -Eq '^\?\?5\?\?\?\?\?\? +/bin/ls$' <<<"$verify" &&
    pass "dpkg --verify reports ls's checksum changed (as doc/retrofit.md says)" ||
    fail "dpkg --verify coreutils: $verify"

# -- a crash inside the root, read with the root gone --------------------------------
if why=$(tl_cores_unavailable); then
    skip "core: $why"
elif ! command -v systemd-analyze >/dev/null; then
    skip "systemd-analyze is not installed"
else
    mkdir -p "$R/crash"
    chroot "$R" sh -c 'cd /crash && ulimit -c unlimited && exec /usr/bin/sleep.distrib 60' &
    pid=$!
    tl_wait_exec $pid sleep.distrib
    kill -SEGV $pid
    wait $pid
    core=$(tl_core_in "$R/crash")
    if [[ ! -s $core ]]; then
        skip "no core file was written ($(ulimit -Hc) hard limit)"
    else
        mv "$core" "$WORK/core"
        rm -rf "$R"
        shown=$("$PKGNOTE" show --json "$WORK/core" 2>/dev/null)
        for want in 'sleep.distrib coreutils' 'libc.so.6 glibc'; do
            set -- $want
            got=$(jq -r --arg m "$1" '.modules[] | select((.file // .name) | endswith($m)) | .metadata.name' <<<"$shown" 2>/dev/null | head -n 1)
            expect_eq "pkgnote show core: $1 is $2's (root removed)" "$got" "$2"
        done
        # systemd-analyze reads a module from the host's file of the same
        # path when its build-id matches, and the host's libc is the root's
        # before stamping: it runs in a mount namespace where that path is
        # empty, loaded with copies of its libraries from elsewhere.
        sa=$WORK/sa-libs
        mkdir -p "$sa"
        for lib in $(ldd "$(command -v systemd-analyze)" /usr/lib/x86_64-linux-gnu/libdw.so.1 |
                     awk '/=>/ {print $3} /^\t\/.*ld-linux/ {print $1}' | sort -u); do
            cp -L "$lib" "$sa/"
        done
        inspect=$(unshare -m sh -c 'mount --bind /dev/null "$1" && shift && exec "$@"' sh \
            "$(readlink -f /lib/x86_64-linux-gnu/libc.so.6)" "$sa/ld-linux-x86-64.so.2" --library-path "$sa" \
            "$(command -v systemd-analyze)" inspect-elf --json=short "$WORK/core" 2>/dev/null)
        for want in 'sleep.distrib coreutils' 'libc.so.6 glibc'; do
            set -- $want
            got=$(jq -r --arg m "$1" 'to_entries[] | select(.key | endswith($m)) | .value.name' <<<"$inspect" 2>/dev/null | head -n 1)
            expect_eq "systemd-analyze inspect-elf core: $1 is $2's" "$got" "$2"
        done
    fi
fi
tl_finish
