#!/bin/bash
# pkgnote show:
#  show --json prints exactly the stored JSON and a newline (exit 0), for
#  pkgnote's own note and for the notes every linker writes (bfd and mold pad
#  n_descsz, lld and gold do not: both forms must read back the same);
#  exit 1 for a file without a note; plain show exits 0 and prints something.
set -uo pipefail
: "${SOURCE_ROOT:?}"
. "$SOURCE_ROOT/tests/lib/testlib.sh"

tl_begin
fx_helpers "$WORK/helpers"

# expect_show_json LABEL FILE WANT
expect_show_json() {
    local out rc
    out=$("$PKGNOTE" show --json "$2" 2>"$WORK/err"; echo "[exit $?]")
    expect_eq "$1: show --json prints the JSON and a newline, exit 0" "$out" "$(printf '%s\n[exit 0]' "$3")"
    [[ -s $WORK/err ]] && info "stderr: $(cat "$WORK/err")"
}

any=0 stamped_ok=""
for l in "${FX_LINKERS_ALL[@]}"; do
    if ! why=$(fx_have_linker "$l"); then skip "$l: $why"; continue; fi
    any=1
    echo "== $l"
    if fx_build "$l" pie "$WORK/$l/linked" "$JSON_LINK"; then
        expect_show_json "$l --package-metadata (n_descsz $(note_descsz "$FX_FILE"))" "$FX_FILE" "$JSON_LINK"
    else
        fail "$l: build failed: $FX_ERR"
    fi
    if fx_build "$l" pie "$WORK/$l/plain"; then
        plain=$FX_FILE
        out=$("$PKGNOTE" show --json "$plain" 2>/dev/null); rc=$?
        expect_eq "$l unstamped: show --json exits 1" "$rc" 1
        expect_eq "$l unstamped: show --json prints nothing on stdout" "$out" ""
        cp -p "$plain" "$WORK/$l/stamped"
        tl_stamp "$WORK/json/long.json" "$WORK/$l/stamped"
        rc=$?
        if ((rc == 5)); then
            skip "$l: no room in page 1 (exit 5): placement is stamp-$l's business, not this test's"
        elif ((rc == 0)); then
            stamped_ok=$WORK/$l/stamped
            expect_show_json "$l stamped" "$WORK/$l/stamped" "$JSON_LONG"
            out=$("$PKGNOTE" show "$WORK/$l/stamped" 2>&1); rc=$?
            expect_eq "$l stamped: show exits 0" "$rc" 0
            if [[ -n $out ]]; then pass "$l stamped: show prints something"; sed 's/^/      | /' <<<"$out" | head -5
            else fail "$l stamped: show printed nothing"; fi
        else
            fail "$l: stamp failed (exit $rc)"
        fi
    fi
done
((any)) || { echo "SKIP: no linker installed"; exit 77; }

echo "== several files: one with, one without a note"
f1=${stamped_ok:-}
f2=$(ls "$WORK"/*/plain/hello | head -1)
if [[ -n $f1 && -n $f2 ]]; then
    "$PKGNOTE" show --json "$f1" "$f2" >/dev/null 2>&1
    expect_eq "show --json WITH WITHOUT exits 1 (a file has no note)" "$?" 1
fi

tl_finish
