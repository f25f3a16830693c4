#!/bin/bash
# Self-test of tests/lib/checks.sh, without pkgnote: the checkers must accept
# binaries whose note the linkers themselves placed (--package-metadata), and
# must reject files whose note is missing, outside every segment, outside the
# first page, outside the first PT_LOAD, or whose program headers moved out
# of page 1.
set -uo pipefail
: "${SOURCE_ROOT:?}"
. "$SOURCE_ROOT/tests/lib/testlib.sh"
tl_setup
fx_helpers "$WORK/helpers"

# le_hex32 N: N as 4 little-endian bytes, in hex.
le_hex32() { printf '%02x%02x%02x%02x' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }

# expected_note_hex JSON DESCSZ: the bytes of an FDO package note.
expected_note_hex() {
    local json=$1 descsz=$2 body n pad
    body=$(printf %s "$json" | od -An -v -tx1 | tr -d ' \n')
    n=$(printf %s "$json" | wc -c)
    pad=$(( (4 - (n + 1) % 4) % 4 ))
    printf '04000000%s7e1afeca46444f00%s00' "$(le_hex32 "$descsz")" "$body"
    for ((; pad > 0; pad--)); do printf 00; done
    echo
}

# poke_le FILE OFFSET SIZE VALUE: write VALUE little-endian at OFFSET.
poke_le() {
    local f=$1 off=$2 size=$3 v=$4 i bytes=""
    for ((i = 0; i < size; i++)); do bytes+=$(printf '\\x%02x' $(((v >> (8 * i)) & 255))); done
    # shellcheck disable=SC2059
    printf "$bytes" | dd of="$f" bs=1 seek="$off" conv=notrunc status=none
}

# phdr_index FILE TYPE OFFSET: index of the first program header of TYPE and
# p_offset OFFSET.
phdr_index() {
    local i=0 type off rest
    while read -r type off rest; do
        if [[ $type == "$2" && $((off)) == $(($3)) ]]; then echo $i; return 0; fi
        i=$((i + 1))
    done < <(LC_ALL=C readelf -lW "$1" | awk '
        /^Program Headers:/ { on = 1; next }
        on && /^ *$/ { on = 0 }
        on && $2 ~ /^0x/ { print $1, $2 }')
    return 1
}

# fdo_note_segment FILE: "OFFSET LENGTH" (decimal) of the PT_NOTE holding the
# package note.
fdo_note_segment() {
    local v=$WORK/segview
    ALIGN4=1 _pn_segment_view "$1" "$v"
    LC_ALL=C readelf -n "$v" 2>/dev/null | awk '
        /^Displaying notes found at file offset/ { o = $7; l = $10; sub(/:$/, "", l); next }
        $1 == "FDO" { print o, l; exit }' | { read -r o l; echo $((o)) $((l)); }
}

echo "== 1. link-time notes pass (every linker, every kind the linker can make)"
want_lld_hex=$(expected_note_hex "$JSON_MAIN" "$(json_descsz "$JSON_MAIN")")
declare -A payload
built=()        # every file made here, for the many-file forms (section 5)
for linker in "${FX_LINKERS_ALL[@]}"; do
    if ! why=$(fx_have_linker "$linker"); then skip "$linker: $why"; continue; fi
    for kind in pie nopie shared static static-pie bigsyms-lib bigsyms-prog; do
        dir=$WORK/link/$linker-$kind
        fx_build "$linker" "$kind" "$dir" "$JSON_MAIN"
        case $? in
            0) ;;
            77) skip "$linker $kind: $FX_SKIP"; continue ;;
            *) fail "$linker $kind: build failed: $FX_ERR"; continue ;;
        esac
        f=$FX_FILE label="$linker $kind (linked with --package-metadata)"
        built+=("$f")
        run=$(fx_run "$kind" "$f" "$FX_RUNNER")
        if [[ $run == *"[exit 0]"* && $run != *"[dlopen exit "[1-9]* ]]; then pass "$label: runs"
        else fail "$label: does not run"; info "$run"; fi
        if [[ $linker == mold ]]; then
            # mold puts .note.package (align 4) into the align-8 PT_NOTE of
            # .note.gnu.property: a gABI walk misreads it.  The 4-byte walk
            # (CHECK_PAGE1_NOTE_ALIGN=4) must accept it.
            if out=$(check_page1 "$f" 2>&1); then
                info "$label: the strict note walk passes too"
            else
                info "$label: strict note walk rejects mold's layout (expected):"
                sed 's/^/      | /' <<<"$out"
            fi
            expect_ok "$label: check_page1 with CHECK_PAGE1_NOTE_ALIGN=4" env CHECK_PAGE1_NOTE_ALIGN=4 bash -c '. "$1"; check_page1 "$2"' _ "$SOURCE_ROOT/tests/lib/checks.sh" "$f"
        else
            expect_ok "$label: check_page1" check_page1 "$f"
            expect_eq "$label: segment_note_json" "$(segment_note_json "$f")" "$JSON_MAIN"
        fi
        if [[ $linker != mold && $kind != bigsyms-* ]]; then
            # The packaging oracles themselves: strip and eu-strip keep a
            # linker-made note where it was and the file working.
            verify_strip_survives "$label" "$kind" "$f" "$JSON_MAIN" "$FX_RUNNER"
        fi
        expect_eq "$label: note_json" "$(note_json "$f")" "$JSON_MAIN"
        expect_eq "$label: package_note_count" "$(package_note_count "$f")" 1
        expect_empty "$label: elflint_new_complaints against itself" "$(elflint_new_complaints "$f" "$f")"
        payload[$linker-$kind]=$(note_payload_hex "$f")
        case $linker in
            lld|gold) expect_eq "$label: note_payload_hex is the gABI note (n_descsz = strlen+1)" "${payload[$linker-$kind]}" "$want_lld_hex"
                      expect_eq "$label: note_descsz" "$(note_descsz "$f")" "$(json_descsz "$JSON_MAIN")" ;;
            bfd|mold) expect_eq "$label: note_descsz is the padded size" "$(note_descsz "$f")" $(( ($(json_descsz "$JSON_MAIN") + 3) / 4 * 4 )) ;;
        esac
        if [[ $kind == bigsyms-* ]]; then
            # The fixture is what it claims: a dynamic-only section straddles
            # offset 4096, so page 1 has no free room left.
            full=$(LC_ALL=C readelf -SW "$f" | sed -n 's/^ *\[ *[0-9]*\] //p' | awk '
                $1 ~ /^\.(gnu\.hash|hash|dynsym|dynstr|gnu\.version|gnu\.version_r|rela\.dyn|rela\.plt|relr\.dyn)$/ {
                    off = 0; s = tolower($4); for (k = 1; k <= length(s); k++) off = off * 16 + index("0123456789abcdef", substr(s, k, 1)) - 1
                    sz = 0; s = tolower($5); for (k = 1; k <= length(s); k++) sz = sz * 16 + index("0123456789abcdef", substr(s, k, 1)) - 1
                    if (off < 4096 && off + sz > 4096) print $1 }')
            if [[ -n $full ]]; then pass "$label: page 1 is full (straddling 4096: $(echo $full))"
            else fail "$label: page 1 is not full: no dynamic-only section crosses offset 4096"; fi
        fi
    done
done

echo
echo "== 2. the checkers reject what they must"
plain_dir=$WORK/neg/plain
fx_build bfd pie "$plain_dir" || { fail "cannot build plain bfd pie: $FX_ERR"; tl_finish; }
plain=$FX_FILE
expect_fail "no note at all: check_page1 fails" check_page1 "$plain"
expect_fail "no note at all: note_json fails" note_json "$plain"

# objcopy --add-section: a correct note, but in no segment.
notebin=$WORK/neg/note.bin
printf %s "$want_lld_hex" | sed 's/../\\x&/g' | xargs -0 printf >"$notebin"
expect_eq "hand-made note file has the expected size" "$(stat -c %s "$notebin")" $((${#want_lld_hex} / 2))
oc=$WORK/neg/objcopy-added
objcopy --add-section .note.package="$notebin" --set-section-flags .note.package=alloc,readonly \
    --set-section-alignment .note.package=4 "$plain" "$oc" 2>/dev/null
expect_eq "objcopy --add-section: readelf -n still reads the JSON (section view)" "$(note_json "$oc")" "$JSON_MAIN"
expect_fail "objcopy --add-section: check_page1 fails (note in no segment)" check_page1 "$oc"
complaints=$(elflint_new_complaints "$plain" "$oc")
if [[ -n $complaints ]]; then pass "objcopy --add-section: elflint_new_complaints reports it"; sed 's/^/      | /' <<<"$complaints"
else fail "objcopy --add-section: elflint_new_complaints saw nothing new"; fi

# The reference: a bfd PIE linked with the note (strict walk passes).
ref=$WORK/link/bfd-pie/hello
if [[ -f $ref ]]; then
    read -r noff nlen < <(fdo_note_segment "$ref")
    nend=$((noff + nlen))
    info "bfd pie: package note PT_NOTE at [$noff, $nend)"
    expect_ok "page size = end of the PT_NOTE ($nend): passes" check_page1 "$ref" "$nend"
    expect_fail "page size = end of the PT_NOTE - 1: fails" check_page1 "$ref" $((nend - 1))

    # First PT_LOAD's p_filesz cut to end before the note.
    cut=$WORK/neg/load-cut; cp "$ref" "$cut"
    li=$(phdr_index "$ref" LOAD 0)
    poke_le "$cut" $((64 + li * 56 + 32)) 8 "$noff"
    poke_le "$cut" $((64 + li * 56 + 40)) 8 "$noff"
    expect_fail "note past the first PT_LOAD's p_filesz: check_page1 fails" check_page1 "$cut"

    # PT_NOTE's p_vaddr off by 16.
    va=$WORK/neg/note-vaddr; cp "$ref" "$va"
    ni=$(phdr_index "$ref" NOTE "$noff")
    poke_le "$va" $((64 + ni * 56 + 16)) 8 $((noff + 16))
    expect_fail "PT_NOTE p_vaddr not where PT_LOAD maps its bytes: check_page1 fails" check_page1 "$va"

    # Program header table copied past the first page (e_phoff moved).
    mv_=$WORK/neg/phdr-moved; cp "$ref" "$mv_"
    size=$(stat -c %s "$mv_"); newoff=$(((size + 4095) / 4096 * 4096))
    phnum=$(LC_ALL=C readelf -hW "$ref" | awk -F: '/Number of program headers/ { print $2 + 0 }')
    truncate -s "$newoff" "$mv_"
    dd if="$ref" bs=1 skip=64 count=$((phnum * 56)) status=none >>"$mv_"
    poke_le "$mv_" 32 8 "$newoff"
    expect_fail "program header table outside page 1: check_page1 fails" check_page1 "$mv_"
else
    fail "bfd pie reference was not built"
fi

# mold's note layout without the 4-byte walk.
moldf=$WORK/link/mold-pie/hello
if [[ -f $moldf ]] && ! check_page1 "$moldf" 2>/dev/null; then
    pass "mold pie: the strict (gABI-aligned) walk rejects mold's note in the align-8 PT_NOTE"
fi

echo
echo "== 3. elflint_new_complaints normalises file names"
cp "$plain" "$WORK/neg/another-name"
expect_empty "same file under another name: nothing new" "$(elflint_new_complaints "$plain" "$WORK/neg/another-name")"

echo
echo "== 4. linker byte compatibility, as the oracle for pkgnote"
if [[ -n ${payload[lld-pie]:-} && -n ${payload[gold-pie]:-} ]]; then
    expect_eq "lld-16 and gold write identical note bytes" "${payload[lld-pie]}" "${payload[gold-pie]}"
fi
if [[ -n ${payload[bfd-pie]:-} && -n ${payload[mold-pie]:-} ]]; then
    expect_eq "bfd and mold write identical note bytes (padded n_descsz)" "${payload[bfd-pie]}" "${payload[mold-pie]}"
fi

echo
echo "== 5. the many-file forms agree with the one-file ones"
for f in "$plain" "$oc" "${cut:-}" "${va:-}" "${mv_:-}"; do [[ -f $f ]] && built+=("$f"); done
want=$(for f in "${built[@]}"; do check_page1 "$f" 2>/dev/null || echo "$f"; done)
got=$(check_page1_many "${built[@]}" | sed 's/^check_page1: //; s/: .*//' | sort -u)
expect_eq "check_page1_many fails the files check_page1 fails (of ${#built[@]})" "$got" "$(sort -u <<<"$want")"
[[ -n $want ]] && pass "check_page1 fails some of them ($(wc -l <<<"$want"))" || fail "check_page1 fails none of them: no test of the many-file form"
expect_eq "segment_note_json_many finds what segment_note_json does" "$(segment_note_json_many "${built[@]}")" \
    "$(for f in "${built[@]}"; do segment_note_json "$f" | sed "s|^|$f\t|"; done)"
if [[ -f ${ref:-} ]]; then
    expect_ok "check_page1_many of one good file passes" check_page1_many "$ref"
    expect_eq "segment_note_json_many of one file" "$(segment_note_json_many "$ref")" "$ref"$'\t'"$JSON_MAIN"
fi
expect_fail "check_page1_many of one file without a note fails" check_page1_many "$plain"

tl_finish
