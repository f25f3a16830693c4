#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# System test: static executables, whose first page has no section pkgnote
# may move, get a new first page (the notes of the old one copied into it)
# or, when page 1 has free room away from the notes (GNU ld's default
# layout), their block of notes relocated there with the note joined; a
# core of a stamped static program must carry the package metadata AND the
# build-id, as systemd-analyze inspect-elf reads them with the binary moved
# away.  Each installed linker builds fixtures/hello.c with
# -static (non-PIE: fixed addresses).
#
# Exit: 0 all passed, 1 a check failed, 77 skipped (reason printed).
set -uo pipefail
: "${SOURCE_ROOT:?}"
. "$SOURCE_ROOT/tests/lib/testlib.sh"

tl_need_pkgnote
tl_need_core_files inspect-elf
tl_setup
tl_write_json
J=$WORK/json

# field CORE KEY: the value inspect-elf prints for KEY of the module.
field() { systemd-analyze inspect-elf "$1" 2>/dev/null | sed -n "s/^ *$2: //p" | head -n 1; }

for linker in "${FX_LINKERS_ALL[@]}"; do
    if ! why=$(fx_have_linker "$linker"); then skip "$linker: $why"; continue; fi
    dir=$WORK/$linker
    fx_build "$linker" static "$dir/orig"
    case $? in 0) ;; 77) skip "$linker static: $FX_SKIP"; continue ;; *) fail "$linker static: build: $FX_ERR"; continue ;; esac
    mkdir -p "$dir/run"
    buildid=$(LC_ALL=C readelf -n "$FX_FILE" | sed -n 's/^ *Build ID: //p')
    [[ -n $buildid ]] || { fail "$linker static: the fixture has no build-id"; continue; }
    # mold puts the 4-aligned build-id note in an 8-aligned PT_NOTE, which
    # systemd's note walk reads with 8-byte padding: it cannot show it.
    id_off=$(LC_ALL=C readelf -SW "$FX_FILE" | sed 's/^ *\[ *[0-9]*\]//' | awk '$1 == ".note.gnu.build-id" { print "0x" $4 }')
    id_align=""
    while read -r _ off _ _ fsz _ _ align; do
        (( off <= id_off && id_off < off + fsz )) && id_align=$align
    done < <(LC_ALL=C readelf -lW "$FX_FILE" | awk '$1 == "NOTE" { print $1, $2, $3, $4, $5, $6, $7, $NF }')
    cp -p "$FX_FILE" "$dir/run/hello"
    if ! tl_stamp "$J/main.json" "$dir/run/hello"; then
        fail "$linker static: pkgnote stamp exited non-zero"
        continue
    fi
    expect_ok "$linker static: check_page1" check_page1 "$dir/run/hello"
    (cd "$dir/run" && ulimit -c unlimited && ./hello crash >/dev/null 2>&1)
    core=$(ls "$dir/run"/core* 2>/dev/null | head -n 1)
    if [[ -z $core ]]; then
        skip "$linker static: no core file was written"
        continue
    fi
    mv "$dir/run/hello" "$dir/hello.moved"
    expect_eq "$linker static: core shows the package name" "$(field "$core" name)" pkgnote-fixture
    expect_eq "$linker static: core shows the package version" "$(field "$core" version)" 1.2.3-1
    if [[ $id_align == 0x8 ]]; then
        skip "$linker static: build-id: its PT_NOTE is 8-aligned, systemd cannot read the 4-aligned note in it"
    else
        expect_eq "$linker static: core still shows the build-id" "$(field "$core" buildId)" "$buildid"
    fi
done
tl_finish
