#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# localize-static.sh OUT.a IN.a OBJCOPY AR CC...: make the installed static
# library OUT.a from the internal one IN.a: all its objects partially
# linked into one (CC -r), every hidden symbol of that object made local
# (objcopy --localize-hidden), so that only the public functions (default
# visibility, PKGNOTE_API) stay global.
set -eu
out=$1 in=$2 objcopy=$3 ar=$4
shift 4
obj=$out.o
rm -f "$out" "$obj"
"$@" -r -nostdlib -o "$obj" -Wl,--whole-archive "$in" -Wl,--no-whole-archive
"$objcopy" --localize-hidden "$obj"
"$ar" rcs "$out" "$obj"
rm -f "$obj"
