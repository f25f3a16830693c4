#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# vendor-payloads: programs that find data appended to their own
# file, each of the three ways vendor runtimes do (fixtures/vendor/payload.c:
# a cookie at the very end, the end of the section header table, an offset
# stored in .data), linked PIE, non-PIE, static, static-pie, and static with
# -z noseparate-code (the layout that gets a new first page).  Each must be
# stamped with its payload still found, or refused untouched.
set -u -o pipefail
. "$SOURCE_ROOT/tests/vendor/vendorlib.sh"
vl_begin

declare -A LINK=(
    [pie]="-fPIE -pie"
    [nopie]="-fno-pie -no-pie"
    [static]="-static"
    [static-pie]="-fPIE -static-pie"
    [static-newpage]="-static -Wl,-z,noseparate-code"
)
for mode in tail shdr data; do
    for kind in pie nopie static static-pie static-newpage; do
        name=payload-$mode-$kind
        d=$WORK/build/$name
        mkdir -p "$d"
        # shellcheck disable=SC2086
        if ! out=$(gcc -O2 -DFIND_${mode^^} ${LINK[$kind]} -o "$d/prog" \
                "$VENDOR_FIXTURES/payload.c" 2>&1) ||
            ! out=$(vl_append_payload "$mode" "$d/prog" 2>&1); then
            fail "$name: building the fixture failed: $out"
            continue
        fi
        # The fixture must find its payload before anything is stamped.
        if [[ $("$d/prog") != "$VL_PAYLOAD_TEXT" ]]; then
            fail "$name: the unstamped fixture does not find its payload"
            continue
        fi
        vl_case "$name" "$d/prog"
    done
done
# static-newpage is there for the plan that maps a new first page: without a
# payload, that is the plan pkgnote takes for it.
d=$WORK/build/newpage-check
mkdir -p "$d"
# shellcheck disable=SC2086
if gcc -O2 -DFIND_TAIL ${LINK[static-newpage]} -o "$d/prog" "$VENDOR_FIXTURES/payload.c" 2>/dev/null; then
    out=$("$PKGNOTE" stamp -v --json "$WORK/vendor.json" -o "$d/stamped" "$d/prog" 2>&1)
    if [[ $out == *"new first page"* ]]; then
        pass "static -z noseparate-code gets a new first page ($out)"
    else
        fail "static -z noseparate-code no longer gets a new first page: $out"
    fi
fi
vl_finish
