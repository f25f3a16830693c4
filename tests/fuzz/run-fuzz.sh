#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# run-fuzz.sh elf|json FUZZER: run one libFuzzer target for PKGNOTE_FUZZ_TIME
# seconds (default 60) from a seed corpus made here, print how many inputs it
# executed (libFuzzer's stat::number_of_executed_units), and fail on any
# crash, sanitizer report, leak, timeout (10 s for one input) or abort().
#
# Seeds, elf: programs and libraries built now (PIE, non-PIE, shared, with
#   -g and stripped, a linker-made package note, stamped by pkgnote, without
#   section headers, 32-bit and big-endian ones when cross compilers are
#   installed), a sample of tests/hostile/gen-malformed.py's corpus, and
#   tests/fuzz/regressions/elf/.
# Seeds, json: the metadata texts of tests/lib/testlib.sh, valid and invalid
#   texts for every rule of doc/design.md §1, tests/fuzz/regressions/json/.
#
# A crash leaves its input in $BUILD_ROOT/fuzz-artifacts/ (and prints it in
# base64): commit it under tests/fuzz/regressions/KIND/ so that the
# fuzz-regressions test replays it in every build.
set -uo pipefail
: "${SOURCE_ROOT:?}"
kind=${1:?elf or json}
fuzzer=${2:?the fuzzer executable}
. "$SOURCE_ROOT/tests/lib/testlib.sh"
tl_setup

TIME=${PKGNOTE_FUZZ_TIME:-60}
seeds=$WORK/seeds corpus=$WORK/corpus art=$WORK/artifacts/
mkdir -p "$seeds" "$corpus" "$art"

elf_seeds() {
    local d=$WORK/build cc
    mkdir -p "$d"
    gcc -O2 -g -o "$d/pie-g" "$FIXTURES/hello.c"
    gcc -O2 -s -o "$d/pie-s" "$FIXTURES/hello.c"
    gcc -O2 -fno-pie -no-pie -o "$d/nopie" "$FIXTURES/hello.c"
    gcc -O2 -fPIC -shared -Wl,-soname,libgreet.so -I"$FIXTURES" -o "$d/libgreet.so" "$FIXTURES/libgreet.c"
    gcc -O2 -Wl,-z,noseparate-code -o "$d/noseparate" "$FIXTURES/hello.c"
    gcc -O2 -Wl,-z,pack-relative-relocs -o "$d/relr" "$FIXTURES/hello.c" 2>/dev/null
    gcc -O2 -Xlinker "--package-metadata=$JSON_LINK" -o "$d/meta" "$FIXTURES/hello.c" 2>/dev/null
    [[ -x /usr/bin/ld.lld-16 ]] && clang -O2 -fuse-ld=/usr/bin/ld.lld-16 -o "$d/lld" "$FIXTURES/hello.c" 2>/dev/null
    command -v mold >/dev/null && gcc -O2 -fuse-ld=mold -o "$d/mold" "$FIXTURES/hello.c" 2>/dev/null
    for cc in i686-linux-gnu-gcc arm-linux-gnueabihf-gcc aarch64-linux-gnu-gcc powerpc-linux-gnu-gcc \
              powerpc64le-linux-gnu-gcc s390x-linux-gnu-gcc mips-linux-gnu-gcc riscv64-linux-gnu-gcc; do
        command -v "$cc" >/dev/null && "$cc" -O2 -o "$d/${cc%-gcc}" "$FIXTURES/hello.c" 2>/dev/null
    done
    local f
    if [[ -n ${PKGNOTE:-} && -x $PKGNOTE ]]; then
        tl_write_json
        for f in pie-s nopie libgreet.so meta; do
            [[ -f $d/$f ]] && "$PKGNOTE" stamp -q --json "$WORK/json/main.json" -o "$d/$f.stamped" "$d/$f" 2>/dev/null
        done
    fi
    local strip
    strip=$(command -v llvm-objcopy-16 || command -v llvm-objcopy || true)
    [[ -n $strip ]] && "$strip" --strip-sections "$d/pie-s" "$d/noshdr" 2>/dev/null
    for f in "$d"/*; do [[ -f $f && -x $f || $f == *.so* || $f == *.stamped ]] && cp "$f" "$seeds/"; done
    rm -f "$seeds"/*.c
    # A sample of the hostile corpus (every 7th file).
    if python3 "$SOURCE_ROOT/tests/hostile/gen-malformed.py" "$WORK/hostile" pie="$d/pie-s" lib="$d/libgreet.so" >/dev/null 2>&1; then
        local i=0
        while IFS=$'\t' read -r name _; do
            ((i++ % 7 == 0)) && cp "$WORK/hostile/$name"/* "$seeds/hostile-$name"
        done <"$WORK/hostile/MANIFEST.tsv"
        rm -rf "$WORK/hostile"
    fi
    MAXLEN=65536
}

json_seeds() {
    local i=0 t
    while IFS= read -r -d '' t; do
        printf '%s' "$t" >"$seeds/seed-$i.json"; i=$((i + 1))
    done < <(printf '%s\0' "$JSON_MAIN_IN" "$JSON_MAIN" "$JSON_LONG_IN" "$JSON_LONG" "$JSON_SHORT_IN" "$JSON_LINK" \
        '{}' '{"a":[]}' '{"a":{}}' '{"a":[1,2.5,-3e10,true,false,null,"x",{"b":[[]]}]}' \
        '{"n":9007199254740991}' '{"n":-9007199254740991}' '{"n":9007199254740992}' '{"n":1.7976931348623157e308}' \
        '{"n":1e309}' '{"n":-0}' '{"n":0.0}' '{"n":01}' '{"n":.5}' '{"n":1.}' '{"n":-}' \
        '{"s":"caf\u00e9"}' '{"s":"a\"b\\c"}' '{"s":"a\/b"}' '{"s":"tab\tx"}' '{"s":"Zoë Ångström 日本 😀"}' \
        '{"a":1,"a":2}' '{"a":{"k":1,"k":2}}' '{"name":1}' '{"type":null}' '{"version":["1"]}' \
        '[1]' '"s"' '1' 'null' '' ' ' '{' '}' '{"a":' '{"a" 1}' '{"a":1,}' '{,}' '{"a":1} x' \
        $'{"s":"a\x01b"}' $'{"s":"\xff\xfe"}' $'{"s":"\xc0\xaf"}' $'{"s":"\xed\xa0\x80"}' $'{"s":"\xf4\x90\x80\x80"}' \
        $'\xef\xbb\xbf{"a":1}' $'{"a":1}\n' $'  {\n\t"a" :\r\n 1 }  ')
    printf '%s' "{\"k\":\"$(head -c 2030 /dev/zero | tr '\0' x)\"}" >"$seeds/max.json"
    printf '%s' "{\"k\":\"$(head -c 2040 /dev/zero | tr '\0' x)\"}" >"$seeds/over.json"
    printf '%s' "$(for ((i = 0; i < 200; i++)); do printf '['; done)$(for ((i = 0; i < 200; i++)); do printf ']'; done)" >"$seeds/deep.json"
    cat >"$WORK/json.dict" <<'DICT'
"{"
"}"
"["
"]"
":"
","
"\""
"\\"
"\\u0041"
"\\/"
"true"
"false"
"null"
"1e308"
"-0"
"9007199254740993"
"\"name\""
"\"version\""
"\"type\""
"\xc3\xa9"
"\xf0\x9f\x98\x80"
DICT
    MAXLEN=8192
    DICT=(-dict="$WORK/json.dict")
}

DICT=()
case $kind in
    elf) elf_seeds ;;
    json) json_seeds ;;
    *) echo "unknown kind $kind"; exit 2 ;;
esac
regress=$SOURCE_ROOT/tests/fuzz/regressions/$kind
[[ -d $regress ]] && find "$regress" -type f ! -name '.*' ! -name README -exec cp {} "$seeds/" \;
echo "$(basename "$fuzzer"): $(ls "$seeds" | wc -l) seed inputs, fuzzing for $TIME s"

# Fork mode (one worker) with crashes and timeouts ignored: a known bug
# found in the first seconds does not end the run, every distinct finding
# is collected, and the test still fails at the end if there was one.
"$fuzzer" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
    -max_total_time="$TIME" -timeout=5 -rss_limit_mb=2048 -max_len="$MAXLEN" \
    -print_final_stats=1 -artifact_prefix="$art" "${DICT[@]}" "$corpus" "$seeds" >"$WORK/fuzz.log" 2>&1
rc=$?
# libFuzzer's count: stat::number_of_executed_units, or in fork mode the
# total on its last "#N: cov: ..." line.
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$WORK/fuzz.log" | tail -1)
[[ -n $execs ]] || execs=$(sed -n 's/^#\([0-9][0-9]*\): cov:.*/\1/p' "$WORK/fuzz.log" | tail -1)
echo "$(basename "$fuzzer"): ${execs:-?} executions in $TIME s, exit status $rc, $(ls "$corpus" | wc -l) corpus inputs"
grep -E '^#[0-9]+: cov:|^#[0-9]+ +DONE' "$WORK/fuzz.log" | tail -1 | sed 's/^/  /'

found=$(find "$art" -type f | sort)
if ((rc != 0)) || [[ -n $found ]]; then
    echo "FAIL: $(basename "$fuzzer") found a problem (exit $rc)"
    echo "findings: $(find "$art" -type f -printf '%f\n' | sed 's/-.*//' | sort | uniq -c | tr '\n' ' ')"
    # The first report in full (a fork worker's log is copied into ours).
    grep -E -m1 -A40 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer|UndefinedBehaviorSanitizer)|runtime error:|==[0-9]+==ERROR|fuzz_json:|ALARM' "$WORK/fuzz.log" | head -60
    if [[ -n $found ]]; then
        keep=${BUILD_ROOT:-$WORK}/fuzz-artifacts
        mkdir -p "$keep"
        for f in $found; do
            cp "$f" "$keep/"
            echo "artifact: $keep/$(basename "$f") ($(stat -c %s "$f") bytes); commit it as tests/fuzz/regressions/$kind/NAME"
            (($(stat -c %s "$f") <= 4096)) && { echo "base64:"; base64 -w 76 "$f"; }
        done
    fi
    exit 1
fi
((${execs:-0} > 0)) || { echo "FAIL: no executions counted"; tail -20 "$WORK/fuzz.log"; exit 1; }
echo "ok: no crash in ${execs} executions"
exit 0
