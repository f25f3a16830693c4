#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# stamp --from-dpkg / --from-rpm on roots whose database is missing,
# truncated or garbled, or lists paths out of the root: one clear line (or a
# warning and a skip), the right exit status, and nothing stamped with
# metadata the database does not give.  The host's files are never reached.
#
# Exit: 0 all passed, 1 a check failed, 77 skipped (reason printed).
set -uo pipefail
: "${SOURCE_ROOT:?}"
. "$SOURCE_ROOT/tests/lib/testlib.sh"

tl_need_pkgnote
command -v readelf >/dev/null || { echo "SKIP: readelf is not installed"; exit 77; }
tl_setup
host_sum=$(sha256sum </usr/bin/true)

# newroot NAME FILE...: a root with copies of the host's true as /usr/bin/FILE,
# merged /usr, an os-release and an empty dpkg database directory.
newroot() {
    local r=$WORK/$1 f
    shift
    mkdir -p "$r/usr/bin" "$r/usr/lib" "$r/var/lib/dpkg/info"
    ln -s usr/bin "$r/bin"
    printf 'ID=debian\nVERSION_ID=12\n' >"$r/usr/lib/os-release"
    for f in "$@"; do cp /usr/bin/true "$r/usr/bin/$f"; done
    echo "$r"
}
stanza() { printf 'Package: %s\nStatus: install ok installed\nArchitecture: amd64\nVersion: %s\n\n' "$1" "$2"; }
# expect_unstamped DESC FILE...
expect_unstamped() {
    local desc=$1 f bad=
    shift
    for f in "$@"; do note_json "$f" >/dev/null && bad+=" ${f##*/}"; done
    expect_empty "$desc" "$bad"
}
# one_line DESC RC WANT-RC ERR NEEDLE: exit status and one stderr line with NEEDLE.
one_line() {
    if [[ $2 == "$3" && $(grep -c . <<<"$4") == 1 && $4 == *"$5"* ]]; then
        pass "$1 (exit $2): $4"
    else
        fail "$1: exit $2 (want $3), stderr:"
        sed 's/^/      | /' <<<"$4"
    fi
}
deb() { printf '{"type":"deb","os":"debian","osVersion":"12","name":"%s","version":"%s","architecture":"amd64","binaryPackage":"%s","binaryVersion":"%s"}' "$1" "$2" "$1" "$2"; }

# -- no database -----------------------------------------------------------------
R=$(newroot nodb a)
rm -r "$R/var/lib/dpkg"
err=$("$PKGNOTE" stamp --from-dpkg "$R" 2>&1 >/dev/null); rc=$?
one_line "no dpkg database" $rc 6 "$err" "no dpkg database"
expect_unstamped "no dpkg database: nothing stamped" "$R/usr/bin/a"
err=$("$PKGNOTE" stamp --from-rpm "$R" 2>&1 >/dev/null); rc=$?
one_line "no rpm database" $rc 6 "$err" "no rpm database"

# Any root may hold programs that record their own build (Go, Rust): with
# no database and no records, they are still asked (a warning says what is
# missing), and a file none names is skipped and counted.
out=$("$PKGNOTE" stamp --from-packages "$R" 2>"$WORK/err"); rc=$?
one_line "--from-packages on a root without records" $rc 0 "$(cat "$WORK/err")" \
    "no package database and no package records"
summary=$(tail -n 1 <<<"$out")
if [[ $summary == "pkgnote: 0 stamped, "*"(1 owned by no package), 0 failed" ]]; then
    pass "--from-packages on a root without records: the file is skipped and counted"
else
    fail "--from-packages on a root without records: summary: $summary"
fi
expect_unstamped "--from-packages on a root without records: nothing stamped" "$R/usr/bin/a"
err=$("$PKGNOTE" stamp --from-dpkg "$R" --origins /dev/null 2>&1 >/dev/null); rc=$?
one_line "--origins without --from-packages" $rc 2 "$(head -n 1 <<<"$err")" "goes with --from-packages"

# -- truncated status: the cut stanza's files are skipped ---------------------------
R=$(newroot trunc a b)
{ stanza a 1.0-1; printf 'Package: b\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.0'; } >"$R/var/lib/dpkg/status"
echo /bin/a >"$R/var/lib/dpkg/info/a.list"
echo /bin/b >"$R/var/lib/dpkg/info/b.list"
out=$("$PKGNOTE" stamp --from-dpkg "$R" -v 2>"$WORK/err"); rc=$?
expect_eq "truncated status: exit 0" "$rc" 0
grep -q "status: ends inside the stanza of line 6 (truncated file?); package b is not stamped" "$WORK/err" &&
    pass "truncated status: one warning names the cut stanza" || fail "truncated status: $(cat "$WORK/err")"
expect_eq "truncated status: the whole stanza's package is stamped" "$(note_json "$R/usr/bin/a")" "$(deb a 1.0-1)"
expect_unstamped "truncated status: the cut one is not" "$R/usr/bin/b"
grep -q "^$R/usr/bin/b: skipped: owned by no package$" <<<"$out" && pass "truncated status: b listed as skipped" ||
    fail "truncated status: b not listed: $out"

# -- garbled status -------------------------------------------------------------------
R=$(newroot garbled a)
head -c 8192 /dev/urandom >"$R/var/lib/dpkg/status"
echo /bin/a >"$R/var/lib/dpkg/info/a.list"
err=$("$PKGNOTE" stamp --from-dpkg "$R" 2>&1 >/dev/null | grep -v '^pkgnote: warning:'); rc=${PIPESTATUS[0]}
one_line "random bytes as status" "$(set +o pipefail; "$PKGNOTE" stamp --from-dpkg "$R" >/dev/null 2>&1; echo $?)" 6 "$err" "no installed package"
expect_unstamped "random bytes as status: nothing stamped" "$R/usr/bin/a"
R=$(newroot garbled2 a c)
{ stanza a $'1.0\x01'; stanza '../../c' 1; printf 'Package: d\nthis line has no colon\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1\n\n'; } >"$R/var/lib/dpkg/status"
echo /bin/a >"$R/var/lib/dpkg/info/a.list"
echo /bin/c >"$R/var/lib/dpkg/info/c.list"
err=$("$PKGNOTE" stamp --from-dpkg "$R" 2>&1 >/dev/null); rc=$?
expect_eq "garbled stanzas: each left out with a warning, then no package: exit 6" "$rc" 6
expect_eq "garbled stanzas: three warnings" "$(grep -c '^pkgnote: warning: .*its files are not stamped' <<<"$err")" 3
expect_unstamped "garbled stanzas: nothing stamped" "$R/usr/bin/a" "$R/usr/bin/c"

# -- truncated diversions ---------------------------------------------------------------
R=$(newroot div a)
stanza a 1 >"$R/var/lib/dpkg/status"
echo /bin/a >"$R/var/lib/dpkg/info/a.list"
printf '/usr/bin/a\n/usr/bin/a.real\n' >"$R/var/lib/dpkg/diversions"
err=$("$PKGNOTE" stamp --from-dpkg "$R" 2>&1 >/dev/null); rc=$?
one_line "truncated diversions" $rc 6 "$err" "not whole entries of 3"
expect_unstamped "truncated diversions: nothing stamped" "$R/usr/bin/a"

# -- lists naming paths out of the root ------------------------------------------------
R=$(newroot out e)
mkdir -p "$R/opt"
ln -s /usr/bin "$R/opt/abs"                 # absolute: the root's /usr/bin, not the host's
ln -s ../../../../../../../usr/bin "$R/opt/up"
stanza e 1 >"$R/var/lib/dpkg/status"
printf '/../../../usr/bin/true\n/usr/../../etc/passwd\n/opt/abs/true\n/opt/up/e\n' >"$R/var/lib/dpkg/info/e.list"
cp /usr/bin/true "$R/usr/bin/true"
out=$("$PKGNOTE" stamp --from-dpkg "$R" 2>"$WORK/err"); rc=$?
expect_eq "a list naming paths through ..: exit 0" "$rc" 0
grep -q "info/e.list: line 1: not an absolute, normalised path; ignored" "$WORK/err" &&
    pass "paths with .. are ignored with a warning" || fail "no warning for ..: $(cat "$WORK/err")"
expect_eq "an absolute link in the root leads to the root's file" "$(note_json "$R/usr/bin/true")" "$(deb e 1)"
expect_eq "a link climbing with .. stays in the root" "$(note_json "$R/usr/bin/e")" "$(deb e 1)"
expect_eq "the host's /usr/bin/true is untouched" "$(sha256sum </usr/bin/true)" "$host_sum"

# -- PATH out of ROOT -------------------------------------------------------------------
err=$("$PKGNOTE" stamp --from-dpkg "$R" /usr/bin/true 2>&1 >/dev/null); rc=$?
one_line "a PATH not below ROOT" $rc 2 "$(head -n 1 <<<"$err")" "is not ROOT or a path below it"

# A PATH below ROOT by its text that a link leads out of: refused, the
# file out there (a scratch copy, never a system file) untouched.
mkdir -p "$WORK/outside"
cp /usr/bin/true "$WORK/outside/true"
ln -s "$WORK/outside" "$R/opt/out-link"
err=$("$PKGNOTE" stamp --from-dpkg "$R" "$R/opt/out-link/true" 2>&1 >/dev/null); rc=$?
one_line "a PATH a link leads out of ROOT" $rc 2 "$(head -n 1 <<<"$err")" "is not ROOT or a path below it"
expect_unstamped "the file out of ROOT is untouched" "$WORK/outside/true"
err=$("$PKGNOTE" stamp --from-dpkg "$R" --follow-symlinks 2>&1 >/dev/null); rc=$?
one_line "--follow-symlinks with --from-dpkg" $rc 2 "$(head -n 1 <<<"$err")" "not with --from-dpkg"

# -- garbled rpm database ----------------------------------------------------------------
if command -v rpm >/dev/null; then
    R=$(newroot rpmbad a)
    rpm --root "$R" --dbpath /var/lib/rpm --initdb 2>/dev/null
    for f in "$R"/var/lib/rpm/*; do head -c 4096 /dev/urandom >"$f"; done
    err=$("$PKGNOTE" stamp --from-rpm "$R" 2>&1 >/dev/null | grep '^pkgnote:'); rc=$(set +o pipefail; "$PKGNOTE" stamp --from-rpm "$R" >/dev/null 2>&1; echo $?)
    one_line "garbled rpm database" "$rc" 6 "$err" "rpm"
    expect_unstamped "garbled rpm database: nothing stamped" "$R/usr/bin/a"
else
    skip "rpm is not installed"
fi
tl_finish
