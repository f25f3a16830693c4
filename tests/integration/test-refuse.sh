#!/bin/bash
# Files pkgnote must not stamp are refused with one line and left
# byte-identical, alone and in a stamp -r walk (skipped there):
#  - UPX-packed programs (PIE, non-PIE, static; fixtures/hello.c): the
#    message names UPX, and `upx -t` still passes;
#  - bare-metal firmware (arm-none-eabi-gcc): the headers in the first
#    segment (fixtures/firmware.ld) and newlib's default layout; the
#    `objcopy -O binary` flash image is unchanged.
# And the rule's edge: a program written in assembler is refused until it is
# linked with -z noexecstack (PT_GNU_STACK), while a static C program is
# stamped.
set -uo pipefail
: "${SOURCE_ROOT:?}"
. "$SOURCE_ROOT/tests/lib/testlib.sh"

tl_begin
J=$WORK/json/main.json

# refused LABEL FILE PATTERN: stamping FILE in place fails with exit 4 and
# one line matching PATTERN; FILE keeps its bytes.
refused() {
    local label=$1 file=$2 pattern=$3 err rc
    cp -p "$file" "$file.orig"
    err=$("$PKGNOTE" stamp --json "$J" "$file" 2>&1 >/dev/null)
    rc=$?
    expect_eq "$label: refused with exit 4" "$rc" 4
    expect_eq "$label: one line on stderr" "$(wc -l <<<"$err")" 1
    if [[ $err == *$pattern* ]]; then pass "$label: the message says why"
    else fail "$label: the message does not say '$pattern': $err"; fi
    expect_ok "$label: byte-identical" cmp "$file.orig" "$file"
    rm -f "$file.orig"
}

# -- UPX ------------------------------------------------------------------
UPX=$(command -v upx-ucl || command -v upx || true)
if [[ -z $UPX ]]; then
    skip "UPX: upx-ucl (bookworm-backports) is not installed"
else
    for kind in pie nopie static; do
        read -r -a flags <<<"$(fx_prog_flags "$kind")"
        d=$WORK/upx-$kind
        mkdir -p "$d"
        if ! out=$(gcc -O2 "${flags[@]}" -o "$d/hello" "$FIXTURES/hello.c" 2>&1) ||
           ! out=$("$UPX" -q "$d/hello" 2>&1); then
            fail "UPX $kind: build or pack: $out"
            continue
        fi
        refused "UPX $kind" "$d/hello" "packed by UPX"
        expect_ok "UPX $kind: upx -t still passes" "$UPX" -q -t "$d/hello"
    done
fi

# -- firmware -------------------------------------------------------------
if ! command -v arm-none-eabi-gcc >/dev/null; then
    skip "firmware: gcc-arm-none-eabi is not installed"
else
    d=$WORK/firmware
    mkdir -p "$d"
    if out=$(arm-none-eabi-gcc -mcpu=cortex-m0 -mthumb -O2 -nostdlib -T "$FIXTURES/firmware.ld" \
                 -Wl,-z,max-page-size=4 -o "$d/headers.elf" "$FIXTURES/firmware.c" 2>&1); then
        first=$(LC_ALL=C readelf -lW "$d/headers.elf" | awk '$1 == "LOAD" { print $2, $3; exit }')
        expect_eq "firmware: the first PT_LOAD maps the headers at the flash start" \
            "$first" "0x000000 0x08000000"
    else
        fail "firmware: build with FILEHDR PHDRS: $out"
    fi
    printf 'int main(void) { volatile int x = 0; for (;;) x++; }\n' >"$d/loop.c"
    if ! out=$(arm-none-eabi-gcc -mcpu=cortex-m3 -mthumb -O2 --specs=nosys.specs \
                   -o "$d/newlib.elf" "$d/loop.c" 2>&1); then
        fail "firmware: build with newlib: $out"
    fi
    for f in "$d"/*.elf; do
        label="firmware $(basename "$f")"
        arm-none-eabi-objcopy -O binary "$f" "$f.bin.before"
        refused "$label" "$f" "not for an operating system's loader"
        arm-none-eabi-objcopy -O binary "$f" "$f.bin.after"
        expect_ok "$label: the flash image is unchanged" cmp "$f.bin.before" "$f.bin.after"
        rm -f "$f".bin.*
    done
fi

# -- a walk skips them ----------------------------------------------------
tree=$WORK/tree
mkdir -p "$tree"
for f in "$WORK"/upx-*/hello "$WORK"/firmware/*.elf; do
    [[ -f $f ]] && cp -p "$f" "$tree/$(basename "$(dirname "$f")")-$(basename "$f")"
done
if compgen -G "$tree/*" >/dev/null; then
    cp -a "$tree" "$tree.orig"
    out=$("$PKGNOTE" stamp -r -v --no-sync --json "$J" "$tree" 2>&1)
    expect_eq "stamp -r over packed programs and firmware: exit 0" "$?" 0
    expect_ok "stamp -r: every file byte-identical" diff -r "$tree.orig" "$tree"
fi

# -- the edge of the firmware rule ----------------------------------------
d=$WORK/edge
mkdir -p "$d"
printf '.globl _start\n_start:\n\tmov $60, %%eax\n\txor %%edi, %%edi\n\tsyscall\n' >"$d/exit.s"
if as -o "$d/exit.o" "$d/exit.s" && ld -o "$d/bare" "$d/exit.o" 2>/dev/null &&
   ld -z noexecstack -o "$d/stack" "$d/exit.o"; then
    refused "assembler program without PT_GNU_STACK" "$d/bare" "not for an operating system's loader"
    expect_ok "assembler program linked with -z noexecstack: stamped" \
        "$PKGNOTE" stamp -q --json "$J" "$d/stack"
    expect_ok "assembler program linked with -z noexecstack: still runs" "$d/stack"
else
    fail "assembling or linking the assembler program"
fi
gcc -O2 -static -o "$d/static" "$FIXTURES/hello.c"
expect_ok "static C program: stamped" "$PKGNOTE" stamp -q --json "$J" "$d/static"
tl_finish
