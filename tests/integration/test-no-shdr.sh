#!/bin/bash
# Files without section headers (as sstrip leaves them), made with
# llvm-objcopy --strip-sections from fixtures of every installed linker:
# pkgnote stamps them through program headers and the dynamic table alone.
# Checked with readelf only (eu-elflint wants section headers): no section
# header appears, the page-1 rule, the PT_NOTE walk finds exactly the JSON,
# the program still runs / the library still loads, and stamping again with
# the same JSON changes nothing.
set -uo pipefail
: "${SOURCE_ROOT:?}"
. "$SOURCE_ROOT/tests/lib/testlib.sh"

tl_need_pkgnote
OBJCOPY=$(command -v llvm-objcopy-16 || command -v llvm-objcopy || true)
[[ -n $OBJCOPY ]] || { echo "SKIP: llvm-objcopy (package llvm-16) is not installed"; exit 77; }
tl_setup
tl_write_json
fx_helpers "$WORK/helpers"
J=$WORK/json
want=$JSON_MAIN

for linker in "${FX_LINKERS_ALL[@]}"; do
    if ! why=$(fx_have_linker "$linker"); then
        skip "$linker: $why"
        continue
    fi
    for kind in pie nopie shared static static-pie bigsyms-lib; do
        dir=$WORK/$linker-$kind
        fx_build "$linker" "$kind" "$dir/orig"
        case $? in
            0) ;;
            77) skip "$linker $kind: $FX_SKIP"; continue ;;
            *) fail "$linker $kind: build: $FX_ERR"; continue ;;
        esac
        label="$linker $kind (no section headers)"
        mkdir -p "$dir/bare"
        bare=$dir/bare/$(basename "$FX_FILE")
        if ! out=$("$OBJCOPY" --strip-sections "$FX_FILE" "$bare" 2>&1); then
            skip "$label: llvm-objcopy cannot strip it: $out"
            continue
        fi
        if [[ $(LC_ALL=C readelf -hW "$bare" | awk '/Number of section headers:/ { print $5 }') != 0 ]]; then
            fail "$label: llvm-objcopy left section headers"
            continue
        fi
        runner=$FX_RUNNER
        # A library's runner loads it from its own directory.
        if fx_is_lib "$kind"; then
            cp -p "$runner" "$dir/bare-runner"
            runner=$dir/bare-runner
        fi
        want_run=$(fx_run "$kind" "$bare" "$runner")
        stamped=$dir/stamped/$(basename "$FX_FILE")
        mkdir -p "$dir/stamped"
        cp -p "$bare" "$stamped"
        if ! tl_stamp "$J/main.json" "$stamped"; then
            fail "$label: pkgnote stamp exited non-zero"
            continue
        fi
        pass "$label: stamped"
        expect_eq "$label: still no section headers" \
            "$(LC_ALL=C readelf -hW "$stamped" | awk '/Number of section headers:/ { print $5 }')" 0
        expect_ok "$label: check_page1" check_page1 "$stamped"
        expect_eq "$label: the PT_NOTE walk finds exactly the compact JSON" "$(segment_note_json "$stamped")" "$want"
        expect_eq "$label: runs and prints what the unstamped one prints" "$(fx_run "$kind" "$stamped" "$runner")" "$want_run"
        cp -p "$stamped" "$dir/again"
        tl_stamp "$J/main.json" "$dir/again" >/dev/null
        expect_ok "$label: stamping again with the same JSON changes no byte" cmp -s "$stamped" "$dir/again"
    done
done
tl_finish
