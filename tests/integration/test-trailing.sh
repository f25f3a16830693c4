#!/bin/bash
# Trailing data: a runtime with a payload appended past its ELF contents
# (fixtures/payload.c) finds it from the end of the file, from the end of
# the section header table and at an offset patched into its .data.  Built
# as PIE, non-PIE, static, static-pie and a static program whose page 1 is
# full (-z noseparate-code: only a new first page would make room).  Each
# is either stamped -- note in page 1 (readelf, PT_NOTE walk), no new
# eu-elflint complaints, the payload bytes at the same offset and distance
# from the end, the section header table ending where it did, and the
# program prints and exits exactly as before -- or refused with exit 5, one
# line naming the trailing data, and the file byte-identical (cmp).
# readelf -n lists notes by section header, and the table may not grow: the
# note is listed where it ends a 4-aligned note section, widened over it
# (the static program: the note joins its block of notes), and only the
# PT_NOTE walk finds it elsewhere (PIE, non-PIE: doc/design.md, section 4).
set -uo pipefail
: "${SOURCE_ROOT:?}"
. "$SOURCE_ROOT/tests/lib/testlib.sh"

tl_begin
J=$WORK/json

# attach FILE TEXT: append the payload and patch its offset into .data.
attach() {
    local f=$1 text=$2 size at blob
    size=$(stat -c %s -- "$f")
    at=$(LC_ALL=C grep -obUa 'PNOFF:' -- "$f" | cut -d: -f1)
    [[ $at =~ ^[0-9]+$ ]] || { echo "PNOFF: not found once in $f: $at"; return 1; }
    printf '%016d' "$size" | dd of="$f" bs=1 seek=$((at + 6)) conv=notrunc status=none
    blob="PAYLOAD:$text"$'\n'
    printf '%s%08dPNTRAIL!' "$blob" $((${#blob} + 16)) >>"$f"
}

# sht_end FILE: e_shoff + e_shnum * e_shentsize (readelf -h).
sht_end() {
    LC_ALL=C readelf -hW -- "$1" | awk -F: '
        /Start of section headers/ { split($2, a, " "); o = a[1] }
        /Size of section headers/ { split($2, a, " "); s = a[1] }
        /Number of section headers/ { split($2, a, " "); n = a[1] }
        END { print o + s * n }'
}

run() {
    local out rc
    out=$(timeout 20 "$1" 2>&1)
    rc=$?
    printf '%s\n[exit %d]\n' "$out" "$rc"
}

# kind, compiler flags, what must happen (stamped or refused), whether
# readelf -n lists the note (listed or hidden)
cases=(
    "pie|-fPIE -pie|stamped|hidden"
    "nopie|-fno-pie -no-pie|stamped|hidden"
    "static|-static|stamped|listed"
    "static-pie|-fPIE -static-pie|refused|"
    "static-newpage|-static -Wl,-z,noseparate-code|refused|"
)

# note_section FILE: the section readelf -n lists the package note in.
note_section() {
    LC_ALL=C readelf -nW -- "$1" | awk '/^Displaying notes found in: / { s = $5 } $1 == "FDO" { print s }'
}

# readelf_sees FILE JSON: readelf -n lists exactly one package note, JSON,
# in a note section of alignment 4 whose header ends with it.
readelf_sees() {
    local f=$1 json=$2 sec
    [[ $(note_json "$f") == "$json" && $(package_note_count "$f") == 1 ]] || return 1
    sec=$(note_section "$f")
    LC_ALL=C readelf -SW -- "$f" | awk -v s="$sec" '{ sub(/^ *\[ *[0-9]+\] /, "") } $1 == s && $2 == "NOTE" && $NF <= 4 { ok = 1 } END { exit !ok }'
}

for c in "${cases[@]}"; do
    IFS='|' read -r kind flags want seen <<<"$c"
    dir=$WORK/$kind
    mkdir -p "$dir"
    orig=$dir/payload-orig
    # shellcheck disable=SC2086
    if ! err=$(gcc -O2 $flags -o "$orig" "$FIXTURES/payload.c" 2>&1); then
        fail "$kind: gcc $flags: $err"
        continue
    fi
    end=$(stat -c %s -- "$orig")
    if ! err=$(attach "$orig" "$kind"); then fail "$kind: $err"; continue; fi
    size=$(stat -c %s -- "$orig")
    sht=$(sht_end "$orig")
    want_run=$(run "$orig")
    expect_eq "$kind: unstamped, all three ways find the payload" \
        "$want_run" "$(printf 'cookie: PAYLOAD:%s\nsht: PAYLOAD:%s\ndata: PAYLOAD:%s\n[exit 0]' "$kind" "$kind" "$kind")" || continue

    file=$dir/payload-stamped   # not "file": eu-elflint says "file type"
    cp -p -- "$orig" "$file"
    err=$("$PKGNOTE" stamp --json "$J/main.json" "$file" 2>&1 >/dev/null)
    rc=$?
    if [[ $want == refused ]]; then
        expect_eq "$kind: refused with exit 5" "$rc" 5
        expect_eq "$kind: one line of error" "$(wc -l <<<"$err")" 1
        if [[ $err == *"$((size - end)) bytes of trailing data at 0x$(printf %x "$end")"* ]]; then
            pass "$kind: the message names the trailing bytes"
        else
            fail "$kind: the message does not name the trailing bytes: $err"
        fi
        expect_ok "$kind: file byte-identical" cmp -- "$orig" "$file"
        continue
    fi
    expect_eq "$kind: stamped (exit 0)" "$rc" 0 || { info "$err"; continue; }
    expect_eq "$kind: same size" "$(stat -c %s -- "$file")" "$size"
    expect_ok "$kind: payload bytes at the same offset" \
        cmp -i "$end:$end" -- "$orig" "$file"
    expect_eq "$kind: section header table ends where it did" "$(sht_end "$file")" "$sht"
    expect_ok "$kind: check_page1" check_page1 "$file"
    expect_eq "$kind: the PT_NOTE walk finds exactly the JSON" "$(segment_note_json "$file")" "$JSON_MAIN"
    if [[ $seen == listed ]]; then
        expect_ok "$kind: readelf -n lists the note, in the 4-aligned note section it ends" \
            readelf_sees "$file" "$JSON_MAIN"
    else
        expect_eq "$kind: readelf -n lists no package note (no 4-aligned note section ends where it starts)" \
            "$(package_note_count "$file")" 0
    fi
    expect_empty "$kind: no new eu-elflint --gnu-ld complaints" "$(elflint_new_complaints "$orig" "$file")"
    grown=$(note_section "$file")
    if out=$(sections_keep_bytes "$orig" "$file" "$grown"); then
        pass "$kind: every allocated section keeps its bytes"
    else
        fail "$kind: allocated sections changed: $out"
    fi
    expect_eq "$kind: runs and finds its payload as before" "$(run "$file")" "$want_run"
    # Again with the same JSON: nothing to do, and nothing done (the note
    # has no section header here on purpose: it is the file's note all
    # the same).
    cp -p -- "$file" "$WORK/before-again"
    ino=$(stat -c %i -- "$file")
    out=$("$PKGNOTE" stamp --json "$J/main.json" "$file" 2>&1)
    expect_eq "$kind: stamped again with the same JSON: reported unchanged" \
        "$(grep -c 'already stamped with this metadata' <<<"$out")" 1
    expect_ok "$kind: stamped again with the same JSON: byte-identical" cmp -- "$WORK/before-again" "$file"
    expect_eq "$kind: stamped again with the same JSON: not replaced (same inode)" \
        "$(stat -c %i -- "$file")" "$ino"
    # Again with a longer JSON: the note grows where it is or moves in page 1.
    "$PKGNOTE" stamp --json "$J/long.json" "$file" >/dev/null 2>&1
    rc=$?
    if ((rc == 0)); then
        expect_eq "$kind: re-stamped longer, the PT_NOTE walk finds it" "$(segment_note_json "$file")" "$JSON_LONG"
        [[ $seen == listed ]] &&
            expect_ok "$kind: re-stamped longer, readelf -n lists the new note alone" readelf_sees "$file" "$JSON_LONG"
        expect_empty "$kind: re-stamped longer, no new eu-elflint --gnu-ld complaints" \
            "$(elflint_new_complaints "$orig" "$file")"
        expect_ok "$kind: re-stamped, payload still in place" cmp -i "$end:$end" -- "$orig" "$file"
        expect_eq "$kind: re-stamped, runs as before" "$(run "$file")" "$want_run"
    else
        expect_eq "$kind: re-stamp longer refused cleanly" "$rc" 5
    fi
done

tl_finish
