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
# The corpus cases run in chunks, in the order of a seed, within a time
# budget (tests/lib/budget.sh): a slow machine covers fewer of them, and the
# log says how many; the special files always run.
#
# Environment: PKGNOTE, SOURCE_ROOT (meson sets them); HOSTILE_ONLY=REGEX to
# run only the corpus cases whose name matches; KEEP_WORK=1 keeps the corpus;
# PKGNOTE_SUITE_BUDGET, PKGNOTE_SEED, PKGNOTE_FULL (tests/lib/budget.sh).
set -uo pipefail
: "${SOURCE_ROOT:?}"
. "$SOURCE_ROOT/tests/lib/testlib.sh"

tl_begin
. "$SOURCE_ROOT/tests/lib/budget.sh"
# A budget of 1.5 times the others' in CI (.ci/run): this suite is the one
# that exercises most of the engine's refusal paths.
bu_begin malformed 900 150
command -v python3 >/dev/null || { echo "python3 is needed to generate the corpus"; exit 77; }

J=$WORK/json/short.json
WANT=$JSON_SHORT
# About 2000 bytes: no room in page 1 of the fixtures, so the planner tries
# moving sections and a new first page before it gives up.
WANT_HUGE="{\"type\":\"deb\",\"name\":\"huge\",\"description\":\"$(printf '%01960d' 0 | tr 0 x)\"}"
J_HUGE=$WORK/json/huge.json
printf '%s\n' "$WANT_HUGE" >"$J_HUGE"
TMO=10          # seconds for one pkgnote run (a hang costs this much)
CHUNK=32        # cases run, then judged, together
JOBS=$(nproc)   # pkgnote runs at a time (each file still has its own)
RUN_EACH=$SOURCE_ROOT/tests/hostile/run-each.sh
TRIED=0         # malformed inputs tried
STAMPED=0       # of those, stamped (accept/either)
VERIFY7=()      # refused only by the engine's final verification (exit 7)

# fingerprint FILE: what must not change when FILE is refused.
fingerprint() {
    echo "$(sha256sum <"$1" | cut -d' ' -f1) $(stat -c '%i %s %a %Y.%y' -- "$1")"
}

# fp_bulk ARRAY FILE...: ARRAY[FILE] is FILE's fingerprint (as above), for
# many files with two processes.
fp_bulk() {
    local -n fp_=$1
    shift
    local h f st
    fp_=()
    while read -r h f; do fp_[$f]=$h; done < <(sha256sum -- "$@")
    while IFS=$'\t' read -r f st; do fp_[$f]+=" $st"; done < <(stat -c $'%n\t%i %s %a %Y.%y' -- "$@")
}

# listing_bulk ARRAY DIR...: ARRAY[DIR] is DIR's listing (names, sorted).
listing_bulk() {
    local -n ls_=$1
    shift
    local d n
    ls_=()
    for d in "$@"; do ls_[$d]=; done
    while IFS=$'\t' read -r d n; do ls_[$d]+="$n "; done < <(find "$@" -mindepth 1 -maxdepth 1 -printf '%h\t%f\n' | LC_ALL=C sort)
}

# head_line FILE: the first 300 bytes of FILE, newlines as |, in ERR.
head_line() {
    ERR=
    IFS= read -r -d '' -n 300 ERR <"$1"
    ERR=${ERR//$'\n'/|}
}

# one_line_about NAMES ERRFILE: is ERRFILE exactly one line "pkgnote: NAME:
# reason" for one of NAMES (|-separated)?  The problem is in OLA when not
# (a variable, not output: no subshell per file).
one_line_about() {
    local names=$1 errf=$2 lines=() line name
    OLA=
    mapfile -t lines <"$errf"
    if ((${#lines[@]} != 1)); then OLA="${#lines[@]} stderr lines (want 1): $(head -c 600 "$errf" | tr '\n' '|')"; return 1; fi
    line=${lines[0]}
    IFS='|' read -r -a lines <<<"$names"
    for name in "${lines[@]}"; do
        [[ $line == "pkgnote: $name: "?* ]] && return 0
    done
    OLA="stderr line does not read 'pkgnote: ${names//|/ or }: reason': $line"
    return 1
}

# status_problem RC: MSG says a crash or hang, or is empty.
status_problem() {
    local rc=$1
    MSG=
    if ((rc < 0)); then MSG="gave no status (its runner, run-each.sh, ended early)"
    elif ((rc == 124 || rc == 137)); then MSG="hung (killed by timeout after ${TMO}s)"
    elif ((rc >= 128)); then MSG="crashed (exit $rc: signal $((rc - 128)))"
    fi
}

# in_list VALUE "a,b,c"
in_list() { [[ ",$2," == *",$1,"* ]]; }

# run_it LABEL KIND FILE: run a program (or, for a library, its runner with
# LD_LIBRARY_PATH set to the library's directory; a foreign program under
# qemu-user); print output and status.
declare -A RUNPFX REF BASE
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

# The corpus is checked in chunks of cases: for a chunk, the fingerprints
# of its files (FP0), pkgnote show on each, the fingerprints again (FP1),
# pkgnote stamp on each, the fingerprints and directory listings once more
# (FP2, LS2; LS0 before); then each case is judged from what was kept.
# Every pkgnote run is one process per file, so that its exit code, its
# stderr and a crash belong to that file alone (with several files pkgnote
# exits with the highest status and names no file's own), and these run as
# many at a time as there are CPUs.  The checks around the runs cost a few
# processes per chunk instead of a few dozen per file: fingerprints and
# listings, and for the files stamped check_page1, the PT_NOTE walk and
# `pkgnote show --json` of them all at once.
#
# In a sanitizer build most of a run's time is LeakSanitizer's scan at
# exit.  The per-file runs go without it, and each chunk is screened for
# leaks (and any other sanitizer report) by one `show` of all its files and
# one `stamp` of pristine copies of them, with it: only when that reports
# something are the chunk's files run one by one with it, to name the file.
declare -A FP0 FP1 FP2 LS0 LS2 SHOW_RC STAMP_RC INPUT_RUN
R=$WORK/runs
SANITIZED=0
PER_FILE_ASAN=${ASAN_OPTIONS:-}
if tl_sanitized; then
    SANITIZED=1
    PER_FILE_ASAN=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
fi

# run_each show|stamp LINE...: pkgnote show, or pkgnote stamp, on the files
# of these manifest lines, one process per file (tests/hostile/run-each.sh),
# as many at a time as there are CPUs; the statuses go to SHOW_RC or
# STAMP_RC, outputs to $R for judge_case.
run_each() {
    local mode=$1 line name label expect codes what json j recs=() st
    shift
    for line in "$@"; do
        IFS=$'\t' read -r name label expect codes what json <<<"$line"
        j=$J
        [[ $json == huge ]] && j=$J_HUGE
        recs+=("$name"$'\t'"$CORPUS/$name/${BASE[$label]}"$'\t'"$j")
    done
    local target=STAMP_RC
    [[ $mode == show ]] && target=SHOW_RC
    local -n st_=$target
    for line in "${recs[@]}"; do st_[${line%%$'\t'*}]=-1; done
    printf '%s\n' "${recs[@]}" |
        ASAN_OPTIONS=$PER_FILE_ASAN PKGNOTE=$PKGNOTE TMO=$TMO R=$R \
        xargs -d '\n' -n 4 -P "$JOBS" "$RUN_EACH" "$mode" >"$R/status"
    while read -r name st; do st_[$name]=$st; done <"$R/status"
}

# judge_show NAME FILE: what pkgnote show did to the case's file.
judge_show() {
    local name=$1 file=$2 rc=${SHOW_RC[$1]} p=() msg
    status_problem "$rc"
    [[ -n $MSG ]] && p+=("show $MSG")
    if [[ -z $MSG ]]; then
        if ! in_list "$rc" 0,1,4,6; then p+=("show: exit $rc is not one show documents (0, 1, 4, 6)"); fi
        if ((rc != 0)); then
            one_line_about "$file" "$R/$name.show.err" || p+=("show: $OLA")
        elif [[ ! -s $R/$name.show.out ]]; then
            p+=("show: exit 0 but nothing printed")
        fi
    fi
    [[ ${FP1[$file]} == "${FP0[$file]}" ]] || p+=("show changed the file")
    if ((${#p[@]})); then fail "$name: show: $(IFS=';'; echo "${p[*]}")"; return 1; fi
    return 0
}

# judge_case NAME LABEL EXPECT CODES WHAT JSON
judge_case() {
    local name=$1 label=$2 expect=$3 codes=$4 what=$5 json=${6:-short}
    local dir=$CORPUS/$1 file=$CORPUS/$1/${BASE[$2]} kind=prog rc=${STAMP_RC[$1]} p=() msg err
    local WANT=$WANT
    [[ $json == huge ]] && WANT=$WANT_HUGE
    [[ $label == lib* ]] && kind=lib
    TRIED=$((TRIED + 1))

    judge_show "$name" "$file" || true

    head_line "$R/$name.err"
    err=$ERR
    status_problem "$rc"
    if [[ -n $MSG ]]; then
        fail "$name: stamp $MSG ($what)"
        return
    fi
    [[ ${LS2[$dir]} == "${LS0[$dir]}" ]] || p+=("directory listing changed: ${LS2[$dir]}")

    if ((rc != 0)); then
        local allowed=$codes
        [[ $expect == either ]] && allowed+=",4,5,7"
        if [[ $expect == accept ]]; then
            p+=("refused (exit $rc: $err) but this corruption is harmless: it must be stamped")
        elif ! in_list "$rc" "$allowed"; then
            p+=("exit $rc, want one of $allowed$([[ $expect == either ]] && echo ' or 0') ($err)")
        fi
        one_line_about "$file" "$R/$name.err" || p+=("$OLA")
        [[ ${FP2[$file]} == "${FP1[$file]}" ]] || p+=("the refused input changed (sha256/inode/mtime/mode)")
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
    [[ -s $R/$name.err ]] && p+=("exit 0 with stderr: $err")
    # The oracles' verdicts, taken for the chunk's stamped files at once.
    [[ -z ${PAGE1[$file]} ]] || p+=("check_page1: ${PAGE1[$file]}")
    local got=${SEGJ[$file]:-}
    [[ $got == "$WANT" ]] || p+=("the PT_NOTE walk finds '$got', want '$WANT'")
    got=${SHOWJ[$file]:-}
    [[ $got == "$WANT" ]] || p+=("pkgnote show --json says '$got'")
    # An accepted file runs as the clean fixture; an "either" file as the
    # malformed input did, or as the clean fixture (pkgnote rewrote the
    # odd part, e.g. PN_XNUM, into its normal form).
    local ref_run=${REF[$label]} got_run input_run=${INPUT_RUN[$name]:-}
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

# oracle_stamped FILE...: for the chunk's stamped files, with a few
# processes for all of them: PAGE1[FILE] is what check_page1 finds wrong
# (empty when nothing), SEGJ[FILE] the JSON the PT_NOTE walk finds
# (tests/lib/checks.sh), SHOWJ[FILE] what `pkgnote show --json` prints for
# it, its stderr included (one run for all the files: a file's lines are
# those that name it).
declare -A PAGE1 SEGJ SHOWJ
oracle_stamped() {
    local f line json rc
    PAGE1=() SEGJ=() SHOWJ=()
    (($#)) || return 0
    for f in "$@"; do PAGE1[$f]=; done
    # check_page1_many's lines are check_page1's own ("check_page1: FILE:
    # reason"), each file's joined with '|'.
    if ! check_page1_many "$@" >"$R/page1"; then
        while IFS= read -r line; do
            for f in "$@"; do
                [[ $line == "check_page1: $f: "* ]] && { PAGE1[$f]+=$line'|'; break; }
            done
        done <"$R/page1"
    fi
    while IFS=$'\t' read -r f json; do SEGJ[$f]+=${SEGJ[$f]:+$'\n'}$json; done < <(segment_note_json_many "$@")
    ASAN_OPTIONS=$PER_FILE_ASAN timeout -k 5 $((TMO * 4)) "$PKGNOTE" show --json "$@" >"$R/showj.out" 2>"$R/showj.err"
    rc=$?
    # One file: no "FILE: " before its line.
    (($# == 1)) && sed -i "s|^|$1: |" "$R/showj.out"
    for f in "$@"; do
        while IFS= read -r line; do
            [[ $line == "$f: "* ]] && SHOWJ[$f]+=${SHOWJ[$f]:+$'\n'}${line#"$f: "}
        done <"$R/showj.out"
        while IFS= read -r line; do
            [[ $line == "pkgnote: $f: "* ]] && SHOWJ[$f]+=${SHOWJ[$f]:+$'\n'}$line
        done <"$R/showj.err"
    done
    status_problem "$rc"
    if [[ -n $MSG || -n $(grep -v '^pkgnote: ' "$R/showj.err") ]]; then
        for f in "$@"; do SHOWJ[$f]+=" (the run for the chunk's stamped files: exit $rc, ${MSG:-stderr} $(head -c 300 "$R/showj.err" | tr '\n' '|'))"; done
    fi
}

# sanitizer_lines ERRFILE: the lines of ERRFILE that are not pkgnote's own
# ("pkgnote: ..."): a sanitizer's report.
sanitizer_lines() {
    grep -v '^pkgnote: ' "$1" | head -n 12
}

# leak_screen LINE...: in a sanitizer build, one `show` of the chunk's files
# and one `stamp` (per JSON) of their pristine copies in $R/copy, with
# LeakSanitizer: no crash, nothing but pkgnote's own lines on stderr.
# When they report something, each file is run alone to name it.
leak_screen() {
    local line name label expect codes what json rc files=() short=() huge=() bad=() f
    for line in "$@"; do
        IFS=$'\t' read -r name label expect codes what json <<<"$line"
        files+=("$CORPUS/$name/${BASE[$label]}")
        if [[ $json == huge ]]; then huge+=("$R/copy/$name/${BASE[$label]}")
        else short+=("$R/copy/$name/${BASE[$label]}"); fi
    done
    timeout -k 5 300 "$PKGNOTE" show "${files[@]}" >/dev/null 2>"$R/screen.show"
    rc=$?
    { ((rc >= 128)) || [[ -n $(sanitizer_lines "$R/screen.show") ]]; } && bad+=("show: exit $rc")
    : >"$R/screen.short"; : >"$R/screen.huge"
    ((${#short[@]})) && timeout -k 5 300 "$PKGNOTE" stamp -q -j 1 --json "$J" "${short[@]}" >/dev/null 2>"$R/screen.short"
    rc=$?
    { ((rc >= 128)) || [[ -n $(sanitizer_lines "$R/screen.short") ]]; } && bad+=("stamp: exit $rc")
    ((${#huge[@]})) && timeout -k 5 300 "$PKGNOTE" stamp -q -j 1 --json "$J_HUGE" "${huge[@]}" >/dev/null 2>"$R/screen.huge"
    rc=$?
    { ((rc >= 128)) || [[ -n $(sanitizer_lines "$R/screen.huge") ]]; } && bad+=("stamp (huge JSON): exit $rc")
    cat "$R/screen.show" "$R/screen.short" "$R/screen.huge" >"$R/screen.err"
    ((${#bad[@]})) || return 0
    echo "      the chunk's screen found a sanitizer report ($(IFS=';'; echo "${bad[*]}")); each file alone:"
    sanitizer_lines "$R/screen.err" | sed 's/^/      | /'
    local named=0
    for line in "$@"; do
        IFS=$'\t' read -r name label expect codes what json <<<"$line"
        f=$R/alone/$name/${BASE[$label]}
        rm -rf "$R/alone"; mkdir -p "${f%/*}"; cp -p "$R/orig/$name/${BASE[$label]}" "$f"
        timeout -k 5 "$TMO" "$PKGNOTE" show "$f" >/dev/null 2>"$R/alone.err"
        timeout -k 5 "$TMO" "$PKGNOTE" stamp --json "$([[ $json == huge ]] && echo "$J_HUGE" || echo "$J")" \
            "$f" >/dev/null 2>>"$R/alone.err"
        if [[ -n $(sanitizer_lines "$R/alone.err") ]]; then
            named=$((named + 1))
            fail "$name: sanitizer report (leak or memory error) when run with LeakSanitizer: $(sanitizer_lines "$R/alone.err" | tr '\n' '|' | head -c 600) [$what]"
        fi
    done
    ((named)) || fail "a chunk's screen found a sanitizer report no file reproduces alone ($(IFS=';'; echo "${bad[*]}")): $(sanitizer_lines "$R/screen.err" | tr '\n' '|' | head -c 600)"
}

# check_chunk LINE...: run and judge a chunk of manifest lines.
check_chunk() {
    local line name label expect codes what json kind files=() dirs=()
    for line in "$@"; do
        IFS=$'\t' read -r name label expect codes what json <<<"$line"
        files+=("$CORPUS/$name/${BASE[$label]}")
        dirs+=("$CORPUS/$name")
    done
    fp_bulk FP0 "${files[@]}"
    listing_bulk LS0 "${dirs[@]}"
    if ((SANITIZED)); then
        # Pristine copies: for the screen, and for a file run alone.
        rm -rf "$R/copy" "$R/orig"; mkdir -p "$R/copy" "$R/orig"
        cp -pr "${dirs[@]}" "$R/copy/"
        cp -pr "${dirs[@]}" "$R/orig/"
    fi
    run_each show "$@"
    fp_bulk FP1 "${files[@]}"
    # How the malformed input runs, at the same path, for the cases that
    # may be stamped.
    for line in "$@"; do
        IFS=$'\t' read -r name label expect codes what json <<<"$line"
        [[ $expect == either ]] || continue
        kind=prog
        [[ $label == lib* ]] && kind=lib
        INPUT_RUN[$name]=$(run_it "$label" "$kind" "$CORPUS/$name/${BASE[$label]}")
    done
    run_each stamp "$@"
    fp_bulk FP2 "${files[@]}"
    listing_bulk LS2 "${dirs[@]}"
    local stamped=()
    for line in "$@"; do
        IFS=$'\t' read -r name label expect codes what json <<<"$line"
        [[ ${STAMP_RC[$name]} == 0 ]] && stamped+=("$CORPUS/$name/${BASE[$label]}")
    done
    oracle_stamped "${stamped[@]}"
    for line in "$@"; do
        IFS=$'\t' read -r name label expect codes what json <<<"$line"
        judge_case "$name" "$label" "$expect" "$codes" "$what" "$json"
    done
    ((SANITIZED)) && leak_screen "$@"
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
    status_problem "$rc"
    if [[ -n $MSG ]]; then
        p+=("stamp $MSG")
    else
        ((rc == 0)) && p+=("stamp succeeded")
        ((rc != 0)) && ! in_list "$rc" "$codes" && p+=("stamp: exit $rc, want one of $codes")
        one_line_about "$path|$(readlink -f -- "$path")" "$WORK/err" || p+=("stamp: $OLA")
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
    status_problem "$rc"
    if [[ -n $MSG ]]; then
        p+=("show $MSG")
    elif ((rc != 0)); then
        in_list "$rc" 1,4,6 || p+=("show: exit $rc, want 1, 4 or 6")
        one_line_about "$path|$(readlink -f -- "$path")" "$WORK/err" || p+=("show: $OLA")
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
    BASE[$label]=${src##*/}
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
cp -p "$FX/pie/hello" "$S/good"
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

SPECIAL=$TRIED

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
echo "== malformed files: pkgnote show, then pkgnote stamp (chunks of $CHUNK cases, in the seed's order)"
mkdir -p "$R"
awk -F'\t' -v re="${HOSTILE_ONLY:-}" 're == "" || $1 ~ re' "$CORPUS/MANIFEST.tsv" >"$WORK/cases.tsv"
bu_loop corpus 100 "$(wc -l <"$WORK/cases.tsv")"
mapfile -t cases < <(bu_shuffle <"$WORK/cases.tsv")
for ((i = 0; i < ${#cases[@]}; i += CHUNK)); do
    bu_more "$CHUNK" || break
    chunk=("${cases[@]:i:CHUNK}")
    check_chunk "${chunk[@]}"
    bu_done "${#chunk[@]}"
done
bu_end

# -- summary ------------------------------------------------------------------------
echo
if ((${#VERIFY7[@]})); then
    echo "refused only by the final verification (exit 7: the input passed the engine's checks):"
    printf '  %s\n' "${VERIFY7[@]}" | head -20
    ((${#VERIFY7[@]} > 20)) && echo "  ... and $((${#VERIFY7[@]} - 20)) more"
fi
echo "malformed inputs tried: $TRIED ($((TRIED - SPECIAL)) of the $(wc -l <"$CORPUS/MANIFEST.tsv") generated files, $SPECIAL special files; $STAMPED stamped, ${#VERIFY7[@]} refused by verification)"
bu_report
tl_finish
