#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Hostile input: pkgnote stamp and pkgnote show on a corpus of malformed ELF
# files (tests/hostile/gen-malformed.py, made at test time from fixtures built
# here) and on special files.  For every input, every run is under timeout:
#   - no hang, no crash (exit < 128);
#   - stamp refuses with a documented code (pkgnote --help: 2..7, and per case
#     the codes gen-malformed.py's manifest allows), exactly one stderr line
#     "pkgnote: FILE: reason", the input byte-identical (sha256, mtime, inode,
#     mode) and its directory's listing unchanged (no .NAME.pkgnote-* left);
#   - or, for the few cases the manifest marks as harmless ("accept") or
#     arguable ("either"), stamp succeeds and the result passes check_page1,
#     carries exactly the JSON in a PT_NOTE, `pkgnote show --json` reads it
#     back, and it runs as the original fixture ("accept") or as the malformed
#     input itself ("either") does.  Which cases may be stamped, and why, is
#     decided per case in gen-malformed.py.
#   - show: a documented code (0, 1, 4, 6), one stderr line naming the file
#     when it fails, the file unchanged.
# Special files: zero-byte file, directory, FIFO (pkgnote opens with
# O_NONBLOCK: must not hang), /dev/zero, a socket, a symlink to a good file
# (refused without --follow-symlinks; the link and its target unchanged), a
# dangling symlink, a symlink to /dev/zero with --follow-symlinks.
# Prints how many malformed inputs were tried.
#
# Environment: PKGNOTE, SOURCE_ROOT (meson sets them); HOSTILE_ONLY=REGEX to
# run only the corpus cases whose name matches; KEEP_WORK=1 keeps the corpus.
set -uo pipefail
: "${SOURCE_ROOT:?}"
. "$SOURCE_ROOT/tests/lib/testlib.sh"

tl_begin
command -v python3 >/dev/null || { echo "python3 is needed to generate the corpus"; exit 77; }

J=$WORK/json/short.json
WANT=$JSON_SHORT
# About 2000 bytes: no room in page 1 of the fixtures, so the planner tries
# moving sections and a new first page before it gives up.
WANT_HUGE="{\"type\":\"deb\",\"name\":\"huge\",\"description\":\"$(printf '%01960d' 0 | tr 0 x)\"}"
J_HUGE=$WORK/json/huge.json
printf '%s\n' "$WANT_HUGE" >"$J_HUGE"
TMO=10          # seconds for one pkgnote run (a hang costs this much)
TRIED=0         # malformed inputs tried
STAMPED=0       # of those, stamped (accept/either)
VERIFY7=()      # refused only by the engine's final verification (exit 7)

# fingerprint FILE: what must not change when FILE is refused.
fingerprint() {
    echo "$(sha256sum <"$1" | cut -d' ' -f1) $(stat -c '%i %s %a %Y.%y' -- "$1")"
}

# one_line_about NAMES ERRFILE: is ERRFILE exactly one line "pkgnote: NAME:
# reason" for one of NAMES (|-separated)?  Prints the problem when not.
one_line_about() {
    local names=$1 errf=$2 n line name
    n=$(wc -l <"$errf")
    [[ -s $errf && $(tail -c1 "$errf" | od -An -tx1 | tr -d ' ') != 0a ]] && n=$((n + 1))
    if ((n != 1)); then echo "$n stderr lines (want 1): $(head -c 600 "$errf" | tr '\n' '|')"; return 1; fi
    line=$(cat "$errf")
    IFS='|' read -r -a n <<<"$names"
    for name in "${n[@]}"; do
        [[ $line == "pkgnote: $name: "?* ]] && return 0
    done
    echo "stderr line does not read 'pkgnote: ${names//|/ or }: reason': $line"
    return 1
}

# status_problem RC: a crash or hang, or empty.
status_problem() {
    local rc=$1
    if ((rc == 124 || rc == 137)); then echo "hung (killed by timeout after ${TMO}s)"
    elif ((rc >= 128)); then echo "crashed (exit $rc: signal $((rc - 128)))"
    fi
}

# in_list VALUE "a,b,c"
in_list() { [[ ",$2," == *",$1,"* ]]; }

# run_it LABEL KIND FILE: run a program (or, for a library, its runner with
# LD_LIBRARY_PATH set to the library's directory; a foreign program under
# qemu-user); print output and status.
declare -A RUNPFX REF
run_it() {
    local label=$1 kind=$2 file=$3 rc
    # bash's exec, not timeout's execvp: a file the kernel will not run
    # (ENOEXEC) is reported, not handed to /bin/sh as a script.
    if [[ -n ${RUNPFX[$label]:-} ]]; then
        # shellcheck disable=SC2086
        timeout 10 ${RUNPFX[$label]} "$file" 2>&1
    elif [[ $kind == lib ]]; then
        LD_LIBRARY_PATH=$(dirname -- "$file") timeout 10 "$RUNNER" 2>&1
    else
        timeout 10 bash -c 'exec "$0"' "$file" 2>&1
    fi
    rc=$?
    echo "[exit $rc]"
}

# check_show LABEL FILE: pkgnote show on FILE.
check_show() {
    local label=$1 file=$2 before rc p=() msg
    before=$(fingerprint "$file")
    timeout -k 5 "$TMO" "$PKGNOTE" show "$file" >"$WORK/show.out" 2>"$WORK/show.err"
    rc=$?
    msg=$(status_problem "$rc") && [[ -n $msg ]] && p+=("show $msg")
    if [[ -z $msg ]]; then
        if ! in_list "$rc" 0,1,4,6; then p+=("show: exit $rc is not one show documents (0, 1, 4, 6)"); fi
        if ((rc != 0)); then
            msg=$(one_line_about "$file" "$WORK/show.err") || p+=("show: $msg")
        elif [[ ! -s $WORK/show.out ]]; then
            p+=("show: exit 0 but nothing printed")
        fi
    fi
    [[ $(fingerprint "$file") == "$before" ]] || p+=("show changed the file")
    if ((${#p[@]})); then fail "$label: show: $(IFS=';'; echo "${p[*]}")"; return 1; fi
    return 0
}

# check_case NAME LABEL EXPECT CODES WHAT JSON
check_case() {
    local name=$1 label=$2 expect=$3 codes=$4 what=$5 json=${6:-short}
    local dir=$CORPUS/$name file kind before listing rc p=() msg err
    local J=$J WANT=$WANT
    [[ $json == huge ]] && J=$J_HUGE WANT=$WANT_HUGE
    file=$(find "$dir" -mindepth 1 -maxdepth 1 -type f | head -1)
    kind=prog; [[ $label == lib* ]] && kind=lib
    TRIED=$((TRIED + 1))

    check_show "$name" "$file" || true

    # How the malformed input runs, at the same path, for the cases that
    # may be stamped.
    local input_run=
    [[ $expect == either ]] && input_run=$(run_it "$label" "$kind" "$file")
    before=$(fingerprint "$file")
    listing=$(ls -A "$dir")
    timeout -k 5 "$TMO" "$PKGNOTE" stamp --json "$J" "$file" >"$WORK/out" 2>"$WORK/err"
    rc=$?
    err=$(head -c 300 "$WORK/err" | tr '\n' '|')
    msg=$(status_problem "$rc")
    if [[ -n $msg ]]; then
        fail "$name: stamp $msg ($what)"
        return
    fi
    [[ $(ls -A "$dir") == "$listing" ]] || p+=("directory listing changed: $(ls -A "$dir" | tr '\n' ' ')")

    if ((rc != 0)); then
        local allowed=$codes
        [[ $expect == either ]] && allowed+=",4,5,7"
        if [[ $expect == accept ]]; then
            p+=("refused (exit $rc: $err) but this corruption is harmless: it must be stamped")
        elif ! in_list "$rc" "$allowed"; then
            p+=("exit $rc, want one of $allowed$([[ $expect == either ]] && echo ' or 0') ($err)")
        fi
        msg=$(one_line_about "$file" "$WORK/err") || p+=("$msg")
        [[ $(fingerprint "$file") == "$before" ]] || p+=("the refused input changed (sha256/inode/mtime/mode)")
        ((rc == 7)) && VERIFY7+=("$name: $err")
        if ((${#p[@]})); then fail "$name: $(IFS=';'; echo "${p[*]}") [$what]"
        else pass "$name: refused, exit $rc [$what]"; fi
        return
    fi

    # Stamped.
    STAMPED=$((STAMPED + 1))
    if [[ $expect == refuse ]]; then
        fail "$name: stamped (exit 0), but this input must be refused with exit $codes [$what]"
        return
    fi
    [[ -s $WORK/err ]] && p+=("exit 0 with stderr: $err")
    msg=$(check_page1 "$file" 2>&1) || p+=("check_page1: $(tr '\n' '|' <<<"$msg")")
    local got
    got=$(segment_note_json "$file")
    [[ $got == "$WANT" ]] || p+=("the PT_NOTE walk finds '$got', want '$WANT'")
    got=$(timeout -k 5 "$TMO" "$PKGNOTE" show --json "$file" 2>&1)
    [[ $got == "$WANT" ]] || p+=("pkgnote show --json says '$got'")
    # An accepted file runs as the clean fixture; an "either" file as the
    # malformed input did, or as the clean fixture (pkgnote rewrote the
    # odd part, e.g. PN_XNUM, into its normal form).
    local ref_run=${REF[$label]} got_run
    got_run=$(run_it "$label" "$kind" "$file")
    # qemu-user, unlike the kernel, reads the section headers (for symbols):
    # with e_shoff 0 and e_shnum kept it parses the ELF and program headers
    # as section headers, and qemu-s390x 7.2 itself crashes on some of them.
    # Check such a file with e_shnum cleared, as the kernel would see it.
    if [[ -n ${RUNPFX[$label]:-} && $name == *--shoff-zero* && $got_run != "$ref_run" ]]; then
        cp -p "$file" "$WORK/qemu-view"
        printf '\0\0' | dd of="$WORK/qemu-view" bs=1 seek="$([[ $(od -An -tu1 -j4 -N1 "$file" | tr -d ' ') == 1 ]] && echo 48 || echo 60)" conv=notrunc status=none
        got_run=$(run_it "$label" "$kind" "$WORK/qemu-view" | sed "s|$WORK/qemu-view|$file|g")
    fi
    if [[ $got_run != "$ref_run" && ( $expect == accept || $got_run != "$input_run" ) ]]; then
        p+=("runs differently: got '$(tr '\n' '|' <<<"$got_run")', want '$(tr '\n' '|' <<<"$ref_run")'$([[ $expect == either ]] && echo " or, as the input did, '$(tr '\n' '|' <<<"$input_run")'")")
    fi
    if ((${#p[@]})); then fail "$name: stamped, but: $(IFS=';'; echo "${p[*]}") [$what]"
    else pass "$name: stamped ($expect), check_page1, JSON, runs as it did [$what]"; fi
}

# check_special LABEL WANT_CODES PATH [STAMP OPTIONS...]: stamp and show on a
# non-ELF or special PATH; PATH (and what it points at) must not change.
check_special() {
    local label=$1 codes=$2 path=$3 rc p=() msg before after
    shift 3
    TRIED=$((TRIED + 1))
    before=$(stat -L -c '%F %i %s %Y' -- "$path" 2>/dev/null; stat -c '%F %i %Y' -- "$path" 2>/dev/null)
    local dir listing
    dir=$(dirname -- "$path")
    listing=$(ls -A "$dir")
    timeout -k 5 "$TMO" "$PKGNOTE" stamp --json "$J" "$@" "$path" >"$WORK/out" 2>"$WORK/err"
    rc=$?
    msg=$(status_problem "$rc")
    if [[ -n $msg ]]; then
        p+=("stamp $msg")
    else
        ((rc == 0)) && p+=("stamp succeeded")
        ((rc != 0)) && ! in_list "$rc" "$codes" && p+=("stamp: exit $rc, want one of $codes")
        msg=$(one_line_about "$path|$(readlink -f -- "$path")" "$WORK/err") || p+=("stamp: $msg")
    fi
    [[ $(ls -A "$dir") == "$listing" ]] || p+=("$dir/ listing changed")
    after=$(stat -L -c '%F %i %s %Y' -- "$path" 2>/dev/null; stat -c '%F %i %Y' -- "$path" 2>/dev/null)
    [[ $after == "$before" ]] || p+=("$path changed: '$before' -> '$after'")
    if ((${#p[@]})); then fail "$label: $(IFS=';'; echo "${p[*]}")"
    else pass "$label: stamp refused, exit $rc: $(cat "$WORK/err")"; fi
    # show
    p=()
    timeout -k 5 "$TMO" "$PKGNOTE" show "$path" >"$WORK/out" 2>"$WORK/err"
    rc=$?
    msg=$(status_problem "$rc")
    if [[ -n $msg ]]; then
        p+=("show $msg")
    elif ((rc != 0)); then
        in_list "$rc" 1,4,6 || p+=("show: exit $rc, want 1, 4 or 6")
        msg=$(one_line_about "$path|$(readlink -f -- "$path")" "$WORK/err") || p+=("show: $msg")
    fi
    after=$(stat -L -c '%F %i %s %Y' -- "$path" 2>/dev/null; stat -c '%F %i %Y' -- "$path" 2>/dev/null)
    [[ $after == "$before" ]] || p+=("show changed $path")
    if ((${#p[@]})); then fail "$label: $(IFS=';'; echo "${p[*]}")"
    else pass "$label: show exit $rc$( ((rc)) && echo ": $(cat "$WORK/err")")"; fi
}

# -- fixtures -----------------------------------------------------------------
echo "== fixtures"
FX=$WORK/fx
mkdir -p "$FX"
build() { local out; out=$("$@" 2>&1) || { fail "fixture: $* failed: $out"; tl_finish; }; }
mkdir -p "$FX/pie" "$FX/nopie" "$FX/lib"
build gcc -O2 -g -fPIE -pie -o "$FX/pie/hello" "$FIXTURES/hello.c"
build gcc -O2 -g -fno-pie -no-pie -o "$FX/nopie/hello" "$FIXTURES/hello.c"
build gcc -O2 -g -fPIC -shared -Wl,-soname,libgreet.so -I"$FIXTURES" -o "$FX/lib/libgreet.so" "$FIXTURES/libgreet.c"
build gcc -O2 -I"$FIXTURES" -o "$FX/greet-main" "$FIXTURES/greet-main.c" -L"$FX/lib" -lgreet
RUNNER=$FX/greet-main
candidates=(pie="$FX/pie/hello" nopie="$FX/nopie/hello" lib="$FX/lib/libgreet.so")
# A linker-made package note (GNU ld 2.39+), for the corrupt-package-note cases.
mkdir -p "$FX/meta"
if gcc -O2 -g -o "$FX/meta/hello" -Xlinker "--package-metadata=$JSON_LINK" "$FIXTURES/hello.c" 2>/dev/null; then
    candidates+=(meta="$FX/meta/hello")
else
    skip "fixture meta: this GNU ld has no --package-metadata (no corrupt-package-note cases)"
fi
# No section headers: pkgnote finds movable blocks through the dynamic table.
objcopy_sections=$(command -v llvm-objcopy-16 || command -v llvm-objcopy || true)
if [[ -n $objcopy_sections ]]; then
    mkdir -p "$FX/noshdr" "$FX/noshdr-nopie"
    build "$objcopy_sections" --strip-sections "$FX/pie/hello" "$FX/noshdr/hello"
    build "$objcopy_sections" --strip-sections "$FX/nopie/hello" "$FX/noshdr-nopie/hello"
    candidates+=(noshdr="$FX/noshdr/hello" noshdr-nopie="$FX/noshdr-nopie/hello")
else
    skip "fixtures noshdr, noshdr-nopie: no llvm-objcopy to strip section headers"
fi
# Foreign byte order and class, run under qemu-user: ELF32 LSB (i686),
# ELF32 MSB (powerpc), ELF64 MSB (s390x).  Their truncations are left out
# (they do not depend on class or byte order).
foreign=()
for spec in x86-32:i686-linux-gnu:i386 ppc32:powerpc-linux-gnu:ppc s390x:s390x-linux-gnu:s390x; do
    IFS=: read -r label triplet qemu <<<"$spec"
    if command -v "$triplet-gcc" >/dev/null && command -v "qemu-$qemu" >/dev/null && [[ -d /usr/$triplet ]] &&
       mkdir -p "$FX/$label" && "$triplet-gcc" -O2 -g -o "$FX/$label/hello" "$FIXTURES/hello.c" 2>/dev/null; then
        RUNPFX[$label]="qemu-$qemu -L /usr/$triplet"
        candidates+=("$label=$FX/$label/hello")
        foreign+=("$label")
    else
        skip "fixture $label: no $triplet-gcc, qemu-$qemu or /usr/$triplet"
    fi
done
EXPECT_RUN="hello from the pkgnote fixture
[exit 0]"
EXPECT_RUN_LIB="Hello, world! (ctor ran)
libgreet probe ok
[exit 0]"
# Every fixture must stamp cleanly (and still run) before it is corrupted;
# one that does not is an engine bug on valid input, and no corpus is made
# from it (its corrupted copies would only repeat that failure).
fixtures=()
for f in "${candidates[@]}"; do
    label=${f%%=*} src=${f#*=}
    kind=prog; [[ $label == lib* ]] && kind=lib
    REF[$label]=$(run_it "$label" "$kind" "$src")
    want=$EXPECT_RUN; [[ $kind == lib ]] && want=$EXPECT_RUN_LIB
    expect_eq "fixture $label runs" "${REF[$label]}" "$want"
    mkdir -p "$WORK/fxcheck"; cp -p "$src" "$WORK/fxcheck/"
    chk=$WORK/fxcheck/$(basename "$src")
    p=()
    err=$(timeout -k 5 "$TMO" "$PKGNOTE" stamp -q --json "$J" "$chk" 2>&1) || p+=("stamp failed: $err")
    if ((${#p[@]} == 0)); then
        msg=$(check_page1 "$chk" 2>&1) || p+=("check_page1: $msg")
        [[ $(segment_note_json "$chk") == "$WANT" ]] || p+=("the PT_NOTE walk does not find the JSON")
        got=$(run_it "$label" "$kind" "$chk")
        [[ $got == "${REF[$label]}" ]] || p+=("the stamped fixture runs differently: $(tr '\n' '|' <<<"$got") (the unstamped one: $(tr '\n' '|' <<<"${REF[$label]}"))")
    fi
    if ((${#p[@]})); then
        fail "fixture $label ($(basename "$src"), valid input) does not stamp cleanly with $WANT: $(IFS=';'; echo "${p[*]}"); no corpus made from it"
    else
        pass "fixture $label stamps cleanly and still runs"
        fixtures+=("$f")
    fi
    rm -rf "$WORK/fxcheck"
done

# -- the corpus -----------------------------------------------------------------
CORPUS=$WORK/corpus
echo
echo "== generating the corpus"
if ! python3 "$SOURCE_ROOT/tests/hostile/gen-malformed.py" --no-truncations="$(IFS=,; echo "${foreign[*]}")" \
        "$CORPUS" "${fixtures[@]}"; then
    fail "gen-malformed.py failed"
    tl_finish
fi

echo
echo "== malformed files: pkgnote show, then pkgnote stamp"
while IFS=$'\t' read -r name label expect codes what json; do
    [[ -n ${HOSTILE_ONLY:-} && ! $name =~ $HOSTILE_ONLY ]] && continue
    check_case "$name" "$label" "$expect" "$codes" "$what" "$json"
done <"$CORPUS/MANIFEST.tsv"

# -- special files ----------------------------------------------------------------
echo
echo "== special files"
S=$WORK/special
mkdir -p "$S/adir"
: >"$S/empty"
check_special "zero-byte file" 4 "$S/empty"
check_special "directory (without -r)" 2,4,6 "$S/adir"
mkfifo "$S/fifo"
check_special "FIFO with no writer (must not block)" 4,6 "$S/fifo"
# A FIFO with a writer that never writes: opening does not block, nor may reading.
( exec 3>"$S/fifo"; sleep 60 ) &
writer=$!
check_special "FIFO with an idle writer" 4,6 "$S/fifo"
kill "$writer" 2>/dev/null; wait "$writer" 2>/dev/null
check_special "/dev/zero" 4,6 /dev/zero
[[ -z $(find /dev -maxdepth 1 -name '.zero.pkgnote-*' 2>/dev/null) ]] && pass "/dev/zero: no temporary file in /dev" ||
    fail "/dev/zero: a temporary file was left in /dev"
if python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$S/socket" 2>/dev/null; then
    check_special "UNIX socket" 4,6 "$S/socket"
else
    skip "UNIX socket: cannot create one here"
fi
cp -p "$FX/prog/hello" "$S/good"
ln -s good "$S/link"
target_before=$(fingerprint "$S/good")
check_special "symlink to a good file, without --follow-symlinks" 2,4,6 "$S/link"
expect_eq "symlink: the target is untouched" "$(fingerprint "$S/good")" "$target_before"
[[ -L $S/link && $(readlink "$S/link") == good ]] && pass "symlink: still a link to good" || fail "symlink: the link was replaced"
ln -s no-such-file "$S/dangling"
check_special "dangling symlink" 2,4,6 "$S/dangling"
ln -s /dev/zero "$S/zero-link"
check_special "symlink to /dev/zero, with --follow-symlinks" 4,6 "$S/zero-link" --follow-symlinks
[[ -z $(find "$S" /dev -maxdepth 1 -name '.*.pkgnote-*' 2>/dev/null) ]] && pass "special files: no temporary file left" ||
    fail "special files: temporary files left: $(find "$S" /dev -maxdepth 1 -name '.*.pkgnote-*')"

# -- summary ------------------------------------------------------------------------
echo
if ((${#VERIFY7[@]})); then
    echo "refused only by the final verification (exit 7: the input passed the engine's checks):"
    printf '  %s\n' "${VERIFY7[@]}" | head -20
    ((${#VERIFY7[@]} > 20)) && echo "  ... and $((${#VERIFY7[@]} - 20)) more"
fi
echo "malformed inputs tried: $TRIED ($(wc -l <"$CORPUS/MANIFEST.tsv") generated files, $((TRIED - $(wc -l <"$CORPUS/MANIFEST.tsv"))) special files; $STAMPED stamped, ${#VERIFY7[@]} refused by verification)"
tl_finish
