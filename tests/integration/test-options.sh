#!/bin/bash
# pkgnote stamp's options, on bfd-linked fixtures:
#  -o OUT            the input stays byte-identical (sha256, mtime); OUT passes
#                    every check and runs; in place, the file mode is kept
#  --page-size 8192  the note and program headers in the first 8192 bytes
#  --json -          JSON read from standard input
#  several BINARYs   all stamped by one call
#  --follow-symlinks the target is stamped, the link stays a link
#  --name ''         an empty field value sets nothing
set -uo pipefail
: "${SOURCE_ROOT:?}"
. "$SOURCE_ROOT/tests/lib/testlib.sh"

tl_need_pkgnote
linker=bfd
if ! why=$(fx_have_linker $linker); then
    for linker in lld gold mold; do fx_have_linker $linker >/dev/null && break; done
    fx_have_linker $linker >/dev/null || { echo "SKIP: no linker: $why"; exit 77; }
fi
tl_setup
tl_write_json
fx_helpers "$WORK/helpers"
J=$WORK/json

declare -A FILE RUNNER
for kind in pie bigsyms-lib bigsyms-prog; do
    if fx_build $linker $kind "$WORK/orig/$kind"; then
        FILE[$kind]=$FX_FILE RUNNER[$kind]=$FX_RUNNER
    else
        fail "build $linker $kind: ${FX_SKIP:-$FX_ERR}"
    fi
done
[[ -n ${FILE[pie]:-} ]] || tl_finish

# fingerprint FILE: content hash, mtime (ns) and mode.
fingerprint() { echo "$(sha256sum <"$1") $(stat -c '%y %a' "$1")"; }

echo "== -o OUT"
for kind in pie bigsyms-lib; do
    [[ -n ${FILE[$kind]:-} ]] || continue
    in=$WORK/o-$kind/in/$(basename "${FILE[$kind]}")
    mkdir -p "$(dirname "$in")" "$WORK/o-$kind/out"
    cp -p "${FILE[$kind]}" "$in"
    out=$WORK/o-$kind/out/$(basename "$in")
    before=$(fingerprint "$in")
    listing_before=$(ls -A "$(dirname "$in")")
    if "$PKGNOTE" stamp --json "$J/main.json" -o "$out" "$in"; then
        pass "$kind: stamp -o OUT: exit 0"
        expect_eq "$kind: -o leaves the input untouched (sha256, mtime, mode)" "$(fingerprint "$in")" "$before"
        expect_eq "$kind: -o creates nothing beside the input" "$(ls -A "$(dirname "$in")")" "$listing_before"
        expect_eq "$kind: the input still has no note" "$(package_note_count "$in")" 0
        if [[ -x $out ]]; then pass "$kind: OUT is executable (mode $(stat -c %a "$out"))"
        else fail "$kind: OUT is not executable (mode $(stat -c %a "$out"))"; fi
        verify_stamped "$kind -o OUT" "$kind" "$in" "$out" "$JSON_MAIN" "${RUNNER[$kind]}"
        # OUT equals an in-place stamp of the same input.
        cp -p "$in" "$WORK/o-$kind/inplace"
        tl_stamp "$J/main.json" "$WORK/o-$kind/inplace" &&
            expect_ok "$kind: -o OUT equals the in-place result" cmp "$out" "$WORK/o-$kind/inplace"
    else
        fail "$kind: stamp -o OUT exited non-zero"
    fi
done

echo
echo "== in place: the file mode is kept"
f=$WORK/mode/hello; mkdir -p "$WORK/mode"; cp "${FILE[pie]}" "$f"; chmod 0751 "$f"
if tl_stamp "$J/main.json" "$f"; then
    expect_eq "mode 0751 kept by an in-place stamp" "$(stat -c %a "$f")" 751
fi

echo
echo "== --page-size 8192"
for kind in pie bigsyms-prog; do
    [[ -n ${FILE[$kind]:-} ]] || continue
    d=$WORK/ps-$kind; mkdir -p "$d"; cp -p "${FILE[$kind]}" "$d/"
    f=$d/$(basename "${FILE[$kind]}")
    if tl_stamp "$J/main.json" "$f" --page-size 8192; then
        pass "$kind: --page-size 8192: exit 0"
        verify_stamped "$kind --page-size 8192" "$kind" "${FILE[$kind]}" "$f" "$JSON_MAIN" "${RUNNER[$kind]}" 8192
    else
        fail "$kind: --page-size 8192 exited non-zero"
    fi
done

echo
echo "== --json - (standard input)"
d=$WORK/stdin; mkdir -p "$d"; cp -p "${FILE[pie]}" "$d/"
f=$d/$(basename "${FILE[pie]}")
if "$PKGNOTE" stamp --json - "$f" <"$J/long.json"; then
    pass "--json -: exit 0"
    expect_eq "--json -: the note holds the compact JSON from stdin" "$(note_json "$f")" "$JSON_LONG"
    expect_ok "--json -: check_page1" check_page1 "$f"
else
    fail "--json - exited non-zero"
fi

echo
echo "== several binaries in one call"
d=$WORK/multi; mkdir -p "$d/a" "$d/b"
cp -p "${FILE[pie]}" "$d/a/"; cp -p "${FILE[bigsyms-prog]:-${FILE[pie]}}" "$d/b/"
fa=$d/a/$(basename "${FILE[pie]}") fb=$d/b/$(basename "${FILE[bigsyms-prog]:-${FILE[pie]}}")
if "$PKGNOTE" stamp --json "$J/main.json" "$fa" "$fb"; then
    pass "two files: exit 0"
    for f in "$fa" "$fb"; do
        expect_eq "two files: $(basename "$(dirname "$f")")/$(basename "$f") has the JSON" "$(note_json "$f")" "$JSON_MAIN"
        expect_ok "two files: $(basename "$(dirname "$f")")/$(basename "$f") check_page1" check_page1 "$f"
    done
else
    fail "stamping two files in one call exited non-zero"
fi

echo
echo "== --follow-symlinks"
d=$WORK/link; mkdir -p "$d"; cp -p "${FILE[pie]}" "$d/target"; ln -s target "$d/link"
if "$PKGNOTE" stamp --json "$J/main.json" --follow-symlinks "$d/link"; then
    pass "--follow-symlinks: exit 0"
    if [[ -L $d/link && $(readlink "$d/link") == target ]]; then pass "--follow-symlinks: the link is still a link to target"
    else fail "--follow-symlinks: the symlink was replaced"; ls -l "$d" | sed 's/^/      | /'; fi
    expect_eq "--follow-symlinks: the target holds the JSON" "$(note_json "$d/target")" "$JSON_MAIN"
    expect_ok "--follow-symlinks: target check_page1" check_page1 "$d/target"
else
    fail "--follow-symlinks exited non-zero"
fi
d=$WORK/link2; mkdir -p "$d"; cp -p "${FILE[pie]}" "$d/target"; ln -s target "$d/link"
before=$(fingerprint "$d/target")
"$PKGNOTE" stamp --json "$J/main.json" "$d/link" 2>"$d.err"
rc=$?
if ((rc == 0)); then
    # Allowed only if the link was left alone and the target untouched... or
    # the link itself was replaced by a stamped file; report what happened.
    info "without --follow-symlinks: exit 0; link is $([[ -L $d/link ]] && echo 'still a symlink' || echo 'now a regular file')"
    expect_eq "without --follow-symlinks: the target is not written through the link" "$(fingerprint "$d/target")" "$before"
else
    info "without --follow-symlinks: exit $rc: $(cat "$d.err")"
    expect_eq "without --follow-symlinks: refused, target untouched" "$(fingerprint "$d/target")" "$before"
fi

echo
echo "== an empty field value sets nothing"
d=$WORK/empty; mkdir -p "$d"; cp -p "${FILE[pie]}" "$d/"
f=$d/$(basename "${FILE[pie]}")
if "$PKGNOTE" stamp --json "$J/main.json" --name '' --version '' --set 'extra=' "$f"; then
    pass "empty --name, --version, --set KEY=: exit 0"
    expect_eq "empty values neither replace --json's keys nor add keys (readelf -n)" "$(note_json "$f")" "$JSON_MAIN"
else
    fail "empty field values: exit non-zero"
fi

tl_finish
