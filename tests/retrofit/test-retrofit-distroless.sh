#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Retrofit a distroless root: no var/lib/dpkg/status and no info/, each
# package a control stanza var/lib/dpkg/status.d/NAME and its file list
# status.d/NAME.md5sums ("MD5  relative/path"), as distroless images have:
#   - libc6's files copied from this machine (dpkg -L libc6), its stanza
#     (dpkg-query -s, without Status:) and its real .md5sums;
#   - a test program in a package whose Source: and version differ from
#     its own (pkgnote-hello 1.0-1+b2 of source pkgnote-demo 1.0-1);
#   - a package without .md5sums (its files are unknown), a stanza without
#     Package:;
#   - pkgnote stamp --from-dpkg R, then --from-packages on a copy: readelf
#     -n shows libc's note naming glibc and the source version dpkg-query
#     gives for this machine's libc6, the program's naming pkgnote-demo
#     1.0-1, both with binaryPackage/binaryVersion; the package without
#     .md5sums and the nameless stanza are reported in one line each and
#     nothing of theirs is stamped; the program runs in a chroot of the
#     root with the stamped libc; check --from-dpkg agrees.
#
# Exit: 0 all passed, 1 a check failed, 77 skipped (reason printed).
set -uo pipefail
: "${SOURCE_ROOT:?}"
. "$SOURCE_ROOT/tests/lib/testlib.sh"

tl_need_pkgnote
for tool in dpkg-query readelf chroot jq cc md5sum; do
    command -v $tool >/dev/null || { echo "SKIP: $tool is not installed"; exit 77; }
done
((EUID == 0)) || { echo "SKIP: chroot needs root"; exit 77; }
arch=$(dpkg-query -W -f '${Architecture}' libc6 2>/dev/null) && [[ -n $arch ]] ||
    { echo "SKIP: libc6 is not installed here"; exit 77; }
md5s=$(ls /var/lib/dpkg/info/libc6:"$arch".md5sums /var/lib/dpkg/info/libc6.md5sums 2>/dev/null | head -n 1)
[[ -n $md5s ]] || { echo "SKIP: no md5sums file of libc6"; exit 77; }
tl_setup

# -- the root ------------------------------------------------------------------
R=$WORK/root
S=$R/var/lib/dpkg/status.d
mkdir -p "$S" "$R/usr/bin" "$R/usr/lib" "$R/usr/lib64" "$R/etc"
ln -s usr/bin "$R/bin"
ln -s usr/lib "$R/lib"
ln -s usr/lib64 "$R/lib64"
printf 'ID=debian\nVERSION_ID=12\n' >"$R/usr/lib/os-release"
# libc6's files where this machine has them (its merged /usr is the root's).
while IFS= read -r p; do
    [[ -d $p && ! -L $p ]] && continue
    d=$R$(readlink -f "$(dirname "$p")")
    mkdir -p "$d" && cp -a "$p" "$d/"
done < <(dpkg -L libc6)
dpkg-query -s libc6 | grep -v '^Status:' >"$S/libc6"
cp "$md5s" "$S/libc6.md5sums"
cc -O2 -o "$R/usr/bin/hello" "$SOURCE_ROOT/fixtures/hello.c" || { fail "cc hello"; tl_finish; }
cp "$R/usr/bin/hello" "$R/usr/bin/unlisted"
cp "$R/usr/bin/hello" "$R/usr/bin/nameless"
printf 'Package: pkgnote-hello\nSource: pkgnote-demo (1.0-1)\nVersion: 1.0-1+b2\nArchitecture: %s\nMaintainer: pkgnote tests <tests@example.org>\nDescription: a test program\n' \
    "$arch" >"$S/pkgnote-hello"
(cd "$R" && md5sum usr/bin/hello) >"$S/pkgnote-hello.md5sums"
printf 'Package: pkgnote-unlisted\nVersion: 1\nArchitecture: %s\n' "$arch" >"$S/pkgnote-unlisted"
printf 'Version: 1\nArchitecture: %s\n' "$arch" >"$S/nameless"
(cd "$R" && md5sum usr/bin/nameless) >"$S/nameless.md5sums"
expect_eq "the program runs in the root before stamping" "$(chroot "$R" /usr/bin/hello 2>&1)" \
    "hello from the pkgnote fixture"
cp -a "$R" "$WORK/root2"

# -- retrofit ------------------------------------------------------------------
out=$("$PKGNOTE" stamp --from-dpkg "$R" -q 2>"$WORK/err"); rc=$?
info "$(tail -n 1 <<<"$out")"
expect_eq "stamp --from-dpkg on a distroless root exits 0" "$rc" 0
grep -q "status.d/pkgnote-unlisted.md5sums: missing; the files of pkgnote-unlisted are unknown and not stamped" "$WORK/err" &&
    pass "a package without .md5sums is reported" || fail "no warning for the package without .md5sums"
grep -q "status.d/nameless: line 1: package (unnamed): no valid Package; its files are not stamped" "$WORK/err" &&
    pass "a stanza without Package is reported" || fail "no warning for the nameless stanza"
expect_eq "two warnings in all, one line each" "$(grep -c . "$WORK/err")" 2 || sed 's/^/      | /' "$WORK/err"
for f in unlisted nameless; do
    note_json "$R/usr/bin/$f" >/dev/null && fail "$f was stamped" || pass "$f carries no note (nothing guessed)"
done
# note FILE: readelf's JSON.
note() { readelf -n "$1" | sed -n 's/^ *Packaging Metadata: //p'; }
libc=$R$(readlink -f /lib/x86_64-linux-gnu/libc.so.6 2>/dev/null || echo /usr/lib/x86_64-linux-gnu/libc.so.6)
want=$(dpkg-query -W -f '${source:Package}\t${source:Version}\t${Package}\t${Version}\t${Architecture}' libc6 |
    { IFS=$'\t' read -r s sv n v a; jq -cn --arg s "$s" --arg sv "$sv" --arg n "$n" --arg v "$v" --arg a "$a" \
        '{type:"deb",os:"debian",osVersion:"12",name:$s,version:$sv,architecture:$a,binaryPackage:$n,binaryVersion:$v}'; })
expect_eq "readelf -n libc.so.6: source package and version as dpkg-query names them" "$(note "$libc")" "$want"
want=$(jq -cn --arg a "$arch" '{type:"deb",os:"debian",osVersion:"12",name:"pkgnote-demo",version:"1.0-1",
    architecture:$a,binaryPackage:"pkgnote-hello",binaryVersion:"1.0-1+b2"}')
expect_eq "readelf -n hello: its Source: and version, the package in binaryPackage" \
    "$(note "$R/usr/bin/hello")" "$want"
expect_eq "the stamped program runs with the stamped libc (chroot)" "$(chroot "$R" /usr/bin/hello 2>&1)" \
    "hello from the pkgnote fixture"
out=$("$PKGNOTE" check -r --from-dpkg "$R" "$R/usr/bin" 2>/dev/null)
expect_eq "check --from-dpkg: the notes agree (the unlisted files have none)" \
    "$(grep -v '^pkgnote:' <<<"$out" | sort)" \
    "$(printf '%s: no package note\n' "$R/usr/bin/nameless" "$R/usr/bin/unlisted")"

# --from-packages finds the distroless database by itself: the same bytes.
"$PKGNOTE" stamp --from-packages "$WORK/root2" -q "$WORK/root2/usr/bin/hello" \
    "$WORK/root2${libc#"$R"}" >/dev/null 2>&1
expect_ok "--from-packages gives the same program" cmp "$R/usr/bin/hello" "$WORK/root2/usr/bin/hello"
expect_ok "--from-packages gives the same libc" cmp "$libc" "$WORK/root2${libc#"$R"}"
tl_finish
