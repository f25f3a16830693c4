#!/bin/bash
# test-prebuilt.sh: the committed foreign fixtures of fixtures/cross/ (see its
# README.md: hello, libgreet.so, greet-main for s390x, powerpc, armhf,
# aarch64), checked without any cross compiler:
#  - pkgnote stamps a copy; check_page1 (4096); readelf -n and the PT_NOTE
#    walk show exactly the compact JSON, one note, n_descsz strlen+1;
#  - the note's exact bytes, in the file's byte order, are in page 1 and in
#    section .note.package (objdump -s);
#  - no new eu-elflint --gnu-ld complaints; stamping again changes no byte;
#  - where qemu-user and the libc6-*-cross of the architecture are
#    installed: the stamped hello prints what the unstamped one prints, and
#    greet-main prints the same with only the stamped libgreet.so on its
#    LD_LIBRARY_PATH.
set -uo pipefail
: "${SOURCE_ROOT:?}"
. "$SOURCE_ROOT/tests/lib/testlib.sh"
. "$SOURCE_ROOT/tests/cross/crosslib.sh"

tl_need_pkgnote
PRE=$SOURCE_ROOT/fixtures/cross
tl_setup

for d in "$PRE"/*/; do
    arch=$(basename "$d")
    cx_arch "$arch" || { fail "$arch: fixtures/cross/$arch is not an architecture of tests/cross/crosslib.sh"; continue; }
    echo
    echo "== $arch (ELFCLASS$CX_CLASS, $CX_ENDIAN)"
    want=$(cx_json "$CX_DEBARCH")
    cx_json_in "$CX_DEBARCH" >"$WORK/$arch.json"
    want_hex=$(cx_note_hex "$want")
    can_run=1 why=""
    if ! why=$(cx_have_qemu); then can_run=0
    elif ! compgen -G "$CX_SYSROOT/lib/libc.so*" >/dev/null; then
        can_run=0 why="$CX_SYSROOT has no libc (apt-get install $(cx_gcc_packages | cut -d' ' -f2))"
    fi
    ((can_run)) || skip "$arch: run checks: $why"
    mkdir -p "$WORK/$arch/orig" "$WORK/$arch/s1" "$WORK/$arch/s2"
    cp -p "$d"/* "$WORK/$arch/orig/"
    data=$(LC_ALL=C readelf -hW "$WORK/$arch/orig/hello" | awk -F: '/Data:/ { print $2 }')
    case $CX_ENDIAN:$data in
        be:*big*|le:*little*) ;;
        *) fail "$arch: hello's byte order ($data) is not the table's ($CX_ENDIAN)"; continue ;;
    esac
    for f in hello libgreet.so; do
        label="$arch prebuilt $f"
        orig=$WORK/$arch/orig/$f s1=$WORK/$arch/s1/$f
        cx_stamp_checked "$label" "$orig" "$s1" "$WORK/$arch.json" "$want" || continue
        if off=$(cx_page1_note_offset "$s1" "$want_hex"); then
            pass "$label: the note's bytes ($CX_ENDIAN) are in page 1 at offset $off"
        else
            fail "$label: the exact note bytes ($CX_ENDIAN) are not in the first 4096 bytes at a 4-aligned offset"
        fi
        expect_eq "$label: objdump -s -j .note.package shows exactly the note bytes" "$(note_payload_hex "$s1")" "$want_hex"
        expect_empty "$label: no new eu-elflint --gnu-ld complaints" "$(elflint_new_complaints "$orig" "$s1")"
        cp -p "$s1" "$WORK/$arch/s2/$f"
        if out=$("$PKGNOTE" stamp --json "$WORK/$arch.json" "$WORK/$arch/s2/$f" 2>&1); then
            expect_ok "$label: stamping again with the same JSON changes no byte" cmp "$s1" "$WORK/$arch/s2/$f"
        else
            fail "$label: re-stamping failed: $out"
        fi
        ((can_run)) || continue
        if [[ $f == hello ]]; then
            a=$(cx_qrun "$orig") b=$(cx_qrun "$s1")
        else
            a=$(cx_qrun -l "$WORK/$arch/orig" "$WORK/$arch/orig/greet-main")
            b=$(cx_qrun -l "$WORK/$arch/s1" "$WORK/$arch/orig/greet-main")
        fi
        if [[ $a != *"[exit 0]" ]]; then
            skip "$label: the unstamped fixture does not run under $CX_QEMU: $(head -n1 <<<"$a")"
        else
            expect_eq "$label: under $CX_QEMU, runs as the unstamped one" "$b" "$a"
        fi
    done
done

tl_finish
