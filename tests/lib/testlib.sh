# shellcheck shell=bash
# Shared plumbing for the integration tests (bash; source it):
#   results      pass/fail/skip counters, tl_finish
#   scratch      tl_setup (a mktemp -d work directory removed at exit)
#   machine      tl_need_core_files (skip unless crashes write ./core)
#   fixtures     fx_* : build the fixture programs/libraries per linker and kind
#   JSON         the texts the tests stamp, and their compact forms
#   stamping     tl_stamp, verify_stamped, verify_strip_survives
# Needs SOURCE_ROOT (and PKGNOTE for the tests that stamp).

: "${SOURCE_ROOT:?SOURCE_ROOT must point at the source tree}"
# shellcheck source=checks.sh
. "$SOURCE_ROOT/tests/lib/checks.sh"

FIXTURES=$SOURCE_ROOT/fixtures

# -- results ------------------------------------------------------------------

TL_PASS=0 TL_FAIL=0 TL_SKIP=0
TL_FAILED=()

pass() { TL_PASS=$((TL_PASS + 1)); echo "ok:   $*"; }
fail() { TL_FAIL=$((TL_FAIL + 1)); TL_FAILED+=("$*"); echo "FAIL: $*"; }
skip() { TL_SKIP=$((TL_SKIP + 1)); echo "skip: $*"; }
info() { echo "      $*"; }

# expect_eq DESC GOT WANT
expect_eq() {
    if [[ $2 == "$3" ]]; then pass "$1"; return 0; fi
    fail "$1"
    echo "      got:";  sed 's/^/      | /' <<<"$2"
    echo "      want:"; sed 's/^/      | /' <<<"$3"
    return 1
}

# expect_empty DESC TEXT: TEXT must be empty (it is shown when not).
expect_empty() {
    if [[ -z $2 ]]; then pass "$1"; return 0; fi
    fail "$1"
    sed 's/^/      | /' <<<"$2"
    return 1
}

# expect_ok DESC CMD...: CMD must succeed; its output is shown when it fails.
expect_ok() {
    local desc=$1 out
    shift
    if out=$("$@" 2>&1); then pass "$desc"; return 0; fi
    fail "$desc"
    [[ -n $out ]] && sed 's/^/      | /' <<<"$out"
    return 1
}

# expect_fail DESC CMD...: CMD must fail.
expect_fail() {
    local desc=$1 out
    shift
    if out=$("$@" 2>&1); then fail "$desc (it succeeded)"; return 1; fi
    pass "$desc"
    [[ -n $out ]] && sed 's/^/      | /' <<<"$out"
    return 0
}

# tl_finish: print the totals and exit (1 on any failure; 77 when everything
# was skipped).
tl_finish() {
    echo
    if ((TL_FAIL)); then
        echo "Failures:"
        printf '  - %s\n' "${TL_FAILED[@]}"
    fi
    echo "$TL_PASS passed, $TL_FAIL failed, $TL_SKIP skipped"
    if ((TL_FAIL)); then exit 1; fi
    if ((TL_PASS == 0)); then echo "nothing was checked: skipping"; exit 77; fi
    exit 0
}

# -- scratch ------------------------------------------------------------------

# tl_setup: make WORK (removed on exit unless KEEP_WORK=1).
tl_setup() {
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/pkgnote-integ.XXXXXX") || { echo "mktemp failed"; exit 1; }
    if [[ ${KEEP_WORK:-0} == 1 ]]; then
        echo "work directory kept: $WORK"
    else
        trap 'rm -rf -- "$WORK"' EXIT
    fi
}

# tl_find_pkgnote: PKGNOTE as given, else the first build*/src/pkgnote of
# the source tree; made absolute and exported.  Returns 1 when there is none.
tl_find_pkgnote() {
    local c
    if [[ -z ${PKGNOTE:-} ]]; then
        for c in "$SOURCE_ROOT"/build*/src/pkgnote; do
            [[ -x $c ]] && PKGNOTE=$c && break
        done
    fi
    [[ -n ${PKGNOTE:-} && -x $PKGNOTE ]] || return 1
    PKGNOTE=$(readlink -f -- "$PKGNOTE")
    export PKGNOTE
}

# tl_need_pkgnote: PKGNOTE must be an executable (fail loudly otherwise).
tl_need_pkgnote() {
    if [[ -z ${PKGNOTE:-} || ! -x $PKGNOTE ]]; then
        echo "FAIL: PKGNOTE (${PKGNOTE:-unset}) is not an executable pkgnote"
        exit 1
    fi
}

# tl_begin: what most tests start with: PKGNOTE checked, WORK made, the
# JSON inputs written.
tl_begin() {
    tl_need_pkgnote
    tl_setup
    tl_write_json
}

# tl_cores_unavailable [inspect-elf]: print why a process crashing here
# cannot leave a core file in its working directory (core_pattern is not a
# plain file name, the core size limit cannot be raised) and succeed; fail,
# printing nothing, when it can.  With "inspect-elf", systemd-analyze must
# also have the inspect-elf verb (systemd 252).  The core is the newest
# file named *core* in the directory (tl_core_in).
tl_cores_unavailable() {
    local pattern
    if ! pattern=$(cat /proc/sys/kernel/core_pattern 2>/dev/null); then
        echo "cannot read /proc/sys/kernel/core_pattern"
    elif [[ $pattern == '|'* ]]; then
        echo "core_pattern pipes cores to a helper ($pattern): no core file to read"
    elif [[ $pattern == */* ]]; then
        echo "core_pattern is a path ($pattern): cores do not land in the working directory"
    elif ! (ulimit -c unlimited) 2>/dev/null; then
        echo "cannot raise the core size limit (ulimit -c unlimited refused; hard limit $(ulimit -Hc))"
    elif [[ ${1:-} == inspect-elf ]] && ! systemd-analyze inspect-elf --help >/dev/null 2>&1; then
        echo "no systemd-analyze inspect-elf (not installed, or systemd older than 252)"
    else
        return 1
    fi
}

# tl_core_in DIR: the core file a crash in DIR left (empty when none).
tl_core_in() {
    find "$1" -maxdepth 1 -type f -name '*core*' -printf '%T@ %p\n' 2>/dev/null |
        sort -rn | sed -n '1s/^[^ ]* //p'
}

# tl_wait_exec PID COMM: wait (30 s at most) until process PID runs the
# program COMM (its /proc comm): a signal sent to a process started through
# chroot or sh before their exec would dump the wrong program, and on a
# loaded machine the exec can take more than a second.
tl_wait_exec() {
    local i
    for ((i = 0; i < 300; i++)); do
        [[ $(cat "/proc/$1/comm" 2>/dev/null) == "$2" ]] && return 0
        sleep 0.1
    done
    return 1
}

# tl_need_core_files [inspect-elf]: exit 77 with the reason unless a crash
# here leaves a core file (tl_cores_unavailable).
tl_need_core_files() {
    local why
    why=$(tl_cores_unavailable "$@") || return 0
    echo "SKIP: $why"
    exit 77
}

# tl_sanitized: is PKGNOTE an ASan/TSan build?  (Not `ldd | grep -q`: under
# pipefail, grep ending early makes ldd's SIGPIPE fail the test.)
tl_sanitized() {
    [[ $(ldd "$PKGNOTE" 2>/dev/null) == *lib[at]san* ]]
}

# -- JSON ---------------------------------------------------------------------
# Each *_IN is what a test feeds pkgnote (pretty, with whitespace, and for
# JSON_MAIN an escaped slash); the plain variable is the compact form that
# must land in the note.

JSON_MAIN_IN='{
  "type": "deb",
  "os": "debian",
  "osVersion": "12",
  "name": "pkgnote-fixture",
  "version": "1.2.3-1",
  "architecture": "amd64",
  "debugInfoUrl": "https:\/\/debuginfod.debian.net"
}'
JSON_MAIN='{"type":"deb","os":"debian","osVersion":"12","name":"pkgnote-fixture","version":"1.2.3-1","architecture":"amd64","debugInfoUrl":"https://debuginfod.debian.net"}'

# JSON_LONG: longer than JSON_MAIN (a re-stamp must grow the note) but of a
# realistic size (~300 bytes: a small PIE from mold or lld has room for
# little more in page 1); non-ASCII UTF-8, a number, a boolean, a nested
# object and an array, in a loose layout.
JSON_LONG_IN='{ "type" : "rpm", "os" : "fedora", "osVersion" : "39",
  "name" : "pkgnote-fixture-longer",
  "version" : "20231123.1234567-3.fc39",
  "architecture" : "x86_64",
  "osCpe" : "cpe:/o:fedoraproject:fedora:39",
  "debugInfoUrl" : "https://debuginfod.fedoraproject.org/",
  "maintainer" : "Zoë Ångström",
  "buildNumber" : 42, "reproducible" : true,
  "extra" : { "n" : [ 1, 2, 3 ] } }'
JSON_LONG='{"type":"rpm","os":"fedora","osVersion":"39","name":"pkgnote-fixture-longer","version":"20231123.1234567-3.fc39","architecture":"x86_64","osCpe":"cpe:/o:fedoraproject:fedora:39","debugInfoUrl":"https://debuginfod.fedoraproject.org/","maintainer":"Zoë Ångström","buildNumber":42,"reproducible":true,"extra":{"n":[1,2,3]}}'

JSON_SHORT_IN='{"type":"deb", "name":"x"}'
JSON_SHORT='{"type":"deb","name":"x"}'

# What the linkers are given with --package-metadata (already compact).
JSON_LINK='{"type":"deb","name":"linked-by-the-linker","version":"0.9"}'

# tl_write_json: write the JSON inputs into $WORK/json/.
tl_write_json() {
    mkdir -p "$WORK/json"
    printf '%s\n' "$JSON_MAIN_IN" >"$WORK/json/main.json"
    printf '%s\n' "$JSON_LONG_IN" >"$WORK/json/long.json"
    printf '%s\n' "$JSON_SHORT_IN" >"$WORK/json/short.json"
}

# json_descsz JSON: the gABI n_descsz pkgnote must write (bytes + NUL).
json_descsz() {
    local n
    n=$(printf %s "$1" | wc -c)
    echo $((n + 1))
}

# -- fixtures -----------------------------------------------------------------

FX_LINKERS_ALL=(bfd gold lld mold)
FX_KINDS_ALL=(pie nopie shared static static-pie noseparate-code maxpage64k relr
              bigsyms-lib bigsyms-prog bigsyms-prog-nopie)
BIGSYMS_COUNT=${BIGSYMS_COUNT:-2000}

# fx_have_linker LINKER: is it installed?  (prints the reason when not)
fx_have_linker() {
    case $1 in
        bfd)  command -v ld.bfd >/dev/null && command -v gcc >/dev/null || { echo "ld.bfd or gcc not installed"; return 1; } ;;
        gold) command -v ld.gold >/dev/null && command -v gcc >/dev/null || { echo "ld.gold not installed"; return 1; } ;;
        lld)  [[ -x /usr/bin/ld.lld-16 ]] && command -v clang >/dev/null || { echo "/usr/bin/ld.lld-16 or clang not installed"; return 1; } ;;
        mold) command -v mold >/dev/null && command -v gcc >/dev/null || { echo "mold not installed"; return 1; } ;;
        *) echo "unknown linker $1"; return 1 ;;
    esac
}

# fx_cc LINKER: print the compiler driver command for LINKER.
fx_cc() {
    case $1 in
        bfd)  echo "gcc -fuse-ld=bfd" ;;
        gold) echo "gcc -fuse-ld=gold" ;;
        lld)  echo "clang -fuse-ld=/usr/bin/ld.lld-16" ;;
        mold) echo "gcc -fuse-ld=mold" ;;
    esac
}

# fx_helpers DIR: build the helper programs shared by all fixtures
# (dlopen-probe) into DIR, once.
fx_helpers() {
    local dir=$1
    FX_HELPERS=$dir
    [[ -x $dir/dlopen-probe ]] && return 0
    mkdir -p "$dir"
    gcc -O2 -o "$dir/dlopen-probe" "$FIXTURES/dlopen-probe.c" -ldl
}

# fx_build LINKER KIND DIR [LINK_JSON]
# Build fixture KIND with LINKER in DIR (created).  With LINK_JSON, the
# linker is given --package-metadata=LINK_JSON.  Sets:
#   FX_FILE   the ELF file to stamp (DIR/<name>)
#   FX_RUNNER for libraries: the program that uses it (outside DIR)
#   FX_SKIP   why KIND cannot be built with LINKER (return 77)
#   FX_ERR    the build's error output (return 1)
fx_build() {
    local linker=$1 kind=$2 dir=$3 link_json=${4:-}
    local cc src name flags=() extra=() meta=()
    FX_FILE="" FX_RUNNER="" FX_SKIP="" FX_ERR=""
    read -r -a cc <<<"$(fx_cc "$linker")"
    mkdir -p "$dir"
    [[ -n $link_json ]] && meta=(-Xlinker "--package-metadata=$link_json")
    src=$FIXTURES/hello.c name=hello
    case $kind in
        pie)            flags=(-fPIE -pie) ;;
        nopie)          flags=(-fno-pie -no-pie) ;;
        static)         flags=(-static) ;;
        static-pie)     flags=(-fPIE -static-pie)
                        [[ $linker == gold ]] && { FX_SKIP="gold 2.40 cannot link -static-pie (no --no-dynamic-linker)"; return 77; } ;;
        noseparate-code) flags=(-fPIE -pie -Wl,-z,noseparate-code)
                        [[ $linker == gold ]] && { FX_SKIP="gold 2.40 has no -z noseparate-code"; return 77; } ;;
        maxpage64k)     flags=(-fPIE -pie -Wl,-z,max-page-size=0x10000) ;;
        relr)           flags=(-fPIE -pie -Wl,-z,pack-relative-relocs)
                        [[ $linker == gold ]] && { FX_SKIP="gold 2.40 has no -z pack-relative-relocs"; return 77; }
                        [[ $linker == mold ]] && { FX_SKIP="mold 1.10 writes DT_RELR without the GLIBC_ABI_DT_RELR version need: its output does not start"; return 77; } ;;
        shared)         src=$FIXTURES/libgreet.c name=libgreet.so
                        flags=(-fPIC -shared -Wl,-soname,libgreet.so) ;;
        bigsyms-lib)    name=libbigsyms.so
                        flags=(-fPIC -shared -Wl,-soname,libbigsyms.so) ;;
        bigsyms-prog)   name=bigsyms flags=(-fPIE -pie -rdynamic -DBIGSYMS_MAIN) ;;
        bigsyms-prog-nopie) name=bigsyms flags=(-fno-pie -no-pie -rdynamic -DBIGSYMS_MAIN) ;;
        *) FX_ERR="unknown fixture kind $kind"; return 1 ;;
    esac
    if [[ $kind == bigsyms-* ]]; then
        src=$dir/bigsyms.c
        "$FIXTURES/gen-bigsyms.sh" "$BIGSYMS_COUNT" >"$src" || { FX_ERR="gen-bigsyms.sh failed"; return 1; }
    fi
    FX_FILE=$dir/$name
    if ! FX_ERR=$("${cc[@]}" -O2 -g -I"$FIXTURES" "${flags[@]}" "${meta[@]}" -o "$FX_FILE" "$src" "${extra[@]}" 2>&1); then
        FX_ERR="${cc[*]} ${flags[*]} ${meta[*]} -o $FX_FILE $src: $FX_ERR"
        return 1
    fi
    case $kind in
        shared)
            FX_RUNNER=$dir/../$(basename "$dir")-greet-main
            "${cc[@]}" -O2 -I"$FIXTURES" -o "$FX_RUNNER" "$FIXTURES/greet-main.c" -L"$dir" -lgreet 2>&1 ||
                { FX_ERR="linking greet-main failed"; return 1; } ;;
        bigsyms-lib)
            FX_RUNNER=$dir/../$(basename "$dir")-bigsyms-main
            "${cc[@]}" -O2 -I"$FIXTURES" -o "$FX_RUNNER" "$FIXTURES/bigsyms-main.c" -L"$dir" -lbigsyms 2>&1 ||
                { FX_ERR="linking bigsyms-main failed"; return 1; } ;;
    esac
    return 0
}

# fx_prog_flags KIND: the compiler flags of a program of KIND (pie, nopie,
# static), for tests that build their own sources.
fx_prog_flags() {
    case $1 in
        pie) echo "-fPIE -pie" ;;
        nopie) echo "-fno-pie -no-pie" ;;
        static) echo "-static" ;;
    esac
}

# fx_is_lib KIND
fx_is_lib() { [[ $1 == shared || $1 == bigsyms-lib ]]; }

# fx_run KIND FILE RUNNER: run the fixture; print its stdout and exit status.
# Programs run directly; a library is used by RUNNER through
# LD_LIBRARY_PATH=$(dirname FILE) and dlopen()ed by dlopen-probe.
fx_run() {
    local kind=$1 file=$2 runner=$3 rc
    if fx_is_lib "$kind"; then
        LD_LIBRARY_PATH=$(dirname -- "$file") timeout 20 "$runner" 2>&1
        rc=$?; echo "[exit $rc]"
        timeout 20 "$FX_HELPERS/dlopen-probe" "$file" 2>&1
        rc=$?; echo "[dlopen exit $rc]"
    else
        timeout 20 "$file" 2>&1
        rc=$?; echo "[exit $rc]"
    fi
}

# -- stamping -------------------------------------------------------------------

# tl_stamp JSONFILE FILE [OPTIONS...]: pkgnote stamp in place; prints
# pkgnote's stderr on failure; returns pkgnote's exit status.
tl_stamp() {
    local json=$1 file=$2 err rc
    shift 2
    err=$("$PKGNOTE" stamp --json "$json" "$@" "$file" 2>&1 >/dev/null)
    rc=$?
    if ((rc != 0)); then
        info "pkgnote stamp --json $(basename "$json") $* $file: exit $rc: $err"
    fi
    return $rc
}

# verify_stamped LABEL KIND ORIG STAMPED WANT_JSON RUNNER [PAGESIZE]
# Every check a stamped file must pass:
#  runs as ORIG does; check_page1; readelf -n shows exactly one FDO package
#  note holding WANT_JSON (section and segment view) with the gABI n_descsz;
#  no new eu-elflint complaints.
verify_stamped() {
    local label=$1 kind=$2 orig=$3 file=$4 want=$5 runner=$6 page=${7:-4096}
    local want_run got_run out
    want_run=$(fx_run "$kind" "$orig" "$runner")
    got_run=$(fx_run "$kind" "$file" "$runner")
    expect_eq "$label: runs and prints what the unstamped one prints" "$got_run" "$want_run"
    expect_ok "$label: check_page1 (page $page)" check_page1 "$file" "$page"
    expect_eq "$label: readelf -n shows exactly the compact JSON" "$(note_json "$file")" "$want"
    expect_eq "$label: the PT_NOTE walk finds exactly the compact JSON" "$(segment_note_json "$file")" "$want"
    expect_eq "$label: one FDO package note" "$(package_note_count "$file")" 1
    expect_eq "$label: n_descsz is strlen(JSON)+1" "$(note_descsz "$file")" "$(json_descsz "$want")"
    out=$(elflint_new_complaints "$orig" "$file")
    expect_empty "$label: no new eu-elflint --gnu-ld complaints" "$out"
    # Moved or not, every section keeps its bytes (a moved one only its
    # address): the copy, the sharing of blocks, the cleared old places.
    if out=$(sections_keep_bytes "$orig" "$file"); then
        pass "$label: every allocated section keeps its bytes"
    else
        fail "$label: allocated sections changed: $out"
    fi
}

# verify_strip_survives LABEL KIND FILE WANT_JSON RUNNER
# strip, eu-strip and objcopy --only-keep-debug keep the note.
verify_strip_survives() {
    local label=$1 kind=$2 file=$3 want=$4 runner=$5 d tool want_run got_run out
    local fails_before=$TL_FAIL ehsize phoff
    want_run=$(fx_run "$kind" "$file" "$runner")
    for tool in strip eu-strip; do
        d=$(mktemp -d "$WORK/strip.XXXXXX")
        cp -p -- "$file" "$d/"
        local s=$d/$(basename "$file")
        if ! out=$("$tool" "$s" 2>&1); then
            fail "$label: $tool failed: $out"; continue
        fi
        expect_eq "$label: after $tool, readelf -n shows the JSON" "$(note_json "$s")" "$want"
        expect_ok "$label: after $tool, check_page1" check_page1 "$s"
        got_run=$(fx_run "$kind" "$s" "$runner")
        expect_eq "$label: after $tool, still runs the same" "$got_run" "$want_run"
        rm -rf -- "$d"
    done
    d=$(mktemp -d "$WORK/debug.XXXXXX")
    if out=$(objcopy --only-keep-debug "$file" "$d/file.debug" 2>&1); then
        local sect
        sect=$(LC_ALL=C readelf -SW "$d/file.debug" 2>/dev/null | sed -n 's/^ *\[ *[0-9]*\] //p' | awk '$1 == ".note.package" { print $2 }')
        expect_eq "$label: objcopy --only-keep-debug keeps .note.package as a NOTE section" "$sect" NOTE
        expect_eq "$label: the debug file's note holds the JSON" "$(note_json "$d/file.debug")" "$want"
    else
        fail "$label: objcopy --only-keep-debug failed: $out"
    fi
    rm -rf -- "$d"
    if ((TL_FAIL > fails_before)); then
        # A hint for whoever reads the failure: both strips rebuild the file
        # layout, and binutils always puts the program header table right
        # after the ELF header.
        ehsize=$(LC_ALL=C readelf -hW "$file" | awk -F: '/Size of this header/ { print $2 + 0 }')
        phoff=$(LC_ALL=C readelf -hW "$file" | awk -F: '/Start of program headers/ { print $2 + 0 }')
        info "stamped file's e_phoff is $phoff (e_ehsize $ehsize)$( ((phoff != ehsize)) && echo ': the program header table was moved')"
    fi
}
