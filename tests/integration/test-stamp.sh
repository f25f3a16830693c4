#!/bin/bash
# test-stamp.sh LINKER [KIND...]
# For one linker (bfd, gold, lld, mold), build every fixture kind (see
# FX_KINDS_ALL in tests/lib/testlib.sh) and check pkgnote stamp on a copy:
#  - the stamped file runs (a library: is used by a program through
#    LD_LIBRARY_PATH and dlopen()ed) exactly as the unstamped one;
#  - check_page1 (doc/design.md §2), readelf -n shows exactly the compact JSON,
#    one FDO note, n_descsz = strlen+1, no new eu-elflint --gnu-ld complaints;
#  - stamping the stamped file again with the same JSON changes no byte;
#    stamping the same input twice gives the same bytes;
#  - re-stamping with a longer, then a shorter JSON passes all the checks;
#  - strip, eu-strip and objcopy --only-keep-debug keep the note;
#  - a file the linker already gave a note (--package-metadata) gets it
#    replaced: one FDO note afterwards, the new JSON, all the checks.
# The kinds run in the order of a seed within a time budget
# (tests/lib/budget.sh): half a long suite's, or 240 s by hand.
set -uo pipefail
: "${SOURCE_ROOT:?}"
. "$SOURCE_ROOT/tests/lib/testlib.sh"
. "$SOURCE_ROOT/tests/lib/budget.sh"

linker=${1:?usage: test-stamp.sh LINKER [KIND...]}
shift
kinds=("$@")
((${#kinds[@]})) || kinds=("${FX_KINDS_ALL[@]}")

if ! why=$(fx_have_linker "$linker"); then
    echo "SKIP: $linker: $why"
    exit 77
fi
tl_begin
bu_begin "stamp-$linker" 240 50
fx_helpers "$WORK/helpers"
J=$WORK/json
echo "pkgnote: $PKGNOTE; linker: $linker ($(fx_cc "$linker")); kinds: ${kinds[*]}"

# stamp_copy VAR SRC DSTDIR JSONFILE: copy SRC (keeping its name and mode)
# into DSTDIR, stamp the copy, set VAR to the copy's path.  Returns pkgnote's
# status (its error is shown).
stamp_copy() {
    local -n _dst=$1
    _dst=$3/$(basename "$2")
    mkdir -p "$3"
    cp -p -- "$2" "$_dst"
    tl_stamp "$4" "$_dst"
}

# runs_ok KIND FILE RUNNER: the unstamped fixture itself works.
runs_ok() {
    local out
    out=$(fx_run "$@")
    [[ $out == *"[exit 0]"* && ( $out != *"[dlopen exit"* || $out == *"[dlopen exit 0]"* ) ]]
}

bu_loop kinds 100 "${#kinds[@]}"
while read -r kind <&3; do
    bu_more || break
    bu_done
    label="$linker $kind"
    echo
    echo "== $label"
    base=$WORK/$kind
    fx_build "$linker" "$kind" "$base/orig"
    case $? in
        0) ;;
        77) skip "$label: $FX_SKIP"; continue ;;
        *) fail "$label: fixture build failed: $FX_ERR"; continue ;;
    esac
    orig=$FX_FILE runner=$FX_RUNNER
    if ! runs_ok "$kind" "$orig" "$runner"; then
        fail "$label: the UNSTAMPED fixture does not work (test environment problem)"
        fx_run "$kind" "$orig" "$runner" | sed 's/^/      | /'
        continue
    fi
    info "fixture: $orig ($(stat -c %s "$orig") bytes)"

    # 1. stamp once
    if ! stamp_copy s1 "$orig" "$base/s1" "$J/main.json"; then
        fail "$label: pkgnote stamp exited non-zero"
        continue
    fi
    pass "$label: pkgnote stamp exit 0"
    verify_stamped "$label" "$kind" "$orig" "$s1" "$JSON_MAIN" "$runner"

    # 2. idempotence and reproducibility
    if stamp_copy s2 "$s1" "$base/s2" "$J/main.json"; then
        expect_ok "$label: stamping again with the same JSON changes no byte" cmp "$s1" "$s2"
    else
        fail "$label: re-stamping the stamped file with the same JSON failed"
    fi
    if stamp_copy s3 "$orig" "$base/s3" "$J/main.json"; then
        expect_ok "$label: stamping the same input twice gives the same bytes" cmp "$s1" "$s3"
    else
        fail "$label: second stamp of the original failed"
    fi

    # 3. longer, then shorter JSON
    if stamp_copy s4 "$s1" "$base/s4" "$J/long.json"; then
        pass "$label: re-stamp with a longer JSON (n_descsz $(json_descsz "$JSON_LONG")): exit 0"
        verify_stamped "$label, re-stamped longer" "$kind" "$orig" "$s4" "$JSON_LONG" "$runner"
        if tl_stamp "$J/short.json" "$s4"; then
            pass "$label: re-stamp with a shorter JSON: exit 0"
            verify_stamped "$label, re-stamped shorter" "$kind" "$orig" "$s4" "$JSON_SHORT" "$runner"
        else
            fail "$label: re-stamp with a shorter JSON failed"
        fi
    else
        fail "$label: re-stamp with a longer JSON failed"
        if stamp_copy s5 "$orig" "$base/s5" "$J/long.json"; then
            info "but the longer JSON stamps fine into the unstamped original: re-stamping loses room"
        else
            info "the longer JSON does not fit the unstamped original either"
        fi
    fi

    # 4. packaging tools
    verify_strip_survives "$label" "$kind" "$s1" "$JSON_MAIN" "$runner"

    # 5. a note the linker put there is replaced
    case $kind in
        pie|nopie|shared|static|static-pie|bigsyms-lib) ;;
        *) continue ;;
    esac
    fx_build "$linker" "$kind" "$base/linked" "$JSON_LINK"
    case $? in
        0) ;;
        77) skip "$label + --package-metadata: $FX_SKIP"; continue ;;
        *) fail "$label + --package-metadata: build failed: $FX_ERR"; continue ;;
    esac
    lorig=$FX_FILE lrunner=$FX_RUNNER
    expect_eq "$label + --package-metadata: the linker wrote its note" "$(note_json "$lorig")" "$JSON_LINK"
    if stamp_copy m1 "$lorig" "$base/m1" "$J/main.json"; then
        pass "$label + --package-metadata: stamp exit 0"
        verify_stamped "$label + --package-metadata, stamped" "$kind" "$lorig" "$m1" "$JSON_MAIN" "$lrunner"
        if stamp_copy m2 "$m1" "$base/m2" "$J/main.json"; then
            expect_ok "$label + --package-metadata: stamping again changes no byte" cmp "$m1" "$m2"
        else
            fail "$label + --package-metadata: re-stamp failed"
        fi
    else
        fail "$label + --package-metadata: pkgnote stamp exited non-zero"
    fi
done 3< <(printf '%s\n' "${kinds[@]}" | bu_shuffle)
bu_end
bu_report

tl_finish
