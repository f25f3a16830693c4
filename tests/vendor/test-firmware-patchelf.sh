#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# vendor-firmware-patchelf: files whose bytes something other
# than the program's own loader relies on.
#   firmware       arm-none-eabi Cortex-M firmware with the ELF headers in its
#                  first segment (fixtures/vendor/firmware.ld: FILEHDR PHDRS);
#                  the runner is the flash image (`objcopy -O binary`) and
#                  its addresses (`objcopy -O ihex`): both must be unchanged
#   symnote-*      a program that prints a note it reads through a symbol
#                  (fixtures/vendor/note-version.c), GNU ld and lld-16,
#                  stripped or not
#   patchelf-*     PIEs and libraries rewritten by patchelf (--set-rpath,
#                  --add-needed, --replace-needed, --set-interpreter; a
#                  library has no interpreter to set)
set -u -o pipefail
. "$SOURCE_ROOT/tests/vendor/vendorlib.sh"
vl_begin

# Cases that must be stamped, not merely refused: patchelf's rewrites (the
# bytes it vacates are free space).
EXPECT_STAMPED=(patchelf-pie-set-rpath patchelf-pie-add-needed
                patchelf-pie-replace-needed patchelf-pie-set-interpreter
                patchelf-lib-set-rpath patchelf-lib-add-needed
                patchelf-lib-replace-needed)

F=$VENDOR_FIXTURES
B=$WORK/build
mkdir -p "$B"
fx_helpers "$B/helpers" || fail "building dlopen-probe failed"

# -- firmware ---------------------------------------------------------------

# run_flash FILE: what a flasher takes from FILE: the raw image and, with
# addresses, the Intel hex image (checksums; the raw image's size).
run_flash() {
    local t
    t=$(mktemp -d "$WORK/flash.XXXXXX")
    if ! arm-none-eabi-objcopy -O binary "$1" "$t/fw.bin" ||
        ! arm-none-eabi-objcopy -O ihex "$1" "$t/fw.hex"; then
        rm -rf -- "$t"
        return 1
    fi
    echo "binary: $(stat -c %s "$t/fw.bin") bytes, sha256 $(sha256sum <"$t/fw.bin" | cut -d' ' -f1)"
    echo "ihex: sha256 $(sha256sum <"$t/fw.hex" | cut -d' ' -f1)"
    rm -rf -- "$t"
}

if ! command -v arm-none-eabi-gcc >/dev/null; then
    vl_skip_case firmware "arm-none-eabi-gcc not installed (gcc-arm-none-eabi, libnewlib-arm-none-eabi)"
elif mkdir -p "$B/fw" &&
    out=$(arm-none-eabi-gcc -Os -mcpu=cortex-m3 -mthumb -specs=nano.specs -specs=nosys.specs \
        -nostartfiles -T "$F/firmware.ld" -o "$B/fw/firmware.elf" "$F/firmware.c" 2>&1); then
    vl_case firmware "$B/fw/firmware.elf" run_flash
else
    fail "firmware: build failed: $out"
fi

# -- a note read through a symbol -------------------------------------------

for linker in bfd lld; do
    name=symnote-$linker
    if ! reason=$(fx_have_linker "$linker"); then
        vl_skip_case "$name" "$reason"; vl_skip_case "$name-stripped" "$reason"; continue
    fi
    read -r -a cc <<<"$(fx_cc "$linker")"
    mkdir -p "$B/$name" "$B/$name-stripped"
    if ! out=$("${cc[@]}" -O2 -o "$B/$name/prog" "$F/note-version.c" 2>&1) ||
        ! strip -o "$B/$name-stripped/prog" "$B/$name/prog" ||
        [[ $("$B/$name/prog") != "version: acme 4.2.1" ]]; then
        fail "$name: build failed: $out"
        continue
    fi
    vl_case "$name" "$B/$name/prog"
    vl_case "$name-stripped" "$B/$name-stripped/prog"
done

# -- patchelf ------------------------------------------------------------------

# run_greet FILE CALLER: CALLER (greet-main) linked against FILE (libgreet.so),
# then dlopen(FILE).
run_greet() {
    LD_LIBRARY_PATH=. timeout 60 "$2"
    echo "[exit $?]"
    timeout 60 "$FX_HELPERS/dlopen-probe" "$1"
    echo "[dlopen exit $?]"
}

# Every operation makes the dynamic string table or the interpreter longer,
# so patchelf has to rewrite the file, and the result still runs:
# absolute paths name the same libc and loader.
LIBDIR=$(dirname "$(gcc -print-file-name=libc.so.6)")
LIBDIR=$(cd "$LIBDIR" && pwd -P)
declare -A OPS=(
    [set-rpath]="--set-rpath /opt/vendor/lib:\$ORIGIN/../lib"
    [add-needed]="--add-needed libm.so.6"
    [replace-needed]="--replace-needed libc.so.6 $LIBDIR/libc.so.6"
    [set-interpreter]="--set-interpreter $LIBDIR/ld-linux-x86-64.so.2"
)
if ! command -v patchelf >/dev/null; then
    for op in "${!OPS[@]}"; do vl_skip_case "patchelf-pie-$op" "patchelf not installed"; done
else
    info "patchelf $(patchelf --version | awk '{ print $2 }')"
    for kind in pie lib; do
        for op in set-rpath add-needed replace-needed set-interpreter; do
            [[ $kind == lib && $op == set-interpreter ]] && continue
            name=patchelf-$kind-$op
            d=$B/$name
            mkdir -p "$d"
            if [[ $kind == pie ]]; then
                file=$d/hello runner=(run_exe)
                gcc -O2 -fPIE -pie -I"$FIXTURES" -o "$file" "$FIXTURES/hello.c"
            else
                file=$d/libgreet.so runner=(run_greet "$B/$name-caller")
                gcc -O2 -fPIC -shared -Wl,-soname,libgreet.so -I"$FIXTURES" -o "$file" "$FIXTURES/libgreet.c" &&
                    gcc -O2 -I"$FIXTURES" -o "$B/$name-caller" "$FIXTURES/greet-main.c" -L"$d" -lgreet
            fi
            # shellcheck disable=SC2086
            if ! out=$(patchelf ${OPS[$op]} "$file" 2>&1); then
                fail "$name: patchelf ${OPS[$op]} failed: $out"
                continue
            fi
            vl_case "$name" "$file" "${runner[@]}"
        done
    done
fi

vl_finish
