#!/bin/bash
# A note that code reads at its address never moves: fixtures/acme-note.c
# keeps its version string in .note.acme (owner ACME, in page 1 after the
# toolchain's notes, where the table grows) and prints it through a symbol
# and through a pointer in data.  Linked with GNU ld and lld, as PIE, non-PIE
# and static, with .symtab and stripped.  Each case is either stamped (prints
# what it printed before, .note.acme at the same address with the same
# bytes, page-1 rule, JSON, no new eu-elflint complaints) or refused with
# one line, exit 5, and the file byte-identical.
set -uo pipefail
: "${SOURCE_ROOT:?}"
. "$SOURCE_ROOT/tests/lib/testlib.sh"

tl_begin
want=$JSON_MAIN

# note_place FILE: address, offset and bytes of .note.acme.
note_place() {
    LC_ALL=C readelf -SW "$1" | awk '$2 == ".note.acme" { print $4 }'
    objdump -s -j .note.acme "$1" | awk '/^ [0-9a-f]+ / { print $2, $3, $4, $5 }'
}

stamped=0
for linker in bfd lld; do
    if ! why=$(fx_have_linker "$linker"); then
        skip "$linker: $why"
        continue
    fi
    read -r -a cc <<<"$(fx_cc "$linker")"
    for kind in pie nopie static; do
        read -r -a flags <<<"$(fx_prog_flags "$kind")"
        dir=$WORK/$linker-$kind
        mkdir -p "$dir"
        if ! out=$("${cc[@]}" -O2 "${flags[@]}" -o "$dir/version-prog" "$FIXTURES/acme-note.c" 2>&1); then
            fail "$linker $kind: build: $out"
            continue
        fi
        strip -o "$dir/version-prog-stripped" "$dir/version-prog"
        for variant in version-prog version-prog-stripped; do
            orig=$dir/$variant
            label="$linker $kind $variant"
            file=$dir/$variant.stamped
            cp -p "$orig" "$file"
            if [[ $(fx_run pie "$orig" "") != *"version: acme 1.2.3"*"pointer: acme 1.2.3"* ]]; then
                fail "$label: the unstamped program does not print its version"
                continue
            fi
            err=$("$PKGNOTE" stamp --json "$WORK/json/main.json" "$file" 2>&1 >/dev/null)
            rc=$?
            if ((rc == 5)); then
                expect_eq "$label: refused with one line" "$(wc -l <<<"$err")" 1
                expect_ok "$label: refused file is byte-identical" cmp "$orig" "$file"
                continue
            fi
            if ((rc != 0)); then
                fail "$label: pkgnote exited $rc: $err"
                continue
            fi
            stamped=$((stamped + 1))
            expect_eq "$label: .note.acme keeps its address and bytes" \
                "$(note_place "$file")" "$(note_place "$orig")"
            verify_stamped "$label" pie "$orig" "$file" "$want" ""
        done
    done
done
# The point of the fixture: some of its cases must stamp, or nothing
# above shows that the note stays where a stamp would have put the table.
((stamped > 0)) && pass "$stamped cases stamped around the pinned note" ||
    fail "no case was stamped"
tl_finish
