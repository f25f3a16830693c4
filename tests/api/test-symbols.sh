#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test-symbols.sh LIBPKGNOTE.SO LIBPKGNOTE.A: what programs linking
# libpkgnote can see, read with nm.
#  - the shared library defines exactly the functions lib/libpkgnote.map
#    lists, each with the version node it is listed under;
#  - the static library that is installed defines no other global symbol
#    (the internal pn_* functions are local to its one object);
#  - include/pkgnote.h declares (PKGNOTE_API) exactly that list.
set -uo pipefail
: "${SOURCE_ROOT:?}"
so=${1:?} ar=${2:?}
. "$SOURCE_ROOT/tests/lib/testlib.sh"
command -v nm >/dev/null || { echo "SKIP: nm (binutils) is not installed"; exit 77; }

# name@@NODE for every symbol of the map, by the node it is listed under.
want=$(awk '/^[A-Z0-9_.]+ *\{/ { node = $1 }
            /^\t[a-z_0-9]+;/ { sub(/;/, "", $1); print $1 "@@" node }' \
       "$SOURCE_ROOT/lib/libpkgnote.map" | sort)
[[ -n $want ]] || { fail "no symbol read from lib/libpkgnote.map"; tl_finish; }

got=$(nm -D --defined-only "$so" | awk '$2 != "A" { print $3 }' | sort)
expect_eq "libpkgnote.so exports exactly the map's symbols, versioned" "$got" "$want"

got=$(nm -g --defined-only "$ar" | awk 'NF == 3 { print $3 }' | sort)
expect_eq "libpkgnote.a defines no global symbol but the public functions" \
    "$got" "$(sed 's/@@.*//' <<<"$want")"
expect_empty "libpkgnote.a: no internal pn_* symbol is global" \
    "$(nm -g --defined-only "$ar" | awk 'NF == 3 && $3 ~ /^pn_/')"

got=$(tr '\n' ' ' <"$SOURCE_ROOT/include/pkgnote.h" | grep -o 'PKGNOTE_API [^(]*(' |
      sed -n 's/.*[ *]\(pkgnote_[a-z_0-9]*\)($/\1/p' | sort)
expect_eq "include/pkgnote.h declares the map's functions" "$got" "$(sed 's/@@.*//' <<<"$want")"
tl_finish
