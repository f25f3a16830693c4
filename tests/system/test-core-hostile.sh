#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# System test: pkgnote show on hostile core files (made from a real core by
# make-hostile-cores.py: forged note sizes, forged program headers in the
# dumped pages, 20000 segments, a header alone, a truncated core) answers
# with an error or a partial answer: an exit status pkgnote documents, no
# signal, no hang (each run under `timeout`), and, where valgrind is
# installed, no memory error.
set -uo pipefail
: "${SOURCE_ROOT:?}"
. "$SOURCE_ROOT/tests/lib/testlib.sh"

tl_need_pkgnote
tl_need_core_files
command -v python3 >/dev/null || { echo "SKIP: python3 is not installed"; exit 77; }
[[ $(uname -m) == x86_64 ]] || { echo "SKIP: the generator reads x86-64 cores"; exit 77; }
tl_setup
gcc -O1 -o "$WORK/hello" "$FIXTURES/hello.c" || { fail "build hello"; tl_finish; }
tl_write_json
tl_stamp "$WORK/json/main.json" "$WORK/hello" || fail "stamp hello"
(cd "$WORK" && ulimit -c unlimited && ./hello crash >/dev/null 2>&1)
core=$(ls "$WORK"/core* 2>/dev/null | head -n 1)
[[ -n $core ]] || { echo "SKIP: no core file was written"; exit 77; }
mkdir -p "$WORK/hostile"
python3 "$SOURCE_ROOT/tests/system/make-hostile-cores.py" "$core" "$WORK/hostile" ||
    { fail "make-hostile-cores.py failed"; tl_finish; }
head -c $(( $(stat -c %s "$core") / 2 )) "$core" >"$WORK/hostile/truncated.core"
expect_eq "the genuine core has the program's metadata" \
    "$("$PKGNOTE" show --json "$core" | grep -c '"name":"pkgnote-fixture"')" 1

VG=()
# Not under a sanitizer build: memcheck cannot run one.
if command -v valgrind >/dev/null && ! tl_sanitized; then
    VG=(valgrind -q --error-exitcode=99 --leak-check=full
        --errors-for-leak-kinds=definite,indirect,possible)
fi
for f in "$WORK"/hostile/*.core; do
    name=$(basename "$f")
    for variant in "" --json; do
        timeout 120 "${VG[@]}" "$PKGNOTE" show $variant "$f" >"$WORK/out" 2>"$WORK/err"
        rc=$?
        expect_ok "$name show $variant: a documented exit status, no signal, no hang (exit $rc)" \
            test "$rc" -le 7
        [[ $rc -le 7 ]] || info "$(head -c 400 "$WORK/err")"
    done
done
tl_finish
