#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# valgrind memcheck over a sample of what pkgnote does: every command, every
# placement strategy (room in page 1, sections moved out, notes relocated
# within page 1, a new first page, a file without section headers, a real
# library), batch mode with its
# worker processes, and the error paths (bad JSON, not ELF, truncated ELF,
# an object file).  Each run must end with the exit status pkgnote documents
# for it, no memory error and no leak (definite, indirect or possible), in
# the parent and in every forked worker.
set -uo pipefail
: "${SOURCE_ROOT:?}"
. "$SOURCE_ROOT/tests/lib/testlib.sh"

tl_need_pkgnote
command -v valgrind >/dev/null || { echo "SKIP: valgrind is not installed (apt-get install valgrind)"; exit 77; }
if tl_sanitized; then
    echo "SKIP: a sanitizer build: memcheck cannot run it (the plain build is checked)"; exit 77
fi
tl_setup
tl_write_json

VG=(valgrind -q --tool=memcheck --leak-check=full
    --show-leak-kinds=definite,indirect,possible
    --errors-for-leak-kinds=definite,indirect,possible
    --error-exitcode=99 --trace-children=yes --track-fds=no)
RUNS=0

# vg WANT_EXIT LABEL ARGS...: pkgnote ARGS under memcheck, in $WORK/run.
vg() {
    local want=$1 label=$2 rc
    shift 2
    RUNS=$((RUNS + 1))
    timeout 600 "${VG[@]}" --log-file="$WORK/vg.$RUNS.%p" "$PKGNOTE" "$@" \
        >"$WORK/out" 2>"$WORK/err" </dev/null
    rc=$?
    local report
    report=$(cat "$WORK"/vg."$RUNS".* 2>/dev/null)
    if ((rc == 99)) || [[ -n $report ]]; then
        fail "$label: memcheck reports errors or leaks (exit $rc)"
        sed 's/^/      | /' <<<"$report" | head -60
        return 1
    fi
    expect_eq "$label: exit $want, no memcheck report" "$rc" "$want" ||
        sed 's/^/      | /' "$WORK/err" | head -5
}

fx_helpers "$WORK/helpers"
fx_build bfd pie "$WORK/pie" || { echo "FAIL: fixture: $FX_ERR"; exit 1; }
pie=$FX_FILE
fx_build bfd bigsyms-lib "$WORK/big" || { echo "FAIL: fixture: $FX_ERR"; exit 1; }
biglib=$FX_FILE
# A static program: its block of notes moves within page 1 for the note to
# join it; with -z noseparate-code, code follows the notes at once and it
# gets a new first page.
fx_build bfd static "$WORK/static" || { echo "FAIL: fixture: $FX_ERR"; exit 1; }
static=$FX_FILE
mkdir -p "$WORK/static-nosep"
static_ns=$WORK/static-nosep/hello
gcc -O2 -static -fuse-ld=bfd -Wl,-z,noseparate-code -o "$static_ns" "$FIXTURES/hello.c" ||
    { echo "FAIL: fixture: gcc -static -z noseparate-code failed"; exit 1; }
fx_build bfd shared "$WORK/shared" || { echo "FAIL: fixture: $FX_ERR"; exit 1; }
shlib=$FX_FILE
main=$WORK/json/main.json long=$WORK/json/long.json
for f in "$pie" "$static" "$static_ns" "$shlib"; do cp -p "$f" "$f.orig"; done

# What each stamp chose is checked elsewhere; here it only has to be the
# strategy the sample is meant to cover, or the sample proves less.
vg 0 "stamp, room in page 1" stamp --json "$main" "$pie"
vg 0 "stamp again, longer JSON" stamp --json "$long" "$pie"
vg 0 "stamp again, same JSON (unchanged)" stamp --json "$long" "$pie"
# page1_sections FILE: the sections readelf shows starting in page 1;
# first_load FILE: the first PT_LOAD's address (decimal).
page1_sections() {
    local name type addr off rest
    while read -r name type addr off rest; do
        [[ $name == .* && $name != .note.package && $off =~ ^[0-9a-f]+$ ]] || continue
        ((0x$off < 4096)) && echo "$name"
    done < <(LC_ALL=C readelf -SW "$1" | sed -n 's/^ *\[ *[0-9]*\] //p')
}
first_load() { printf '%d' "$(LC_ALL=C readelf -lW "$1" | awk '$1 == "LOAD" { print $3; exit }')"; }
before=$(page1_sections "$biglib")
vg 0 "stamp, sections moved out of page 1" stamp --json "$main" "$biglib"
moved=$(comm -23 <(sort <<<"$before") <(page1_sections "$biglib" | sort))
expect_ok "readelf: sections of the big library left page 1 ($(echo $moved))" test -n "$moved"
# buildid_at FILE: the offset of .note.gnu.build-id (decimal).
buildid_at() {
    local name type addr off rest
    while read -r name type addr off rest; do
        [[ $name == .note.gnu.build-id ]] && printf '%d' "0x$off"
    done < <(LC_ALL=C readelf -SW "$1" | sed -n 's/^ *\[ *[0-9]*\] //p')
}
before=$(buildid_at "$static")
vg 0 "stamp, notes relocated in page 1 (static)" stamp --json "$main" "$static"
after=$(buildid_at "$static")
expect_ok "readelf: the static program's build-id note moved ($before to $after), still in page 1" \
    test "$after" != "$before" -a "$after" -lt 4096
expect_eq "the stamped static program runs as before" "$(fx_run static "$static" "")" \
    "$(fx_run static "$static.orig" "")"
before=$(first_load "$static_ns")
vg 0 "stamp, a new first page (static, noseparate-code)" stamp --json "$main" "$static_ns"
expect_ok "readelf: the noseparate-code static program's first PT_LOAD now starts lower" \
    test "$(first_load "$static_ns")" -lt "$before"
expect_eq "the stamped noseparate-code static program runs as before" \
    "$(fx_run static "$static_ns" "")" "$(fx_run static "$static_ns.orig" "")"
vg 0 "stamp -o, metadata from fields" stamp --type rpm --name vg --version 1-1 --arch x86_64 \
    -o "$WORK/shared/out.so" "$shlib"
expect_eq "-o: the copy carries the fields" "$(note_json "$WORK/shared/out.so")" \
    '{"type":"rpm","name":"vg","version":"1-1","architecture":"x86_64"}'

OBJCOPY=$(command -v llvm-objcopy || ls /usr/bin/llvm-objcopy-* 2>/dev/null | head -n1)
if [[ -n $OBJCOPY ]]; then
    fx_build bfd pie "$WORK/bare" || { echo "FAIL: fixture: $FX_ERR"; exit 1; }
    "$OBJCOPY" --strip-sections "$FX_FILE" "$WORK/bare/hello.bare"
    vg 0 "stamp, no section headers" stamp --json "$main" "$WORK/bare/hello.bare"
else
    skip "no llvm-objcopy: the file without section headers is not in the sample"
fi
libc=$(ldd "$pie" | awk '$1 ~ /^libc\.so/ { print $3 }')
if [[ -f $libc ]]; then
    cp "$libc" "$WORK/libc.so.6"
    vg 0 "stamp, a copy of $libc" stamp --json "$main" "$WORK/libc.so.6"
fi

vg 0 "show" show "$pie"
vg 0 "show --json" show --json "$biglib" "$static"
vg 1 "show, a file without a note" show "$WORK/helpers/dlopen-probe"
vg 0 "check -v" check -v "$pie" "$biglib"
vg 1 "check --require, a key missing" check --require osCpe "$biglib"

mkdir -p "$WORK/tree/sub"
cp "$pie.orig" "$WORK/tree/a"
cp "$shlib.orig" "$WORK/tree/sub/lib.so"
ln "$WORK/tree/sub/lib.so" "$WORK/tree/lib-link.so"
cp "$SOURCE_ROOT/fixtures/hello.c" "$WORK/tree/not-elf.c"
vg 0 "stamp -r -j 2 (forked workers)" stamp -r -j 2 --json "$main" "$WORK/tree"
expect_ok "batch: two files stamped (one with two names), the source skipped" \
    grep -qx "pkgnote: 2 stamped, 0 unchanged, 1 skipped, 0 failed" "$WORK/out"
expect_eq "batch: the hard link still names the stamped file" \
    "$(stat -c %i "$WORK/tree/lib-link.so")" "$(stat -c %i "$WORK/tree/sub/lib.so")"

printf '{"type":"deb","type":"rpm"}' >"$WORK/dup.json"
vg 3 "bad JSON (duplicate key)" stamp --json "$WORK/dup.json" "$pie"
vg 4 "not an ELF file" stamp --json "$main" "$WORK/tree/not-elf.c"
head -c 100 "$pie" >"$WORK/trunc"
vg 4 "truncated ELF" stamp --json "$main" "$WORK/trunc"
gcc -c -o "$WORK/obj.o" "$SOURCE_ROOT/fixtures/hello.c"
vg 4 "relocatable object" stamp --json "$main" "$WORK/obj.o"
vg 2 "usage error" stamp --no-such-option "$pie"

echo "memcheck runs: $RUNS"
tl_finish
