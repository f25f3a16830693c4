#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# pkgnote stamp --in-place: same bytes as the copy (stamp -o), the
# fallbacks to the copy and what -v says about them, and faults.  After
# every fault the file must be the input (with at most bytes past its old
# end: an interrupted stamp's tail and its leftover record), or the stamped
# result (at most followed by the record, and perhaps still holding bytes
# that only the old layout used, which are zeroed last); it must run,
# eu-elflint --gnu-ld must say nothing new about it, and a re-run of the
# stamp must give exactly the stamped result.  No temporary file may be left.
#
#   same bytes  every fixture kind of every linker, first stamp and re-stamp
#   fallbacks   hard links, a running program (ETXTBSY), a new first page,
#               --page-size 8192, a layout that rewrites the dynamic table
#   kill        SIGKILL at every system call (strace) and after 1, 2, ... ms
#   errors      every system call failing in turn (strace error injection)
#   space, ro   a full tmpfs, a read-only one, chattr +i
#   written     the file written to or replaced before the commit (shim)
#   leftovers   a vendor's payload and a record of another file are kept
#   privileges  capabilities and set-user-ID survive
#   batch       a tree is synced three times, not three times per file
# Needs root for mounts, chattr and setcap (those parts skip otherwise),
# strace for the system-call parts.  Those (kill, errors) run their points
# in the order of a seed within a time budget (tests/lib/budget.sh) and
# print how many they covered.
set -uo pipefail
: "${SOURCE_ROOT:?}"
. "$SOURCE_ROOT/tests/lib/testlib.sh"

tl_begin
. "$SOURCE_ROOT/tests/lib/budget.sh"
bu_begin in-place 600
J=$WORK/json/main.json
# Same length as JSON_MAIN: a re-stamp reuses the note's slot.
J2=$WORK/json/main2.json
sed 's/1\.2\.3-1/1.2.3-2/' "$J" >"$J2"
. "$SOURCE_ROOT/tests/faults/faultlib.sh"
# In a sanitizer build: LeakSanitizer cannot work under ptrace (it says so
# and exits 1), and most runs here are under strace; leaks are left to the
# other suites.
if tl_sanitized; then
    export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
fi
sha() { sha256sum <"$1" | cut -d' ' -f1; }

# in_place FILE JSON [OPTS...]: stamp in place with -v; prints pkgnote's
# stderr; "copied" on stdout's last line when it fell back.
stamp_ip() {
    local f=$1 j=$2
    shift 2
    "$PKGNOTE" stamp -v --no-sync --in-place --json "$j" "$@" "$f" 2>&1 >/dev/null
}

# -- 1. the same bytes as the copy ----------------------------------------------
echo "== same bytes as stamp -o"
fx_helpers "$WORK/helpers"
went=0 copied=0 restamps=0 restamps_ip=0
for linker in "${FX_LINKERS_ALL[@]}"; do
    why=$(fx_have_linker "$linker") || { skip "$linker: $why"; continue; }
    for kind in pie nopie shared static static-pie bigsyms-lib; do
        dir=$WORK/same/$linker-$kind
        fx_build "$linker" "$kind" "$dir" >/dev/null
        case $? in 0) ;; 77) continue ;; *) fail "$linker $kind: build: $FX_ERR"; continue ;; esac
        f=$FX_FILE
        # first stamp, then a re-stamp with JSON of the same length
        for step in first restamp; do
            jj=$J; [[ $step == restamp ]] && jj=$J2
            "$PKGNOTE" stamp -q --no-sync --json "$jj" -o "$f.copy" "$f" 2>/dev/null
            rc_copy=$?
            cp -p "$f" "$f.ip"
            msg=$(stamp_ip "$f.ip" "$jj"); rc_ip=$?
            label="$linker $kind $step"
            if ((rc_copy != rc_ip)); then fail "$label: exit $rc_ip in place, $rc_copy by copy: $msg"; continue; fi
            ((rc_copy == 0)) || continue
            if cmp -s "$f.copy" "$f.ip"; then pass "$label: in place gives the bytes of -o"
            else fail "$label: in place differs from -o: $(cmp "$f.copy" "$f.ip" 2>&1 | head -1)"; fi
            if [[ $msg == *"stamped by copy, not in place"* ]]; then
                copied=$((copied + 1)); info "$label: copied: ${msg##*not in place: }"
            else went=$((went + 1)); fi
            if [[ $step == restamp ]]; then
                restamps=$((restamps + 1))
                [[ $msg == *"stamped by copy"* ]] || restamps_ip=$((restamps_ip + 1))
                [[ $msg == *"stamped by copy"* && $(stat -c %s "$f") -ge 4096 ]] &&
                    fail "$label: a re-stamp in the note's own slot was copied: $msg"
            fi
            mv "$f.ip" "$f"
        done
        expect_eq "$linker $kind: the stamped file runs" "$(fx_run "$kind" "$f" "$FX_RUNNER")" \
            "$(fx_run "$kind" "$FX_FILE.copy" "$FX_RUNNER")"
    done
done
info "in place: $went stamps ($restamps_ip of $restamps re-stamps), by copy: $copied"

# The fixtures of the fault parts: a stripped program (its stamp writes a
# longer section header table past the old end, the tail, and zeroes the
# old table once the first page is written), and a stamped program
# re-stamped (the note's slot, first page only).
FX=$WORK/fx
mkdir -p "$FX"
build() { local out; out=$("$@" 2>&1) || { fail "fixture: $* failed: $out"; tl_finish; }; }
build gcc -O2 -fuse-ld=bfd -o "$FX/hello.full" "$FIXTURES/hello.c"
build strip -o "$FX/tail" "$FX/hello.full"
cp -p "$FX/hello.full" "$FX/restamp"
build "$PKGNOTE" stamp -q --no-sync --json "$J2" "$FX/restamp"
FIXS=(tail restamp)
declare -A ORIG STAMPED SIZE STAMPED_SIZE SEEN
for n in "${FIXS[@]}"; do
    ORIG[$n]=$(sha "$FX/$n"); SIZE[$n]=$(stat -c %s "$FX/$n")
    build "$PKGNOTE" stamp -q --no-sync --json "$J" -o "$FX/$n.want" "$FX/$n"
    STAMPED[$n]=$(sha "$FX/$n.want"); STAMPED_SIZE[$n]=$(stat -c %s "$FX/$n.want")
    cp -p "$FX/$n" "$WORK/probe"
    msg=$(stamp_ip "$WORK/probe" "$J")
    expect_empty "fixture $n: stamped in place, not copied" "$msg"
    expect_eq "fixture $n: in place gives the bytes of -o" "$(sha "$WORK/probe")" "${STAMPED[$n]}"
done
expect_ok "fixture tail: its in-place stamp grows the file" test "${STAMPED_SIZE[tail]}" -gt "${SIZE[tail]}"
REF_RUN=$("$FX/tail")

# stale N FILE: FILE is the stamped result (then the record) but for bytes
# that the result zeroes and that still hold the input's bytes: killed after
# the commit, before the old layout's bytes were zeroed.
stale() {
    python3 - "$FX/$1" "$FX/$1.want" "$2" <<'PY'
import sys
orig, want, got = (open(p, "rb").read() for p in sys.argv[1:4])
ok = len(got) > len(want) and got[:len(want)] != want and all(
    g == w or (w == 0 and i < len(orig) and g == orig[i])
    for i, (g, w) in enumerate(zip(got, want)))
sys.exit(0 if ok else 1)
PY
}

# file_state N FILE: ST = input | input+tail | stamped | stamped+record |
# stamped+stale | missing | other; SUM = the file's sha256 (one process for
# the two common states).
file_state() {
    local n=$1 f=$2 size
    [[ -e $f ]] || { ST=missing SUM=; return; }
    SUM=$(sha256sum <"$f"); SUM=${SUM%% *}
    if [[ $SUM == "${ORIG[$n]}" ]]; then ST=input
    elif [[ $SUM == "${STAMPED[$n]}" ]]; then ST=stamped
    else
        size=$(stat -c %s "$f")
        if ((size > SIZE[$n])) && [[ $(head -c "${SIZE[$n]}" "$f" | sha256sum | cut -d' ' -f1) == "${ORIG[$n]}" ]]; then ST=input+tail
        elif ((size > STAMPED_SIZE[$n])) && [[ $(head -c "${STAMPED_SIZE[$n]}" "$f" | sha256sum | cut -d' ' -f1) == "${STAMPED[$n]}" ]]; then ST=stamped+record
        elif stale "$n" "$f"; then ST=stamped+stale
        else ST=other; fi
    fi
}
# state N FILE: file_state's ST, printed.
state() { local ST SUM; file_state "$@"; echo "$ST"; }

# after_fault LABEL N DIR: the state is one of the four, the file runs and
# passes eu-elflint as the input does, nothing else is in DIR, and a re-run
# in place gives exactly the stamped result.  The run and eu-elflint depend
# only on the file's bytes and mode: they run once per content (FL_MEMO).
after_fault() {
    local label=$1 n=$2 d=$3 f=$3/$2 ST SUM out p=() key
    file_state "$n" "$f"
    SEEN[$ST]=$((${SEEN[$ST]:-0} + 1))
    case $ST in
        input|input+tail|stamped|stamped+record|stamped+stale) ;;
        *) LOST=$((LOST + 1)); fail "$label: FILE LOST OR CORRUPTED ($ST)"; return 1 ;;
    esac
    key=$n:$SUM:$(stat -c %a -- "$f")
    if [[ -z ${FL_MEMO[$key]+x} ]]; then
        local q=()
        # A killed process's last hold on the file can outlive its reaping
        # by a few milliseconds (the kernel drops it after wait() has
        # returned): the file is then busy for exec (ETXTBSY), which is not
        # the file's doing.
        local tries=0
        while out=$(timeout 20 "$f" 2>&1); [[ $out == *'Text file busy'* ]] && ((++tries < 20)); do
            sleep 0.1
        done
        [[ $out == "$REF_RUN" ]] || q+=("the $ST file does not run: '$(head -c 200 <<<"$out")'")
        out=$(elflint_new_complaints "$FX/$n" "$f")
        [[ -z $out ]] || q+=("new eu-elflint complaints on the $ST file: $out")
        FL_MEMO[$key]=$(IFS=';'; echo "${q[*]}")
    fi
    [[ -z ${FL_MEMO[$key]} ]] || p+=("${FL_MEMO[$key]}")
    local FL_OTHERS
    fl_others "$d" "$n"
    ((${#FL_OTHERS[@]} == 0)) || p+=("left in the directory: ${FL_OTHERS[*]}")
    if ! out=$("$PKGNOTE" stamp -q --no-sync --in-place --json "$J" "$f" 2>&1); then
        p+=("the re-run failed: $out")
    elif ! cmp -s -- "$f" "$FX/$n.want"; then
        LOST=$((LOST + 1)); p+=("the re-run left $(state "$n" "$f"), not the stamped result")
    fi
    ((${#p[@]} == 0)) && return 0
    fail "$label ($ST): $(IFS=';'; echo "${p[*]}")"
    return 1
}

# -- 2. fallbacks ---------------------------------------------------------------------
echo
echo "== fallbacks to the copy"
d=$WORK/fb; fl_fresh "$d" tail
ln "$d/tail" "$d/other-name"
msg=$(stamp_ip "$d/tail" "$J")
expect_eq "hard link: -v says why it was copied" "$msg" \
    "pkgnote: $d/tail: stamped by copy, not in place: it has 2 hard links, more than the names being stamped: the others would change too"
expect_eq "hard link: the name stamped is the stamped result" "$(sha "$d/tail")" "${STAMPED[tail]}"
expect_eq "hard link: the other name is the input, untouched" "$(sha "$d/other-name")" "${ORIG[tail]}"
fl_fresh "$d" tail; ln "$d/tail" "$d/other-name"
msg=$("$PKGNOTE" stamp -r -v --no-sync --in-place --json "$J" "$d" 2>&1 >/dev/null | grep -v '^pkgnote: [0-9]* stamped')
expect_empty "hard link: with -r and both names in the tree, it goes in place" "$msg"
expect_eq "hard link: both names are the stamped result" "$(sha "$d/other-name")" "${STAMPED[tail]}"

build gcc -O2 -o "$FX/sleeper" "$FIXTURES/sleeper.c"
d=$WORK/busy; fl_fresh "$d" sleeper; mkfifo "$d/fifo"
"$d/sleeper" "$d/fifo" >"$d/out" 2>&1 &
spid=$!
sleep 0.3
msg=$(stamp_ip "$d/sleeper" "$J")
expect_eq "running program: -v says why it was copied" "$msg" \
    "pkgnote: $d/sleeper: stamped by copy, not in place: it is a program being run"
fl_release "$d/fifo" "$spid"; wait "$spid"; expect_eq "running program: it finished normally" "$?" 0

if gcc -O2 -static -Wl,-z,noseparate-code -o "$FX/static" "$FIXTURES/hello.c" 2>/dev/null; then
    d=$WORK/nfp; fl_fresh "$d" static
    msg=$(stamp_ip "$d/static" "$J")
    expect_eq "new first page: -v says why it was copied" "$msg" \
        "pkgnote: $d/static: stamped by copy, not in place: it gets a new first page: every byte moves"
    expect_eq "new first page: the copy runs" "$("$d/static")" "$("$FX/static")"
else
    skip "new first page: gcc -static does not link here"
fi
d=$WORK/ps; fl_fresh "$d" tail
msg=$(stamp_ip "$d/tail" "$J" --page-size 8192)
expect_eq "--page-size 8192: -v says why it was copied" "$msg" \
    "pkgnote: $d/tail: stamped by copy, not in place: --page-size 8192 is larger than a page: the region could not be written at once"
fl_fresh "$d" restamp
# Not a fallback: an unstripped program whose page 1 has room.  crt1.o's
# __abi_tag labels its ABI note; the note gets a PT_NOTE of its own so
# that the ABI note, and the symbol table, stay as they are.
cp -p "$FX/hello.full" "$d/first"
build "$PKGNOTE" stamp -q --no-sync --json "$J" -o "$FX/first.want" "$FX/hello.full"
ino=$(stat -c %i "$d/first")
msg=$(stamp_ip "$d/first" "$J")
expect_empty "an unstripped program (a symbol labels its ABI note): stamped in place" "$msg"
expect_eq "an unstripped program in place: the same file (its inode is kept)" "$(stat -c %i "$d/first")" "$ino"
expect_eq "an unstripped program in place: the bytes of -o" "$(sha "$d/first")" "$(sha "$FX/first.want")"
expect_eq "an unstripped program in place: __abi_tag is where it was" \
    "$(readelf -sW "$d/first" | awk '$8 == "__abi_tag" { print $2 }')" \
    "$(readelf -sW "$FX/hello.full" | awk '$8 == "__abi_tag" { print $2 }')"
# A program whose page 1 is full of dynamic symbols: what leaves page 1 is
# named by the dynamic table, which lies outside it.
build bash -c "'$FIXTURES/gen-bigsyms.sh' 200 >'$FX/big.c'"
build gcc -O2 -DBIGSYMS_MAIN -rdynamic -fuse-ld=bfd -s -o "$d/big" "$FX/big.c"
cp -p "$d/big" "$FX/big"
build "$PKGNOTE" stamp -q --no-sync --json "$J" -o "$FX/big.want" "$FX/big"
msg=$(stamp_ip "$d/big" "$J")
expect_eq "a first stamp that moves sections the dynamic table names: -v says why it was copied" "$msg" \
    "pkgnote: $d/big: stamped by copy, not in place: it moves sections that the dynamic table names out of the first page, and that table lies outside it: no one write changes both"
expect_eq "a first stamp copied: the bytes of -o" "$(sha "$d/big")" "$(sha "$FX/big.want")"
expect_eq "a first stamp copied: it runs" "$("$d/big")" "$("$FX/big")"
expect_fail "--in-place with -o is a usage error" "$PKGNOTE" stamp --in-place --json "$J" -o "$d/x" "$d/restamp"

# -- 3. out of space, read-only -----------------------------------------------------------
echo
echo "== out of space, read-only"
if ((IS_ROOT)); then
    m=$WORK/mnt; mkdir -p "$m"
    if mount -t tmpfs -o size=1m tmpfs "$m"; then
        MOUNTS+=("$m")
        cp -p "$FX/tail" "$m/tail"
        # fill it up
        dd if=/dev/zero of="$m/fill" bs=4k >/dev/null 2>&1
        out=$(stamp_ip "$m/tail" "$J"); rc=$?
        FAULTS=$((FAULTS + 1))
        expect_eq "full tmpfs: refused (exit 6)" "$rc" 6
        expect_eq "full tmpfs: the file is the input, exactly" "$(state tail "$m/tail")" input
        rm -f "$m/fill"
        expect_ok "full tmpfs: once there is room, the stamp succeeds" "$PKGNOTE" stamp -q --in-place --json "$J" "$m/tail"
        expect_eq "full tmpfs: the result" "$(state tail "$m/tail")" stamped
        cp -p "$FX/tail" "$m/tail"
        mount -o remount,ro "$m"
        out=$(stamp_ip "$m/tail" "$J"); rc=$?
        FAULTS=$((FAULTS + 1))
        expect_eq "read-only tmpfs: refused (exit 6)" "$rc" 6
        expect_eq "read-only tmpfs: the file is the input" "$(state tail "$m/tail")" input
        umount "$m" && unset 'MOUNTS[-1]'
    else
        skip "out of space: cannot mount a tmpfs"
    fi
    d=$WORK/imm; fl_fresh "$d" tail
    if chattr +i "$d/tail" 2>/dev/null; then
        IMMUTABLE+=("$d/tail")
        out=$(stamp_ip "$d/tail" "$J"); rc=$?
        FAULTS=$((FAULTS + 1))
        expect_eq "chattr +i: refused (exit 6)" "$rc" 6
        expect_eq "chattr +i: the file is the input" "$(state tail "$d/tail")" input
        chattr -i "$d/tail"
    else
        skip "chattr +i: not supported on $WORK's file system"
    fi
else
    skip "out of space, read-only: not root"
fi

# -- 4. written to or replaced before the commit ------------------------------------------------
echo
echo "== the file written to or replaced before the commit"
build gcc -O2 -shared -fPIC -o "$FX/replace-shim.so" "$SOURCE_ROOT/tests/faults/replace-shim.c" -ldl
shim() { # ACTION: stamp (syncing: the shim acts at the first fdatasync)
    d=$WORK/shim; fl_fresh "$d" tail; rm -f "$WORK/fired"
    PN_SHIM_HOOK=fdatasync PN_SHIM_TARGET=$d/tail PN_SHIM_ACTION=$1 PN_SHIM_DONE=$WORK/fired \
        LD_PRELOAD=$(fl_preload "$FX/replace-shim.so") "$PKGNOTE" stamp -q --in-place --json "$J" "$d/tail" 2>"$WORK/err"
}
cp -p "$FX/hello.full" "$WORK/newcomer"
shim "rename:$WORK/newcomer"; rc=$?
FAULTS=$((FAULTS + 1))
expect_ok "replaced: the shim acted" test -e "$WORK/fired"
expect_eq "replaced: refused (exit 6)" "$rc" 6
expect_eq "replaced: the newcomer is left as it was" "$(sha "$d/tail")" "$(sha "$FX/hello.full")"
shim write; rc=$?
FAULTS=$((FAULTS + 1))
# 16 bytes at 4096, outside what the stamp writes: kept, whether the stamp
# goes on or stops.
expect_eq "written to: the other writer's bytes are kept" "$(od -An -tx1 -j 4096 -N 2 "$d/tail" | tr -d ' ')" 5a5a
info "written to at 4096: exit $rc $(cat "$WORK/err")"

# -- 5. leftovers that are not ours ---------------------------------------------------------------
echo
echo "== what is past the end of the file and not a leftover of this file"
d=$WORK/vendor; fl_fresh "$d" tail
head -c 3000 /dev/urandom >"$WORK/payload"
cat "$WORK/payload" >>"$d/tail"
psize=$(stat -c %s "$d/tail")
expect_ok "a vendor's payload: stamped" "$PKGNOTE" stamp -q --in-place --json "$J" "$d/tail"
expect_eq "a vendor's payload: still there, at its place" \
    "$(tail -c +$((SIZE[tail] + 1)) "$d/tail" | head -c 3000 | sha256sum)" "$(sha256sum <"$WORK/payload")"
# The record an interrupted stamp of another file left, put at the end
# of this one: its first-page checksums are not this file's.
fl_fresh "$WORK/k" tail
(cd "$WORK/k" && strace -qq -o /dev/null -e trace=syncfs,fdatasync -e inject=fdatasync:signal=KILL:when=1 \
    "$PKGNOTE" stamp -q --in-place --json "$J" tail >/dev/null 2>&1)
if [[ $(state tail "$WORK/k/tail") == input+tail ]]; then
    d=$WORK/forged; fl_fresh "$d" restamp
    tail -c +$((SIZE[tail] + 1)) "$WORK/k/tail" >>"$d/restamp"
    before=$(sha "$d/restamp")
    # Pad so that the record ends the file where a record would.
    out=$("$PKGNOTE" stamp -q --in-place --json "$J" "$d/restamp" 2>&1); rc=$?
    info "another file's leftovers: exit $rc: $out"
    expect_ok "another file's leftovers are not taken for this file's" test "$rc" -ne 0 -o "$(head -c "${SIZE[restamp]}" "$d/restamp" | sha256sum | cut -d' ' -f1)" != "${ORIG[restamp]}" -o "$(stat -c %s "$d/restamp")" -gt "${SIZE[restamp]}"
    [[ $rc != 0 ]] && expect_eq "another file's leftovers: the file is left as it was" "$(sha "$d/restamp")" "$before"
else
    skip "a killed stamp did not leave its tail (state $(state tail "$WORK/k/tail"))"
fi

# -- 6. privileges -----------------------------------------------------------------------------------
echo
echo "== capabilities, set-user-ID, times"
if ((IS_ROOT)) && command -v setcap >/dev/null; then
    d=$WORK/caps; fl_fresh "$d" tail
    chmod 4755 "$d/tail"
    if setcap cap_net_raw+ep "$d/tail" 2>/dev/null; then
        touch -d '2020-01-02 03:04:05' "$d/tail"
        msg=$(stamp_ip "$d/tail" "$J" --keep-timestamps)
        expect_empty "caps: stamped in place" "$msg"
        expect_eq "caps: the capability survives" "$(getcap "$d/tail" | awk '{ print $2 }')" "cap_net_raw=ep"
        expect_eq "caps: the mode survives" "$(stat -c %a "$d/tail")" 4755
        expect_eq "caps: --keep-timestamps keeps the time" "$(stat -c %y "$d/tail" | cut -c1-19)" "2020-01-02 03:04:05"
    else
        skip "caps: setcap fails on $WORK's file system"
    fi
else
    skip "caps: not root or no setcap"
fi

# -- 7. a tree: synced once per set --------------------------------------------------------------
echo
echo "== a tree: the syncs of a set"
if ((HAVE_STRACE)); then
    d=$WORK/tree; rm -rf "$d"; mkdir -p "$d"
    for i in 1 2 3 4 5; do cp -p "$FX/tail" "$d/t$i"; done
    strace -f -qq -o "$WORK/sync.txt" -e trace=fsync,fdatasync,syncfs "$PKGNOTE" stamp -q -r -j 1 --in-place --json "$J" "$d" >/dev/null 2>&1
    expect_eq "tree of 5: three syncfs, no fsync or fdatasync" \
        "$(grep -o -E '^[0-9]+ +(fsync|fdatasync|syncfs)' "$WORK/sync.txt" | awk '{ print $2 }' | sort | uniq -c | tr -s ' ')" " 3 syncfs"
    all=1; for i in 1 2 3 4 5; do [[ $(state tail "$d/t$i") == stamped ]] || all=0; done
    expect_eq "tree of 5: all stamped" "$all" 1
    strace -f -qq -o "$WORK/sync.txt" -e trace=fsync,fdatasync,syncfs "$PKGNOTE" stamp -q -r -j 1 --no-sync --in-place --json "$J2" "$d" >/dev/null 2>&1
    expect_eq "tree of 5 with --no-sync: no sync at all" "$(grep -c -E '^[0-9]+ +(fsync|fdatasync|syncfs)' "$WORK/sync.txt")" 0
    # Stamped again with metadata of the same length: the first page is all
    # that changes, so the commit is the only write and needs the only sync.
    strace -f -qq -o "$WORK/sync.txt" -e trace=fsync,fdatasync,syncfs,pwrite64,ftruncate \
        "$PKGNOTE" stamp -q -r -j 1 --in-place --json "$J" "$d" >/dev/null 2>&1
    expect_eq "tree of 5 stamped again: one syncfs, after the commit" \
        "$(grep -o -E '^[0-9]+ +(fsync|fdatasync|syncfs)' "$WORK/sync.txt" | awk '{ print $2 }' | sort | uniq -c | tr -s ' ')" " 1 syncfs"
    expect_eq "tree of 5 stamped again: one write each, of 4096 bytes at offset 0, nothing cut" \
        "$(grep -E '^[0-9]+ +(pwrite64|ftruncate)' "$WORK/sync.txt" | sed -E 's/^[0-9]+ +//; s/\(([0-9]+), "[^"]*"(\.\.\.)?, /(FD, /' | sort | uniq -c | tr -s ' ')" \
        " 5 pwrite64(FD, 4096, 0) = 4096"
    all=1; for i in 1 2 3 4 5; do [[ $(state tail "$d/t$i") == stamped ]] || all=0; done
    expect_eq "tree of 5 stamped again: all stamped" "$all" 1
    cp -p "$d/t1" "$WORK/one"
    strace -qq -o "$WORK/sync.txt" -e trace=fsync,fdatasync,syncfs "$PKGNOTE" stamp -q --in-place --json "$J2" "$WORK/one" >/dev/null 2>&1
    expect_eq "one file stamped again: one fdatasync" \
        "$(grep -o -E '^(fsync|fdatasync|syncfs)' "$WORK/sync.txt" | sort | uniq -c | tr -s ' ')" " 1 fdatasync"
else
    skip "syncs of a set: strace is not installed"
fi

# -- 8. SIGKILL after 1, 2, ... ms -------------------------------------------------------------
echo
echo "== SIGKILL after 1, 2, ... ms"
n=tail d=$WORK/t-$n ok=0 tries=0
for ms in 1 2 3 4 5 6 8 10 15 20; do
    fl_fresh "$d" "$n"; tries=$((tries + 1))
    printf -v sec '0.%03d' "$ms"
    { timeout -s KILL "$sec" "$PKGNOTE" stamp -q --in-place --json "$J" "$d/$n" >/dev/null 2>&1; } 2>/dev/null  # (bash's "Killed" notice)
    (($? == 137)) && FAULTS=$((FAULTS + 1))
    after_fault "$n killed after $ms ms" "$n" "$d" && ok=$((ok + 1))
done
expect_eq "timed kills: all $tries left the input or the result" "$ok" "$tries"

# -- 9. SIGKILL at every system call ------------------------------------------------------------------------
syscall_points() { fl_syscall_points "$1" --in-place --json "$J"; }
echo
echo "== SIGKILL at every system call of an in-place stamp"
# The four budgeted loops (kill, errors, for each fixture) come last, after
# the parts that run whole: each may use an equal part of what is left of
# the budget when it starts, the last all of it.
FL_LOOPS=$((2 * ${#FIXS[@]})) KILL_PARTIAL=0
if ((HAVE_STRACE)); then
    for n in "${FIXS[@]}"; do
        total=0 ok=0 killed=0 d=$WORK/k-$n
        syscall_points "$n" >"$WORK/points"
        fl_loop "kill-$n" "$(wc -l <"$WORK/points")"
        while read -r sc nth <&3; do
            bu_more || break
            total=$((total + 1)); fl_fresh "$d" "$n"
            { (cd "$d" && exec timeout -s KILL 60 strace -qq -o /dev/null -e trace="$sc" \
                -e inject="$sc":signal=KILL:when="$nth" "$PKGNOTE" stamp -q --in-place --json "$J" "$n" >/dev/null 2>&1); } 2>/dev/null
            (($? == 137)) && { killed=$((killed + 1)); FAULTS=$((FAULTS + 1)); }
            after_fault "kill $n at $sc #$nth" "$n" "$d" && ok=$((ok + 1))
            bu_done
        done 3< <(bu_shuffle <"$WORK/points")
        bu_end
        ((BU_LOOP_DONE < BU_LOOP_TOTAL)) && KILL_PARTIAL=1
        expect_eq "kill $n: all $total system-call points tried left the input or the result ($killed kills)" "$ok" "$total"
    done
else
    skip "SIGKILL at every system call: strace is not installed"
fi
# -- 10. every system call failing ------------------------------------------------------
echo
echo "== a failing system call at every point"
if ((HAVE_STRACE)); then
    for n in "${FIXS[@]}"; do
        total=0 ok=0 d=$WORK/e-$n
        syscall_points "$n" | while read -r sc nth; do
            [[ $sc == brk || $sc == futex || $sc == mmap || $sc == munmap || $sc == exit_group ]] && continue
            echo "$sc $nth EIO"
            [[ $sc == pwrite64 || $sc == ftruncate || $sc == fallocate ]] && echo "$sc $nth ENOSPC"
        done >"$WORK/points"
        fl_loop "errors-$n" "$(wc -l <"$WORK/points")"
        while read -r sc nth e <&3; do
            bu_more || break
            total=$((total + 1)); fl_fresh "$d" "$n"
            (cd "$d" && exec timeout -s KILL 60 strace -qq -o /dev/null -e trace="$sc" \
                -e inject="$sc":error="$e":when="$nth" "$PKGNOTE" stamp -q --in-place --json "$J" "$n" >/dev/null 2>"$WORK/err")
            rc=$?; FAULTS=$((FAULTS + 1))
            if ((rc != 0 && rc != 6)) && [[ $(state "$n" "$d/$n") != input ]]; then
                fail "$n: $sc #$nth $e: exit $rc and the file changed"
            elif ((rc >= 128)); then
                fail "$n: $sc #$nth $e: pkgnote died (exit $rc)"
            elif ((rc != 0)) && (($(wc -l <"$WORK/err") != 1)); then
                fail "$n: $sc #$nth $e: exit $rc without exactly one stderr line: $(cat "$WORK/err")"
            elif after_fault "$n: $sc #$nth fails with $e" "$n" "$d"; then
                ok=$((ok + 1))
            fi
            bu_done
        done 3< <(bu_shuffle <"$WORK/points")
        bu_end
        expect_eq "errors $n: all $total failing calls tried left the input or the result" "$ok" "$total"
    done
else
    skip "failing system calls: strace is not installed"
fi

echo
echo "faults injected (in place): $FAULTS; files lost or corrupted: $LOST"
echo "what the faults left: $(for st in "${!SEEN[@]}"; do printf '%s %s, ' "$st" "${SEEN[$st]}"; done)"
# Only a run that tried every kill point can expect to have hit that window.
if ((HAVE_STRACE)) && ((KILL_PARTIAL == 0 || ${SEEN[stamped+stale]:-0} > 0)); then
    expect_ok "some kill fell after the commit, before the old table was zeroed" \
        test "${SEEN[stamped+stale]:-0}" -gt 0
elif ((HAVE_STRACE)); then
    skip "no kill fell after the commit, before the old table was zeroed, among the points the time budget allowed"
fi
bu_report
tl_finish
