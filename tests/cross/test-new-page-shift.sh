#!/bin/bash
# A new first page shifts a static fixed-address program by no more than
# the largest page of its machine's kernels (doc/trailing-data-and-new-first-page.md): built
# with -z noseparate-code (page 1 full) and -z max-page-size=2M, each is
# stamped with a new first page, grows by the expected shift (plus the
# note's bytes past the end: at most one page more), every PT_LOAD keeps
# p_offset = p_vaddr modulo its p_align, which is at most the shift
# (readelf), eu-elflint --gnu-ld has no new complaints, the page-1 rule
# holds and the program prints and exits as before (natively or under
# qemu-user).
set -uo pipefail
: "${SOURCE_ROOT:?}"
. "$SOURCE_ROOT/tests/lib/testlib.sh"
. "$SOURCE_ROOT/tests/cross/crosslib.sh"

tl_begin
J=$WORK/json

# loads_aligned FILE SHIFT: every PT_LOAD has p_align <= SHIFT and
# p_offset = p_vaddr modulo p_align (prints the first that does not).
loads_aligned() {
    local type off va rest al
    while read -r type off va rest; do
        [[ $type == LOAD ]] || continue
        al=${rest##* }
        if ((al > $2 || (al > 1 && off % al != va % al))); then
            echo "$type $off $va $rest"
            return 1
        fi
    done < <(LC_ALL=C readelf -lW -- "$1")
}

# NAME (as crosslib.sh, or native) and the shift its kernels need
for c in native:4096 s390x:4096 aarch64:65536 ppc64el:65536 mips:65536 powerpc:262144; do
    name=${c%%:*} shift=${c#*:}
    if [[ $name == native ]]; then
        [[ $(uname -m) == x86_64 ]] || { skip "native: not x86-64"; continue; }
        cc=gcc runner=()
    else
        cx_arch "$name" || { fail "$name: unknown architecture"; continue; }
        if ! why=$(cx_have_gcc) || ! why=$(cx_have_qemu); then skip "$name: $why"; continue; fi
        cc=$CX_TRIPLET-gcc runner=("$CX_QEMU" -L "$CX_SYSROOT")
    fi
    dir=$WORK/$name
    mkdir -p "$dir"
    # (Not named "file": eu-elflint's messages say "file type".)
    orig=$dir/hello-orig file=$dir/hello-stamped
    if ! err=$("$cc" -O2 -static -Wl,-z,noseparate-code -Wl,-z,max-page-size=0x200000 \
               -o "$orig" "$FIXTURES/hello.c" 2>&1); then
        fail "$name: $cc: $err"
        continue
    fi
    cp -p -- "$orig" "$file"
    if ! out=$("$PKGNOTE" stamp --json "$J/main.json" "$file" 2>&1); then
        fail "$name: stamp failed: $out"
        continue
    fi
    if [[ $out != *"(new first page)"* ]]; then
        skip "$name: page 1 had room after all ($out)"
        continue
    fi
    grown=$(( $(stat -c %s -- "$file") - $(stat -c %s -- "$orig") ))
    if ((grown >= shift && grown < shift + 4096)); then
        pass "$name: grew by $grown bytes (shift $shift)"
    else
        fail "$name: grew by $grown bytes, want $shift and less than a page more"
    fi
    if bad=$(loads_aligned "$file" "$shift"); then
        pass "$name: PT_LOADs congruent modulo p_align <= $shift"
    else
        fail "$name: PT_LOAD misaligned: $bad"
    fi
    expect_ok "$name: check_page1" check_page1 "$file"
    expect_empty "$name: no new eu-elflint --gnu-ld complaints" "$(elflint_new_complaints "$orig" "$file")"
    want=$(timeout 60 "${runner[@]}" "$orig" 2>&1; echo "[exit $?]")
    got=$(timeout 60 "${runner[@]}" "$file" 2>&1; echo "[exit $?]")
    expect_eq "$name: runs as before" "$got" "$want"
done

tl_finish
