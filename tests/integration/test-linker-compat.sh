#!/bin/bash
# The note pkgnote writes is byte for byte the one lld-16 and gold write with
# --package-metadata for the same JSON (doc/design.md §1): the .note.package
# payload from objdump -s is compared, not the addresses.  Covered: every
# padding remainder (JSON length mod 4), the main/long/UTF-8 JSON, and inputs
# made by each linker (unstamped PIE, shared library, static).
set -uo pipefail
: "${SOURCE_ROOT:?}"
. "$SOURCE_ROOT/tests/lib/testlib.sh"

tl_need_pkgnote
refs=()
for l in lld gold; do
    if why=$(fx_have_linker "$l"); then refs+=("$l"); else echo "note: no $l reference: $why"; fi
done
if ((${#refs[@]} == 0)); then
    echo "SKIP: neither lld-16 nor gold is installed: no reference note bytes"
    exit 77
fi
tl_setup
tl_write_json
fx_helpers "$WORK/helpers"

# The JSON texts: name "a".."abcd" gives lengths 12..15, every padding.
texts=('{"name":"a"}' '{"name":"ab"}' '{"name":"abc"}' '{"name":"abcd"}' "$JSON_MAIN" "$JSON_LONG" "$JSON_SHORT")
inputs=("" "" "" "" "$WORK/json/main.json" "$WORK/json/long.json" "$WORK/json/short.json")

# ref[LINKER-INDEX]: payload of the note the linker writes for texts[INDEX].
declare -A ref
for i in "${!texts[@]}"; do
    for l in "${refs[@]}"; do
        if fx_build "$l" pie "$WORK/ref/$l-$i" "${texts[$i]}" && h=$(note_payload_hex "$FX_FILE"); then
            ref[$l-$i]=$h
        else
            fail "$l --package-metadata reference for ${texts[$i]} could not be made: $FX_ERR"
        fi
    done
done

# Stamp inputs: unstamped fixtures from every installed linker.
targets=()
for l in "${FX_LINKERS_ALL[@]}"; do
    fx_have_linker "$l" >/dev/null || continue
    for kind in pie shared static; do
        if fx_build "$l" "$kind" "$WORK/in/$l-$kind"; then
            targets+=("$l-$kind:$FX_FILE")
        else
            info "no $l $kind input: ${FX_SKIP:-$FX_ERR}"
        fi
    done
done

for i in "${!texts[@]}"; do
    text=${texts[$i]}
    jf=${inputs[$i]}
    if [[ -z $jf ]]; then jf=$WORK/json/t$i.json; printf '%s\n' "$text" >"$jf"; fi
    n=$(printf %s "$text" | wc -c)
    echo
    echo "== JSON of $n bytes (length mod 4 = $((n % 4))): $text"
    for t in "${targets[@]}"; do
        tname=${t%%:*} tfile=${t#*:}
        d=$WORK/out/$i-$tname
        mkdir -p "$d"
        cp -p "$tfile" "$d/"
        f=$d/$(basename "$tfile")
        tl_stamp "$jf" "$f"
        rc=$?
        if ((rc == 5)); then
            skip "$tname: no room in page 1 (exit 5): placement is stamp-${tname%%-*}'s business, not this test's"
            continue
        elif ((rc != 0)); then
            fail "stamp $tname with JSON $i failed (exit $rc)"; continue
        fi
        got=$(note_payload_hex "$f")
        for l in "${refs[@]}"; do
            want=${ref[$l-$i]:-}
            [[ -n $want ]] || continue
            expect_eq "$tname stamped == $l --package-metadata note bytes (JSON $n bytes)" "$got" "$want"
        done
    done
done

tl_finish
