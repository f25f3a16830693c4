#!/bin/bash
# Bad input: every case must exit with its documented code (3 bad JSON,
# 4 not a stampable ELF, 6 I/O), print exactly ONE line on stderr naming the
# file, leave the input as it was (sha256, mtime, mode) and leave no
# temporary file behind in the directory.
#  ELF side:  text file, empty file, truncated ELF (100 bytes), relocatable
#             object (.o), core file, missing file
#  JSON side: syntax error, duplicate keys (top level and nested), raw control
#             character, escaped control character, \uXXXX escape, top-level
#             array, top-level string, well-known key not a string, integer
#             out of range, invalid UTF-8, empty file, trailing garbage
set -uo pipefail
: "${SOURCE_ROOT:?}"
. "$SOURCE_ROOT/tests/lib/testlib.sh"

tl_begin

fingerprint() { echo "$(sha256sum <"$1" | cut -d' ' -f1) $(stat -c '%Y %y %a %s' "$1")"; }

# expect_rejected LABEL WANT_RC NAME_RE DIR PROTECTED... -- PKGNOTE_ARGS...
# Run pkgnote; check exit code, one stderr line matching NAME_RE (a fixed
# string, or several joined by |), PROTECTED files unchanged, DIR's listing
# unchanged.
expect_rejected() {
    local label=$1 want=$2 names=$3 dir=$4
    shift 4
    local protected=() args rc err lines f before=() after listing_before listing_after i n ok
    while [[ $1 != -- ]]; do protected+=("$1"); shift; done
    shift
    for f in "${protected[@]}"; do before+=("$(fingerprint "$f")"); done
    listing_before=$(ls -A "$dir")
    sleep 0.01
    timeout 60 "$PKGNOTE" "$@" >"$WORK/stdout" 2>"$WORK/stderr"
    rc=$?
    err=$(cat "$WORK/stderr")
    lines=$(wc -l <"$WORK/stderr")
    [[ -n $err && $(tail -c1 "$WORK/stderr" | od -An -c | tr -d ' ') != '\n' ]] && lines=$((lines + 1))
    expect_eq "$label: exit code $want" "$rc" "$want"
    if ((lines == 1)); then pass "$label: exactly one line on stderr: $err"
    else fail "$label: $lines lines on stderr (want 1)"; sed 's/^/      | /' <<<"$err"; fi
    ok=0
    IFS='|' read -r -a n <<<"$names"
    for i in "${n[@]}"; do [[ $err == *"$i"* ]] && ok=1; done
    if ((ok)); then pass "$label: stderr names the file"
    else fail "$label: stderr does not name ${names//|/ or }"; fi
    if [[ $err != "pkgnote: "* ]]; then fail "$label: stderr line does not start with 'pkgnote: '"; fi
    i=0
    for f in "${protected[@]}"; do
        after=$(fingerprint "$f")
        expect_eq "$label: $(basename "$f") unchanged (sha256, mtime, mode, size)" "$after" "${before[$i]}"
        i=$((i + 1))
    done
    listing_after=$(ls -A "$dir")
    expect_eq "$label: no file left behind in $(basename "$dir")/" "$listing_after" "$listing_before"
}

# Fixtures: a good PIE (bfd if present), its object file, a core.
cc=gcc
d=$WORK/bad; mkdir -p "$d"
gcc -O2 -g -o "$WORK/hello" "$FIXTURES/hello.c" || { fail "cannot build hello"; tl_finish; }
good=$d/good; cp -p "$WORK/hello" "$good"
J=$WORK/json/main.json

echo "== bad binaries (valid JSON)"
printf 'this is not an ELF file\njust text\n' >"$d/text.txt"
expect_rejected "text file" 4 "$d/text.txt" "$d" "$d/text.txt" "$J" -- stamp --json "$J" "$d/text.txt"

: >"$d/empty"
expect_rejected "empty file" 4 "$d/empty" "$d" "$d/empty" -- stamp --json "$J" "$d/empty"

head -c 100 "$WORK/hello" >"$d/truncated"
expect_rejected "truncated ELF (first 100 bytes)" 4 "$d/truncated" "$d" "$d/truncated" -- stamp --json "$J" "$d/truncated"

head -c $(($(stat -c %s "$WORK/hello") / 2)) "$WORK/hello" >"$d/half"
expect_rejected "truncated ELF (first half)" 4 "$d/half" "$d" "$d/half" -- stamp --json "$J" "$d/half"

$cc -O2 -c -o "$d/hello.o" "$FIXTURES/hello.c"
expect_rejected "relocatable object (.o)" 4 "$d/hello.o" "$d" "$d/hello.o" -- stamp --json "$J" "$d/hello.o"

if why=$(tl_cores_unavailable); then
    skip "core file: $why"
else
    cd_=$WORK/coredir; mkdir -p "$cd_"; cp "$WORK/hello" "$cd_/hello"
    ( (cd "$cd_" && ulimit -c unlimited && exec ./hello crash) ) >/dev/null 2>&1
    core=$(tl_core_in "$cd_")
    if [[ -n $core ]] && LC_ALL=C readelf -h "$core" 2>/dev/null | grep -q 'CORE (Core file)'; then
        mv "$core" "$d/core"
        expect_rejected "core file" 4 "$d/core" "$d" "$d/core" -- stamp --json "$J" "$d/core"
    else
        skip "core file: no core was written (core_pattern '$(cat /proc/sys/kernel/core_pattern)', ulimit -c unlimited)"
    fi
fi

expect_rejected "missing file" 6 "$d/does-not-exist" "$d" "$J" -- stamp --json "$J" "$d/does-not-exist"

cp -p "$good" "$d/good2"
expect_rejected "text file with -o OUT (OUT not created)" 4 "$d/text.txt" "$d" "$d/text.txt" -- stamp --json "$J" -o "$d/out-should-not-exist" "$d/text.txt"

echo
echo "== bad JSON (a good binary)"
jd=$WORK/badjson; mkdir -p "$jd"
bad_json() {  # bad_json LABEL CONTENT (printf format)
    local label=$1 jf=$jd/$2.json
    # shellcheck disable=SC2059
    printf "$3" >"$jf"
    expect_rejected "JSON: $label" 3 "$jf|$good" "$d" "$good" "$jf" -- stamp --json "$jf" "$good"
}
bad_json "syntax error (unterminated object)" syntax '{"type":"deb",'
bad_json "duplicate keys" dup '{"name":"a","version":"1","name":"b"}'
bad_json "duplicate keys in a nested object (DESIGN §1: every name unique)" dupnested '{"name":"a","x":{"k":1,"k":2}}'
bad_json "raw control character in a string" ctrl '{"name":"a\001b"}'
bad_json "escaped control character in a string (DESIGN §1)" ctrlesc '{"name":"a\\nb"}'
bad_json "backslash-uXXXX escape (DESIGN §1)" uesc '{"name":"\\u0041"}'
bad_json "top-level array" array '["type","deb"]'
bad_json "top-level string" string '"just a string"'
bad_json "well-known key with a number (DESIGN §1)" wellknown '{"name":"a","version":12}'
bad_json "integer out of the 53-bit range (DESIGN §1)" bignum '{"name":"a","n":18446744073709551616}'
bad_json "invalid UTF-8" utf8 '{"name":"a\377\376b"}'
bad_json "empty file" empty ''
bad_json "trailing garbage" trailing '{"name":"a"} x'
expect_eq "the control-character input really holds byte 0x01" "$(od -An -tx1 "$jd/ctrl.json" | grep -c ' 01')" 1
expect_eq "the escaped-control input is the 2 characters backslash n" "$(cat "$jd/ctrlesc.json")" '{"name":"a\nb"}'

echo
echo "== usage errors"
timeout 30 "$PKGNOTE" >/dev/null 2>&1; expect_eq "no arguments: exit 2" "$?" 2
timeout 30 "$PKGNOTE" stamp --no-such-option "$good" >/dev/null 2>&1; expect_eq "unknown option: exit 2" "$?" 2
timeout 30 "$PKGNOTE" stamp "$good" >/dev/null 2>&1; expect_eq "stamp without --json: exit 2" "$?" 2
expect_eq "usage errors left the good binary alone" "$(package_note_count "$good")" 0

tl_finish
