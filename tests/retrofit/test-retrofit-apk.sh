#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Retrofit Alpine-style roots (musl programs, apk's database):
#   - the fixture programs built with musl-gcc (a shared library, a program
#     linked with it, a plain program) and musl's own loader, laid out as
#     four apk packages would install them; the root's database is
#     fixtures/apk/installed, which apk-tools itself wrote when it
#     installed packages of these files (fixtures/apk/README);
#   - pkgnote stamp --from-packages R (apk found by itself): readelf -n
#     shows each file's note {"type":"apk","os":"alpine",...} with the
#     origin as name, V: as version, A: as architecture and the package
#     (P:, V:) as binaryPackage/binaryVersion; the programs run in a chroot
#     of the root, with the stamped loader, library and programs;
#   - check --from-apk: the notes agree; a second run keeps them;
#   - a database written here in apk's documented format for packages with
#     bad lines: a stanza cut off by the end of the file, an F: with .., an
#     R: with no F: before it: one warning line each, and those files get
#     no note (nothing guessed), while the good ones do.
#
# Exit: 0 all passed, 1 a check failed, 77 skipped (reason printed).
set -uo pipefail
: "${SOURCE_ROOT:?}"
. "$SOURCE_ROOT/tests/lib/testlib.sh"

tl_need_pkgnote
for tool in musl-gcc readelf chroot jq; do
    command -v $tool >/dev/null || { echo "SKIP: $tool is not installed"; exit 77; }
done
((EUID == 0)) || { echo "SKIP: chroot needs root"; exit 77; }
tl_setup
F=$SOURCE_ROOT/fixtures

# -- the root ------------------------------------------------------------------
R=$WORK/root
mkdir -p "$R/lib/apk/db" "$R/usr/bin" "$R/usr/lib" "$R/etc" "$R/tmp"
printf 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.20.3\n' >"$R/etc/os-release"
musl-gcc -O2 -fPIC -shared -Wl,-soname,libgreet.so.1 -o "$R/usr/lib/libgreet.so.1" "$F/libgreet.c" &&
    musl-gcc -O2 -I"$F" -o "$R/usr/bin/greet" "$F/greet-main.c" -L"$R/usr/lib" -l:libgreet.so.1 &&
    musl-gcc -O2 -o "$R/usr/bin/hello" "$F/hello.c" || { fail "building the musl fixtures"; tl_finish; }
# musl's loader is its libc: the programs' interpreter, as this machine has it.
interp=$(readelf -l "$R/usr/bin/greet" | sed -n 's/.*Requesting program interpreter: \(.*\)]$/\1/p')
[[ $interp == /lib/ld-musl-x86_64.so.1 && -f $(readlink -f "$interp") ]] ||
    { echo "SKIP: musl's loader ($interp) is not installed"; exit 77; }
cp "$(readlink -f "$interp")" "$R/lib/ld-musl-x86_64.so.1"
ln -s ld-musl-x86_64.so.1 "$R/lib/libc.musl-x86_64.so.1"
cp "$F/apk/installed" "$R/lib/apk/db/installed"
cp "$R/usr/bin/hello" "$R/usr/bin/mine"          # owned by no package
want_greet=$(chroot "$R" /usr/bin/greet 2>&1)
[[ $want_greet == "Hello, world!"* ]] && pass "the musl programs run in the root before stamping" ||
    { fail "greet in the root: $want_greet"; tl_finish; }

# -- retrofit ------------------------------------------------------------------
out=$("$PKGNOTE" stamp --from-packages "$R" -v 2>"$WORK/err"); rc=$?
expect_eq "stamp --from-packages exits 0" "$rc" 0 || sed 's/^/      | /' "$WORK/err"
expect_empty "no warning on apk's own database" "$(cat "$WORK/err")"
[[ $(tail -n 1 <<<"$out") =~ ^pkgnote:\ 4\ stamped\ \(apk\ 4\),\ 0\ unchanged,\ [0-9]+\ skipped\ \(1\ owned\ by\ no\ package\),\ 0\ failed$ ]] &&
    pass "summary: 4 stamped, by apk; 1 owned by no package" || fail "summary: $(tail -n 1 <<<"$out")"
# expect_apk FILE ORIGIN PACKAGE VERSION: readelf's note of FILE.
expect_apk() {
    local want got
    want=$(jq -cn --arg o "$2" --arg p "$3" --arg v "$4" '{type:"apk",os:"alpine",
        osVersion:"3.20.3",name:$o,version:$v,architecture:"x86_64",binaryPackage:$p,binaryVersion:$v}')
    got=$(readelf -n "$R$1" | sed -n 's/^ *Packaging Metadata: //p')
    expect_eq "readelf -n $1: origin $2, package $3 $4" "$got" "$want"
}
expect_apk /usr/lib/libgreet.so.1 greet libgreet 1.2-r3
expect_apk /usr/bin/greet greet greet 1.2-r3
expect_apk /usr/bin/hello pkgnote-demo hello 0.5-r1
expect_apk /lib/ld-musl-x86_64.so.1 musl musl 1.2.3-r0
note_json "$R/usr/bin/mine" >/dev/null && fail "an unowned file was stamped" ||
    pass "an unowned file carries no note"
grep -q "^$R/usr/bin/hello: origin apk: " <<<"$out" && pass "-v names the origin (apk)" ||
    fail "-v: no origin line for hello"
expect_eq "the stamped program runs with the stamped library and loader (chroot)" \
    "$(chroot "$R" /usr/bin/greet 2>&1)" "$want_greet"
expect_eq "the stamped plain program runs (chroot)" "$(chroot "$R" /usr/bin/hello 2>&1)" \
    "hello from the pkgnote fixture"
out=$("$PKGNOTE" check -r --from-apk "$R" "$R/usr" "$R/lib")
expect_eq "check --from-apk: every note agrees (only the unowned file has none)" \
    "$(grep -v '^pkgnote:' <<<"$out")" "$R/usr/bin/mine: no package note"
out=$("$PKGNOTE" stamp --from-apk "$R" -q)
[[ $(tail -n 1 <<<"$out") =~ ^pkgnote:\ 0\ stamped, ]] && pass "a second run keeps every note" ||
    fail "second run: $(tail -n 1 <<<"$out")"

# -- bad lines, in a database written here ----------------------------------------
B=$WORK/bad
mkdir -p "$B/lib/apk/db" "$B/usr/bin" "$B/etc"
printf 'ID=alpine\nVERSION_ID=3.20.3\n' >"$B/etc/os-release"
for f in good early escaped cut; do cp "$R/usr/bin/mine" "$B/usr/bin/$f"; done
mkdir -p "$B/usr/bin/sub"
cp "$R/usr/bin/mine" "$B/usr/bin/sub/escaped"
# early: R: before any F:; escaped: under F:usr/bin/sub/../.. (.., refused);
# cut: the last stanza, which the file does not end after.
printf '%s\n' 'P:good' 'V:1.0-r0' 'A:x86_64' 'o:goodsrc' 'R:early' 'F:usr/bin/sub/..' 'R:escaped' \
    'F:usr/bin' 'R:good' 'Z:Q1AAAAAAAAAAAAAAAAAAAAAAAAAAA=' '' \
    'P:cut' 'V:2.0-r0' 'A:x86_64' 'F:usr/bin' 'R:cut' >"$B/lib/apk/db/installed"
out=$("$PKGNOTE" stamp --from-packages "$B" 2>"$WORK/err"); rc=$?
expect_eq "bad lines: exit 0 (the good package is stamped)" "$rc" 0
for needle in "line 5: package good: R:early has no F: line before it; ignored" \
              "line 6: package good: F:usr/bin/sub/.. is not a relative, normalised path; its files are ignored" \
              "ends inside the stanza of line 12 (truncated file?); package cut is not stamped"; do
    n=$(grep -c -F -- "$needle" "$WORK/err")
    expect_eq "one warning line: ...${needle:0:60}..." "$n" 1
done
expect_eq "bad lines: three warnings in all" "$(grep -c . "$WORK/err")" 3
expect_eq "the good file of the package gets its note" "$(note_json "$B/usr/bin/good" | jq -r .name)" goodsrc
for f in early escaped sub/escaped cut; do
    note_json "$B/usr/bin/$f" >/dev/null && fail "$f was stamped (guessed)" ||
        pass "$f carries no note (nothing guessed)"
done
tl_finish
