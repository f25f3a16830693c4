#!/bin/bash
# A note that code reads at its address never moves: fixtures/acme-note.c
# keeps its version string in .note.acme (owner ACME, in page 1 after the
# toolchain's notes, where the table grows) and prints it through a symbol
# and through a pointer in data.  Linked with GNU ld and lld, as PIE, non-PIE
# and static, with .symtab and stripped.  Each case is either stamped (prints
# what it printed before, .note.acme at the same address with the same
# bytes, page-1 rule, JSON, no new eu-elflint complaints) or refused with
# one line, exit 5, and the file byte-identical.
# And the converse: what names no address (TLS offsets, symbols of sections
# that are not loaded) must not keep page 1's blocks from moving.
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
# What names no address pins nothing: a library whose first page is full
# (gen-bigsyms.sh) with thread-local variables reached through TPOFF
# relocations that carry no symbol (their addends, TLS offsets 0x100 to
# 0x700, read as addresses would land in .gnu.hash) and a global symbol of a
# section that is not loaded, at value 0 (rustc's metadata symbol).  Both
# once pinned the blocks of page 1, and Debian's Rust libraries were refused.
noaddr_case() {
    local d=$WORK/noaddr
    mkdir -p "$d/orig" "$d/stamped"
    "$FIXTURES/gen-bigsyms.sh" 2000 >"$d/big.c" || { fail "no-address: gen-bigsyms.sh"; return; }
    if ! out=$(gcc -O2 -fPIC -shared -Wl,-soname,libnoaddr.so -o "$d/orig/libnoaddr.so" \
        "$d/big.c" "$FIXTURES/no-address.c" 2>&1) ||
        ! out=$(gcc -O2 -o "$d/noaddr-main" "$FIXTURES/no-address-main.c" \
            -L"$d/orig" -lnoaddr 2>&1); then
        fail "no-address: build: $out"
        return
    fi
    local lib=$d/orig/libnoaddr.so
    expect_ok "no-address: the fixture has TPOFF relocations with no symbol" \
        bash -c "LC_ALL=C readelf -rW '$lib' | grep -q 'R_X86_64_TPOFF64 *[0-9a-f]*00\$'"
    expect_ok "no-address: the fixture's metadata symbol lies in a section that is not loaded" \
        bash -c "LC_ALL=C readelf -sW --dyn-syms '$lib' | grep -q ' 0000000000000000  8192 OBJECT .*rust_metadata_pkgnote_fixture'"
    if [[ $(LD_LIBRARY_PATH=$d/orig "$d/noaddr-main") != *"thread-local letters abcdefgh" ]]; then
        fail "no-address: the unstamped library does not work"
        return
    fi
    cp -p "$lib" "$d/stamped/"
    if tl_stamp "$WORK/json/main.json" "$d/stamped/libnoaddr.so"; then
        pass "no-address: stamped"
        verify_stamped "no-address" shared "$lib" "$d/stamped/libnoaddr.so" "$want" "$d/noaddr-main"
    else
        fail "no-address: pkgnote stamp exited non-zero"
    fi
}
if [[ $(uname -m) == x86_64 ]]; then
    noaddr_case
else
    skip "no-address: the fixture's relocation checks are written for x86-64"
fi

# The point of the fixture: some of its cases must stamp, or nothing
# above shows that the note stays where a stamp would have put the table.
((stamped > 0)) && pass "$stamped cases stamped around the pinned note" ||
    fail "no case was stamped"
tl_finish
