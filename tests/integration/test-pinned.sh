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

# A block that starts in page 1 and reaches far past the bytes pkgnote reads
# first (256 KiB) stays when only a byte near its end is named: a library
# of generated assembler whose .gnu.hash (60,000 symbols, over 400 KiB)
# fills page 1, with one relative relocation, no symbol, pointing into the
# last part of it.  Stamped, the same library without that pointer moves
# .gnu.hash out of page 1 (so the case can fail); with it, .gnu.hash keeps
# its address and bytes, or the file is refused unchanged.
# gnu_hash FILE: address and size of .gnu.hash (hex).
gnu_hash() { LC_ALL=C readelf -SW "$1" | sed 's/^ *\[ *[0-9]*\]//' | awk '$1 == ".gnu.hash" { print $3, $5 }'; }
gnu_hash_bytes() {
    local off size
    read -r off size < <(LC_ALL=C readelf -SW "$1" | sed 's/^ *\[ *[0-9]*\]//' |
        awk '$1 == ".gnu.hash" { print $4, $5 }')
    tail -c +$((0x$off + 1)) "$1" | head -c $((0x$size))
}
farpin_case() {
    local d=$WORK/farpin
    mkdir -p "$d"
    if ! out=$("$FIXTURES/gen-biglib.sh" "$d/plain.so" 60000 0 2>&1); then
        fail "far pin: gen-biglib.sh: $out"
        return
    fi
    local addr size at
    read -r addr size <<<"$(gnu_hash "$d/plain.so")"
    if [[ -z $addr ]] || (( 0x$addr >= 4096 || 0x$addr + 0x$size < 0x48000 )); then
        fail "far pin: .gnu.hash ($addr, $size) does not start in page 1 and reach past 288 KiB"
        return
    fi
    at=$(printf '0x%x' $(( 0x$addr + 0x$size - 0x1000 )))
    "$FIXTURES/gen-biglib.sh" "$d/pinned.so" 60000 0 "$at" >/dev/null 2>&1 ||
        { fail "far pin: gen-biglib.sh with a pointer"; return; }
    expect_eq "far pin: the pointer leaves .gnu.hash where it was" \
        "$(gnu_hash "$d/pinned.so")" "$addr $size"
    expect_ok "far pin: one relative relocation points at $at" \
        bash -c "LC_ALL=C readelf -rW '$d/pinned.so' | grep -q 'R_X86_64_RELATIVE *${at#0x}\$'"
    cp -p "$d/plain.so" "$d/plain.stamped"
    tl_stamp "$WORK/json/main.json" "$d/plain.stamped" || fail "far pin: the plain library was not stamped"
    expect_ok "far pin: unpinned, .gnu.hash leaves page 1" \
        test "$(gnu_hash "$d/plain.stamped")" != "$addr $size"
    cp -p "$d/pinned.so" "$d/pinned.stamped"
    err=$("$PKGNOTE" stamp --json "$WORK/json/main.json" "$d/pinned.stamped" 2>&1 >/dev/null)
    rc=$?
    if ((rc == 5)); then
        expect_ok "far pin: refused file is byte-identical" cmp "$d/pinned.so" "$d/pinned.stamped"
    elif ((rc == 0)); then
        expect_eq "far pin: .gnu.hash keeps its address" "$(gnu_hash "$d/pinned.stamped")" "$addr $size"
        expect_ok "far pin: .gnu.hash keeps its bytes" \
            cmp <(gnu_hash_bytes "$d/pinned.so") <(gnu_hash_bytes "$d/pinned.stamped")
    else
        fail "far pin: pkgnote exited $rc: $err"
    fi
}
if [[ $(uname -m) == x86_64 ]]; then
    farpin_case
else
    skip "far pin: the generated library is x86-64 assembler"
fi

# The point of the fixture: some of its cases must stamp, or nothing
# above shows that the note stays where a stamp would have put the table.
((stamped > 0)) && pass "$stamped cases stamped around the pinned note" ||
    fail "no case was stamped"
tl_finish
