# shellcheck shell=bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The vendor suite's one classifier: every case is a file a vendor
# might ship, stamped in place, and must end in exactly one of
#   stamped  exit 0; readelf finds exactly the JSON, in page 1 (check_page1,
#            the PT_NOTE walk; readelf -n's section view shows it too unless
#            the note has no section); eu-elflint --gnu-ld has no new
#            complaint; the case's runner prints the same stdout, stderr and
#            exit status as on the unstamped file;
#   refused  exit nonzero with exactly one line on stderr; the file
#            byte-identical (cmp); nothing else left in its directory.
# Anything else is a failure; "BROKEN" is exit 0 with a changed behaviour or
# a bad note: the silent break the suite exists to rule out.
#
# A runner is a shell function called as `RUNNER FILE ARGS...` from FILE's
# directory; what it prints (both streams) and its status are the behaviour
# compared.  Runners bound their commands with timeout.  It may run the program, a program using a library, `upx -t`, or
# `objcopy -O binary` and a checksum: whatever a user of that file relies on.
#
# A list the test scripts may fill before vl_finish:
#   EXPECT_STAMPED   cases that must be stamped; "refused" fails them
# Needs SOURCE_ROOT and PKGNOTE (tests/lib/testlib.sh).

# shellcheck source=../lib/testlib.sh
. "$SOURCE_ROOT/tests/lib/testlib.sh"

VENDOR_FIXTURES=$SOURCE_ROOT/fixtures/vendor
VL_JSON='{"type":"deb","os":"debian","name":"vendor-case","version":"1.0-1","architecture":"amd64"}'
EXPECT_STAMPED=()
VL_TABLE=()

# vl_begin: tl_begin, plus the JSON every case is stamped with.
vl_begin() {
    tl_begin
    printf '%s\n' "$VL_JSON" >"$WORK/vendor.json"
    mkdir -p "$WORK/cases"
}

# vl_in LIST... -- WORD: is WORD one of LIST?
_vl_in() {
    local w=$1 x
    shift
    for x in "$@"; do [[ $x == "$w" ]] && return 0; done
    return 1
}

# _vl_behaviour DIR NAME RUNNER ARGS...: run RUNNER on DIR/NAME from DIR;
# print stdout, stderr and the exit status, labelled.
_vl_behaviour() {
    local dir=$1 name=$2 runner=$3 out err rc
    shift 3
    out=$(mktemp "$WORK/out.XXXXXX") err=$(mktemp "$WORK/err.XXXXXX")
    (cd "$dir" && "$runner" "./$name" "$@") >"$out" 2>"$err" </dev/null
    rc=$?
    echo "--- stdout"; cat "$out"
    echo "--- stderr"; cat "$err"
    echo "--- exit $rc"
    rm -f "$out" "$err"
}

# run_exe FILE ARGS...: the default runner: run the program.
run_exe() { timeout 60 "$@"; }

# vl_classify NAME FILE RUNNER ARGS...
# Stamp a copy of FILE and set VL_OUTCOME (stamped, refused, BROKEN,
# BAD-REFUSAL) and VL_WHY (what was seen).  FILE is left alone.
vl_classify() {
    local name=$1 file=$2 runner=$3
    shift 3
    local base a b before after err rc why=() lines left
    base=$(basename -- "$file")
    # Same-length directory names: a program printing its path prints the
    # same text from both.
    a=$WORK/cases/$name/a b=$WORK/cases/$name/b
    rm -rf -- "$WORK/cases/$name"
    mkdir -p "$a" "$b"
    cp -p -- "$file" "$a/$base"
    cp -p -- "$file" "$b/$base"
    before=$(_vl_behaviour "$a" "$base" "$runner" "$@")
    VL_BEFORE_STATUS=${before##*--- exit }
    err=$("$PKGNOTE" stamp --json "$WORK/vendor.json" "$b/$base" 2>&1 >"$WORK/stamp.out")
    rc=$?
    # What pkgnote did ("added note at offset ... (new first page)"), for the log.
    VL_DID=$(sed "s|^$b/||" "$WORK/stamp.out")
    VL_NOTE_SEEN=""
    VL_STDERR=$err
    if ((rc == 0)); then
        after=$(_vl_behaviour "$b" "$base" "$runner" "$@")
        if [[ $after != "$before" ]]; then
            why+=("behaviour changed: $(diff <(echo "$before") <(echo "$after") | grep '^[<>]' | head -n 4 | tr '\n' ' ')")
        fi
        # A file whose section header table must keep its end (data
        # appended after it) gets no .note.package section: readelf -n,
        # which lists notes by section, shows the note only where a note
        # section was widened over it, else only the PT_NOTE walk (as
        # systemd's) finds it.  Any note it does show must be exactly the
        # JSON.
        local sect
        sect=$(note_json "$b/$base")
        if [[ -z $sect ]]; then
            VL_NOTE_SEEN="PT_NOTE only, no section"
        elif [[ $sect != "$VL_JSON" ]]; then
            why+=("readelf -n does not show exactly the JSON")
        fi
        [[ $(segment_note_json "$b/$base") == "$VL_JSON" ]] || why+=("the PT_NOTE walk does not find exactly the JSON")
        local c1
        c1=$(check_page1 "$b/$base" 2>&1) || why+=("check_page1: ${c1//$'\n'/; }")
        local lint
        lint=$(elflint_new_complaints "$a/$base" "$b/$base")
        [[ -z $lint ]] || why+=("new eu-elflint complaints: $(head -n 3 <<<"$lint" | tr '\n' ' ')")
        left=$(cd "$b" && find . -mindepth 1 ! -name "$base" -printf '%P ')
        [[ -z $left ]] || why+=("left behind: $left")
        if ((${#why[@]} == 0)); then VL_OUTCOME=stamped; else VL_OUTCOME=BROKEN; fi
    else
        lines=$(printf '%s' "$err" | grep -c '')
        ((lines == 1)) || why+=("$lines lines on stderr, not one: ${err//$'\n'/ | }")
        cmp -s -- "$a/$base" "$b/$base" || why+=("the refused file changed")
        left=$(cd "$b" && find . -mindepth 1 ! -name "$base" -printf '%P ')
        [[ -z $left ]] || why+=("left behind: $left")
        if ((${#why[@]} == 0)); then VL_OUTCOME=refused; else VL_OUTCOME=BAD-REFUSAL; fi
        why=("exit $rc: $err" "${why[@]}")
    fi
    VL_WHY=$(IFS=';'; echo "${why[*]}")
}

# vl_case NAME FILE [RUNNER ARGS...]
# Classify FILE and judge the outcome against EXPECT_STAMPED; add a row to
# the table.  RUNNER defaults to run_exe.
vl_case() {
    local name=$1 file=$2 verdict
    shift 2
    (($#)) || set -- run_exe
    if [[ ! -f $file ]]; then
        fail "$name: fixture $file was not built"
        VL_TABLE+=("$name|not built|FAIL")
        return
    fi
    vl_classify "$name" "$file" "$@"
    if [[ $VL_BEFORE_STATUS != 0 ]]; then
        # The runner must work on the input, or "runs the same" says nothing.
        fail "$name: the unstamped file's runner exits $VL_BEFORE_STATUS"
        VL_TABLE+=("$name|runner fails|FAIL")
        return
    fi
    case $VL_OUTCOME in
        stamped)
            verdict=ok; pass "$name: stamped and runs as before ($VL_DID${VL_NOTE_SEEN:+; $VL_NOTE_SEEN})" ;;
        refused)
            if _vl_in "$name" "${EXPECT_STAMPED[@]}"; then
                verdict=FAIL; fail "$name: refused, but it must be stamped ($VL_WHY)"
            else
                verdict=ok; pass "$name: refused cleanly ($VL_STDERR)"
            fi ;;
        BROKEN)
            verdict=FAIL; fail "$name: stamped with exit 0 but broken ($VL_DID): $VL_WHY" ;;
        *)
            verdict=FAIL; fail "$name: refused badly: $VL_WHY" ;;
    esac
    VL_TABLE+=("$name|$VL_OUTCOME${VL_NOTE_SEEN:+ (PT_NOTE only)}|$verdict")
}

# vl_skip_case NAME REASON: a case that cannot be built here (a packer or
# toolchain missing); counted as a skip, and shown in the table.
vl_skip_case() {
    skip "$1: $2"
    VL_TABLE+=("$1|not run: $2|skip")
}

# vl_finish: print the table (case, outcome, verdict), then tl_finish.
vl_finish() {
    local row
    echo
    printf '%-30s %-24s %s\n' CASE OUTCOME VERDICT
    for row in "${VL_TABLE[@]}"; do
        IFS='|' read -r c o v <<<"$row"
        printf '%-30s %-24s %s\n' "$c" "$o" "$v"
    done
    tl_finish
}

# vl_cache: the per-build cache of downloaded packers ($BUILD_ROOT/vendor-cache).
vl_cache() {
    local d=${BUILD_ROOT:-$WORK}/vendor-cache
    mkdir -p "$d" && echo "$d"
}

# -- payload fixtures ---------------------------------------------------------

VL_PAYLOAD_TEXT='the appended payload is intact'

# vl_append_payload MODE FILE: append the payload that fixtures/vendor/payload.c
# looks for in MODE (tail, shdr, data) to the linked FILE; for data, patch
# the payload's offset into pn_locator in FILE.
vl_append_payload() {
    local mode=$1 file=$2 start
    start=$(stat -c %s -- "$file")
    python3 - "$mode" "$file" "$start" "$VL_PAYLOAD_TEXT" <<'PY' || return 1
import struct, sys
mode, path, start, text = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
payload = b"PNPAYLD1" + text.encode() + b"\n"
with open(path, "r+b") as f:
    data = f.read()
    if mode == "data":
        at = data.find(b"PKGNOTE-LOCATOR\0")
        if at < 0 or data.find(b"PKGNOTE-LOCATOR\0", at + 1) >= 0:
            sys.exit("no unique locator in " + path)
        f.seek(at + 16)
        f.write(struct.pack("<Q", start))
    f.seek(0, 2)
    f.write(payload)
    if mode == "tail":
        f.write(struct.pack("<Q", len(payload)) + b"PNPAYLD1")
PY
}
