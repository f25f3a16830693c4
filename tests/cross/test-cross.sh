#!/bin/bash
# test-cross.sh ARCH [KIND...]
# Foreign architectures end to end, with Debian's cross compilers and
# qemu-user (ARCH: aarch64 armhf i386 ppc64el s390x powerpc mips mips64el
# riscv64; see tests/cross/crosslib.sh).  For each fixture kind, built at test time:
#   gcc-pie gcc-nopie gcc-static gcc-static-pie gcc-shared (fixtures/hello.c,
#   libgreet.c + greet-main.c; aarch64 and ppc64el keep their default 64 KiB
#   max-page-size), gcc-shared-many (libgreet.so with 120 more objects: page
#   1 of a MIPS n64 library full of .MIPS.options, which must move, with or
#   without section headers) and, where clang and lld-16 can link for ARCH, lld-pie
#   lld-shared; each stamped twice over, with a 204-byte note (JSON with
#   whitespace, an escaped slash, non-ASCII) and a 44-byte one:
#  - pkgnote stamps a copy (exit 0);
#  - check_page1 (4096), readelf -n and the PT_NOTE walk show exactly the
#    compact JSON, one note, n_descsz strlen+1;
#  - the note's bytes, in the file's byte order (a big-endian file has
#    00000004 0000xxxx cafe1a7e 46444f00 ...), are in the first page at a
#    4-aligned offset, and objdump -s -j .note.package shows exactly them;
#  - eu-elflint --gnu-ld: no complaint the input does not have;
#  - the stamped program prints under qemu-ARCH what the unstamped one prints;
#    greet-main, run with LD_LIBRARY_PATH holding only the stamped
#    libgreet.so, prints what it prints with the unstamped one;
#  - stamping the stamped copy again changes no byte; stamping the input
#    twice gives the same bytes; --in-place gives the copy's bytes (the
#    number that went in place rather than by copy is reported); the copy
#    stamped with the short JSON takes
#    the main one too, checked the same (without section headers a refusal
#    is reported instead when the note needs more than the old note's
#    bytes: nothing tells the zeros the first stamp left from zeros in use);
#  - the same input without section headers (llvm-objcopy --strip-sections)
#    is stamped through its program headers: page-1 rule, JSON, bytes, runs,
#    stamping again changes nothing;
#  - a relocatable object (hello.o) is refused with exit 4, untouched.
# A refusal (exit 5, "no room") fails the test, except for the layouts listed
# in REFUSAL_OK below, where page 1 holds code and nothing may move (the
# refusal must then leave the file untouched, and --allow-outside-page must
# give a file that still runs and carries the JSON).
# The kinds run in the order of a seed within a time budget
# (tests/lib/budget.sh): a third of a long suite's, or 300 s by hand.
# Exit 77 when ARCH's cross gcc is not installed.
set -uo pipefail
: "${SOURCE_ROOT:?}"
. "$SOURCE_ROOT/tests/lib/testlib.sh"
. "$SOURCE_ROOT/tests/cross/crosslib.sh"
. "$SOURCE_ROOT/tests/lib/budget.sh"

arch=${1:?usage: test-cross.sh ARCH [KIND...]}
shift
cx_arch "$arch" || { echo "FAIL: unknown architecture $arch (known: $(cx_all_arches | tr '\n' ' '))"; exit 1; }
if ! why=$(cx_have_gcc); then
    echo "SKIP: $arch: $why"
    exit 77
fi
tl_need_pkgnote
bu_begin "cross-$arch" 300 33
QEMU_OK=1
if ! qemu_why=$(cx_have_qemu); then
    QEMU_OK=0
fi
OBJCOPY=$(command -v llvm-objcopy-16 || command -v llvm-objcopy || true)

kinds=("$@")
((${#kinds[@]})) || kinds=(gcc-pie gcc-nopie gcc-static gcc-static-pie gcc-shared gcc-shared-many lld-pie lld-shared)

# Layouts pkgnote may refuse, with the reason the test accepts: a static
# ET_EXEC linked at 0x10000 whose page 1 holds .text (no free room, nothing
# that may move, and a new first page would map below vm.mmap_min_addr).
declare -A REFUSAL_OK=(
    [armhf gcc-static]="static, first PT_LOAD at 0x10000 with .init/.text in page 1"
    [riscv64 gcc-static]="static, first PT_LOAD at 0x10000 with .text in page 1"
)
tl_setup
# use_json ROUND: the JSON of this round, in want (compact), want_hex (the
# note's bytes) and META (what pkgnote is given):
#   main   cx_json_in (whitespace, an escaped slash, non-ASCII): a 204-byte note
#   short  {"type":"deb","name":"x"}: a 44-byte note, which fits where the
#          main one is refused, so that other code paths of pkgnote run.
use_json() {
    ROUND=$1
    case $1 in
        main)  want=$(cx_json "$CX_DEBARCH"); cx_json_in "$CX_DEBARCH" >"$WORK/main.json" ;;
        short) want='{"type":"deb","name":"x"}'; printf '{ "type": "deb",\n  "name": "x" }\n' >"$WORK/short.json" ;;
    esac
    META=$WORK/$1.json
    want_hex=$(cx_note_hex "$want")
}
use_json short
echo "expected note bytes, short JSON: $want_hex"
use_json main
endian_word=$(cx_word_hex 4)
echo "pkgnote: $PKGNOTE"
echo "arch: $arch ($CX_TRIPLET, ELFCLASS$CX_CLASS, $([[ $CX_ENDIAN == be ]] && echo big || echo little)-endian), run with: $([[ $QEMU_OK == 1 ]] && echo "$CX_QEMU -L $CX_SYSROOT" || echo "nothing: $qemu_why")"
echo "compiler: $("$CX_TRIPLET-gcc" --version | head -n1)"
echo "expected note bytes, main JSON: $want_hex"

# have_lld: clang and lld-16 can link for this architecture (prints why not).
have_lld() {
    command -v clang >/dev/null && [[ -x /usr/bin/ld.lld-16 ]] || { echo "clang or /usr/bin/ld.lld-16 not installed"; return 1; }
    case $arch in
        s390x) echo "lld 16 has no SystemZ target"; return 1 ;;
    esac
}

# build TOOL-KIND DIR: build one fixture into DIR.  Sets FILE, RUNNER (for a
# library), LIB (1 for a library), ERR; returns 77 with ERR as the reason
# when the toolchain cannot make this kind.
# many_objects DIR CC...: compile 120 one-function objects into DIR and
# list them in MANY.  A MIPS n64 linker gives each input object 40 bytes of
# .MIPS.options, which then fills page 1 as in Debian's mips64el libc.so.6.
many_objects() {
    local dir=$1 i
    shift
    mkdir -p "$dir"
    MANY=()
    for i in $(seq 1 120); do
        printf 'int part%d(int x) { return x * %d; }\n' "$i" "$i" >"$dir/p$i.c"
        MANY+=("$dir/p$i.o")
    done
    if ! ERR=$(cd "$dir" && "$@" -O2 -fPIC -c p*.c 2>&1); then
        ERR="compiling 120 objects: $ERR"
        return 1
    fi
}

build() {
    MANY=()
    local tk=$1 dir=$2 tool=${1%%-*} kind=${1#*-} cc=() flags=() src=$FIXTURES/hello.c name=hello
    FILE="" RUNNER="" LIB=0 ERR=""
    mkdir -p "$dir"
    case $tool in
        gcc) cc=("$CX_TRIPLET-gcc") ;;
        lld) ERR=$(have_lld) || return 77
             cc=(clang --target="$CX_TRIPLET" -fuse-ld=/usr/bin/ld.lld-16) ;;
        *) ERR="unknown tool $tool"; return 1 ;;
    esac
    case $kind in
        pie)        flags=(-fPIE -pie) ;;
        nopie)      flags=(-fno-pie -no-pie) ;;
        static)     flags=(-static) ;;
        static-pie) flags=(-fPIE -static-pie) ;;
        shared)     src=$FIXTURES/libgreet.c name=libgreet.so LIB=1
                    flags=(-fPIC -shared -Wl,-soname,libgreet.so) ;;
        shared-many) src=$FIXTURES/libgreet.c name=libgreet.so LIB=1
                    flags=(-fPIC -shared -Wl,-soname,libgreet.so)
                    many_objects "$dir/parts" "${cc[@]}" || return 1 ;;
        *) ERR="unknown kind $kind"; return 1 ;;
    esac
    FILE=$dir/$name
    if ! ERR=$("${cc[@]}" -O2 -g -I"$FIXTURES" "${flags[@]}" -o "$FILE" "$src" ${MANY[@]+"${MANY[@]}"} 2>&1); then
        ERR="${cc[*]} ${flags[*]} -o $FILE $src: $(head -n 3 <<<"$ERR")"
        # The toolchain, not pkgnote: lld or a static-pie libc that is not there.
        if [[ $tool == lld || $kind == static-pie ]]; then return 77; fi
        return 1
    fi
    if ((LIB)); then
        RUNNER=$dir/../greet-main
        if ! ERR=$("${cc[@]}" -O2 -I"$FIXTURES" -o "$RUNNER" "$FIXTURES/greet-main.c" -L"$dir" -lgreet 2>&1); then
            ERR="linking greet-main: $ERR"
            return 1
        fi
    fi
    return 0
}

# run_fixture FILE: what the fixture does under qemu.  A library is loaded by
# RUNNER with LD_LIBRARY_PATH set to FILE's directory (greet-main is linked
# without a run path: without it, it does not start).
run_fixture() {
    if ((LIB)); then
        cx_qrun -l "$(dirname -- "$1")" "$RUNNER"
    else
        cx_qrun "$1"
    fi
}

# stamp FILE [OPTIONS...]: pkgnote stamp in place; sets OUT (its output) and
# returns its status.
stamp() {
    local f=$1
    shift
    OUT=$("$PKGNOTE" stamp --json "$META" "$@" "$f" 2>&1)
}

# show_layout FILE: program headers, for a failure report.
show_layout() {
    LC_ALL=C readelf -lW -- "$1" 2>&1 | sed -n '/^Program Headers:/,/^$/p' | sed 's/^/      | /'
}

# check_bytes LABEL FILE [SECTIONS]: the exact note bytes, in the file's
# byte order, in the first page (and in section .note.package when SECTIONS
# is 1).
check_bytes() {
    local label=$1 file=$2 sections=${3:-1} off got
    if off=$(cx_page1_note_offset "$file" "$want_hex"); then
        pass "$label: the note's bytes ($CX_ENDIAN: n_namesz word $endian_word) are in page 1 at offset $off"
    else
        fail "$label: the exact note bytes ($CX_ENDIAN) are not in the first 4096 bytes at a 4-aligned offset"
        info "want: $want_hex"
    fi
    if ((sections)); then
        got=$(note_payload_hex "$file")
        expect_eq "$label: objdump -s -j .note.package shows exactly the note bytes" "$got" "$want_hex"
    fi
}

# verify LABEL ORIG STAMPED WANT_RUN: the checks of a stamped file.
verify() {
    local label=$1 orig=$2 file=$3 want_run=$4 out
    expect_ok "$label: check_page1 (page 4096)" check_page1 "$file" 4096
    expect_eq "$label: readelf -n shows exactly the compact JSON" "$(note_json "$file")" "$want"
    expect_eq "$label: the PT_NOTE walk finds exactly the compact JSON" "$(segment_note_json "$file")" "$want"
    expect_eq "$label: one FDO package note" "$(package_note_count "$file")" 1
    expect_eq "$label: n_descsz is strlen(JSON)+1" "$(note_descsz "$file")" "$(json_descsz "$want")"
    check_bytes "$label" "$file"
    out=$(elflint_new_complaints "$orig" "$file")
    expect_empty "$label: no new eu-elflint --gnu-ld complaints" "$out"
    if [[ -n $want_run ]]; then
        expect_eq "$label: under $CX_QEMU, prints what the unstamped one prints" "$(run_fixture "$file")" "$want_run"
    fi
}

# refused_ok LABEL KEY ORIG FILE WANT_RUN: a refusal REFUSAL_OK accepts.
refused_ok() {
    local label=$1 key=$2 orig=$3 file=$4 want_run=$5 rc
    skip "$label: refused as expected (${REFUSAL_OK[$key]}): $OUT"
    expect_ok "$label: the refused file is untouched" cmp "$orig" "$file"
    stamp "$file" --allow-outside-page
    rc=$?
    if ((rc == 0)); then
        pass "$label: --allow-outside-page stamps it: $OUT"
        expect_eq "$label, outside page 1: readelf -n shows exactly the compact JSON" "$(note_json "$file")" "$want"
        expect_eq "$label, outside page 1: the PT_NOTE walk finds exactly the compact JSON" "$(segment_note_json "$file")" "$want"
        expect_empty "$label, outside page 1: no new eu-elflint --gnu-ld complaints" "$(elflint_new_complaints "$orig" "$file")"
        [[ -n $want_run ]] && expect_eq "$label, outside page 1: prints what the unstamped one prints" "$(run_fixture "$file")" "$want_run"
    elif ((rc == 5)) && cmp -s "$orig" "$file"; then
        # Adding a PT_NOTE needs one more program header, and the table
        # cannot grow in place either: a refusal, reported.
        skip "$label: --allow-outside-page refused too, file untouched: $OUT"
    else
        fail "$label: --allow-outside-page failed: $OUT"
        cmp -s "$orig" "$file" || fail "$label: --allow-outside-page failed AND changed the file"
    fi
}

# with_sections LABEL KEY ORIG WANT_RUN: steps 1 and 2 on ORIG as linked.
with_sections() {
    local label=$1 key=$2 orig=$3 want_run=$4 base rc s1 s2 s3
    base=$(dirname -- "$(dirname -- "$orig")")
    mkdir -p "$base/$ROUND-s1" "$base/$ROUND-s2" "$base/$ROUND-s3"
    s1=$base/$ROUND-s1/$(basename "$orig") s2=$base/$ROUND-s2/$(basename "$orig") s3=$base/$ROUND-s3/$(basename "$orig")
    # 1. stamp a copy
    cp -p -- "$orig" "$s1"
    stamp "$s1"
    rc=$?
    if ((rc != 0)); then
        if ((rc == 5)) && [[ -n ${REFUSAL_OK[$key]:-} ]]; then
            refused_ok "$label" "$key" "$orig" "$s1" "$want_run"
            return
        fi
        fail "$label: pkgnote stamp exited $rc: $OUT"
        info "command: pkgnote stamp --json $(basename "$META") $(basename "$s1"); the input's program headers:"
        show_layout "$orig"
        cmp -s "$orig" "$s1" || fail "$label: pkgnote failed AND changed the file"
        return
    fi
    pass "$label: stamped: $OUT"
    STAMPED[$ROUND s1]=1
    verify "$label" "$orig" "$s1" "$want_run"
    # 2. idempotence and reproducibility
    cp -p -- "$s1" "$s2"
    if stamp "$s2"; then
        expect_ok "$label: stamping again with the same JSON changes no byte" cmp "$s1" "$s2"
    else
        fail "$label: re-stamping the stamped file failed: $OUT"
    fi
    cp -p -- "$orig" "$s3"
    if stamp "$s3"; then
        expect_ok "$label: stamping the same input twice gives the same bytes" cmp "$s1" "$s3"
    else
        fail "$label: second stamp of the input failed: $OUT"
    fi
    # 2b. --in-place gives the copy's bytes, whether it edits the file or
    # falls back to a copy.
    cp -p -- "$orig" "$s2"
    if stamp "$s2" --in-place -v; then
        expect_ok "$label: --in-place gives the bytes of the copy" cmp "$s1" "$s2"
        IP_TRIED=$((IP_TRIED + 1))
        [[ $OUT == *"not in place"* ]] || IP_WENT=$((IP_WENT + 1))
    else
        fail "$label: the --in-place stamp failed: $OUT"
    fi
}
IP_TRIED=0 IP_WENT=0

# segments_end FILE: the end of the last byte a program header describes.
segments_end() {
    local end=0 off size
    while read -r off size; do
        ((off + size > end)) && end=$((off + size))
    done < <(LC_ALL=C readelf -lW -- "$1" | awk '$2 ~ /^0x/ && $5 ~ /^0x/ { print $2, $5 }')
    echo "$end"
}

# without_sections LABEL KEY ORIG WANT_RUN: step 3, a copy of ORIG with no
# section header table.
without_sections() {
    local label="$1, no section headers" key=$2 orig=$3 want_run=$4 base bare bs bare_run out="" rc
    base=$(dirname -- "$(dirname -- "$orig")")
    mkdir -p "$base/bare" "$base/$ROUND-bare-s" "$base/$ROUND-bare-again"
    bare=$base/bare/$(basename "$orig")
    if [[ -z $OBJCOPY ]] || ! out=$("$OBJCOPY" --strip-sections "$orig" "$bare" 2>&1); then
        # llvm-objcopy is missing or refuses some GNU static binaries
        # (".rela.plt is not a symbol table"): hide the section header table
        # instead (e_shoff, e_shnum, e_shstrndx zeroed) and cut the file
        # after its last segment, as sstrip leaves it.  Uncut, the table
        # and the sections no segment holds would be bytes nothing
        # describes: trailing data, which a stamp must keep or refuse.
        info "llvm-objcopy: ${out:-not installed (package llvm-16)}: section header table hidden by zeroing e_shoff/e_shnum/e_shstrndx and the file cut after its last segment instead"
        ALIGN4=0 _pn_segment_view "$orig" "$bare" || { fail "$label: cannot hide the section headers"; return; }
        truncate -s "$(segments_end "$bare")" "$bare" || { fail "$label: cannot cut the file"; return; }
    fi
    if [[ $(cx_shnum "$bare") != 0 ]]; then
        fail "$label: the copy still has section headers"
        return
    fi
    bare_run=""
    if [[ -n $want_run ]]; then
        bare_run=$(run_fixture "$bare")
        if [[ $bare_run != "$want_run" ]]; then
            skip "$label: the unstamped file without section headers does not run the same; run check left out"
            bare_run=""
        fi
    fi
    bs=$base/$ROUND-bare-s/$(basename "$orig")
    cp -p -- "$bare" "$bs"
    stamp "$bs"
    rc=$?
    if ((rc == 0)); then
        pass "$label: stamped: $OUT"
        STAMPED[$ROUND bare-s]=1
        BARE_RUN=$bare_run
        expect_eq "$label: still no section headers" "$(cx_shnum "$bs")" 0
        expect_ok "$label: check_page1" check_page1 "$bs"
        expect_eq "$label: the PT_NOTE walk finds exactly the compact JSON" "$(segment_note_json "$bs")" "$want"
        check_bytes "$label" "$bs" 0
        [[ -n $bare_run ]] && expect_eq "$label: under $CX_QEMU, prints what the unstamped one prints" "$(run_fixture "$bs")" "$bare_run"
        cp -p -- "$bs" "$base/$ROUND-bare-again/"
        stamp "$base/$ROUND-bare-again/$(basename "$orig")"
        expect_ok "$label: stamping again with the same JSON changes no byte" cmp "$bs" "$base/$ROUND-bare-again/$(basename "$orig")"
    elif ((rc == 5)) && [[ -n ${REFUSAL_OK[$key]:-} ]]; then
        skip "$label: refused as expected (${REFUSAL_OK[$key]}): $OUT"
        expect_ok "$label: the refused file is untouched" cmp "$bare" "$bs"
    else
        fail "$label: pkgnote stamp exited $rc: $OUT"
        show_layout "$bare"
        cmp -s "$bare" "$bs" || fail "$label: pkgnote failed AND changed the file"
    fi
}

# restamp_longer LABEL ORIG WANT_RUN: the copies stamped with the short
# JSON (with and without section headers) stamped again with the main one.
# Wherever the main JSON stamps the input itself, this must work too: a
# stamp may not use up the room a longer note needs.
restamp_longer() {
    local label="$1, short JSON then the main one" orig=$2 want_run=$3 base name f l view
    base=$(dirname -- "$(dirname -- "$orig")") name=$(basename "$orig")
    use_json main
    for view in s1 bare-s; do
        [[ -n ${STAMPED[short $view]:-} && -n ${STAMPED[main $view]:-} ]] || continue
        mkdir -p "$base/longer-$view"
        f=$base/longer-$view/$name
        cp -p -- "$base/short-$view/$name" "$f"
        l=$label
        [[ $view == bare-s ]] && l="$label, no section headers"
        if ! stamp "$f"; then
            if [[ $view == bare-s && $OUT == *"only the old note's bytes are known to be free"* ]] &&
                cmp -s "$base/short-$view/$name" "$f"; then
                # Known limit: the zeros the first stamp left are not
                # known to be free without section headers.
                skip "$l: refused, file untouched: $OUT"
            else
                fail "$l: pkgnote stamp failed: $OUT"
                show_layout "$base/short-$view/$name"
            fi
            continue
        fi
        pass "$l: stamped: $OUT"
        if [[ $view == s1 ]]; then
            verify "$l" "$orig" "$f" "$want_run"
        else
            expect_ok "$l: check_page1" check_page1 "$f"
            expect_eq "$l: the PT_NOTE walk finds exactly the compact JSON" "$(segment_note_json "$f")" "$want"
            expect_eq "$l: one FDO package note" "$(package_note_count "$f")" 1
            check_bytes "$l" "$f" 0
            [[ -n $BARE_RUN ]] && expect_eq "$l: under $CX_QEMU, prints what the unstamped one prints" "$(run_fixture "$f")" "$BARE_RUN"
        fi
    done
}

bu_loop kinds 100 "${#kinds[@]}"
while read -r tk <&3; do
    bu_more || break
    bu_done
    label="$arch $tk"
    echo
    echo "== $label"
    build "$tk" "$WORK/$tk/orig"
    case $? in
        0) ;;
        77) skip "$label: $ERR"; continue ;;
        *) fail "$label: fixture build failed: $ERR"; continue ;;
    esac
    orig=$FILE
    info "fixture: $(basename "$orig"), $(stat -c %s "$orig") bytes, first PT_LOAD p_align $(cx_first_load_align "$orig")"
    want_run=""
    if ((QEMU_OK)); then
        want_run=$(run_fixture "$orig")
        if [[ $want_run != *"[exit 0]" || ( $want_run != *hello* && $want_run != *Hello* ) ]]; then
            skip "$label: the UNSTAMPED fixture does not run under $CX_QEMU; run checks left out"
            sed 's/^/      | /' <<<"$want_run"
            want_run=""
        fi
    else
        skip "$label: run checks: $qemu_why"
    fi
    declare -A STAMPED=()
    BARE_RUN=""
    for round in main short; do
        use_json $round
        l=$label
        [[ $round == short ]] && l="$label, short JSON"
        with_sections "$l" "$arch $tk" "$orig" "$want_run"
        without_sections "$l" "$arch $tk" "$orig" "$want_run"
    done
    restamp_longer "$label" "$orig" "$want_run"
done 3< <(printf '%s\n' "${kinds[@]}" | bu_shuffle)
bu_end

# 4. a relocatable object is refused, untouched
info "--in-place: $IP_WENT of $IP_TRIED first stamps went in place, the others were copied; all gave the copy's bytes"

echo
echo "== $arch relocatable object"
mkdir -p "$WORK/obj"
if "$CX_TRIPLET-gcc" -O2 -c -o "$WORK/obj/hello.o" "$FIXTURES/hello.c" 2>"$WORK/obj/err"; then
    cp -p "$WORK/obj/hello.o" "$WORK/obj/stamped.o"
    stamp "$WORK/obj/stamped.o"
    rc=$?
    expect_eq "$arch hello.o: refused with exit 4 (not an executable or shared library)" "$rc" 4
    expect_eq "$arch hello.o: one line on stderr" "$(wc -l <<<"$OUT")" 1
    info "pkgnote: $OUT"
    expect_ok "$arch hello.o: untouched" cmp "$WORK/obj/hello.o" "$WORK/obj/stamped.o"
else
    fail "$arch: cannot compile hello.o: $(cat "$WORK/obj/err")"
fi

bu_report
tl_finish
