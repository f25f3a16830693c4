#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Faults while stamping.  After every fault the file being stamped must be
# either the original (byte-identical, still runs) or the complete stamped
# result (the bytes `pkgnote stamp -o` gives, still runs); anything else is
# a file lost or corrupted.  What is left in the directory must be at most a
# `.NAME.pkgnote-XXXXXX` temporary file, only where the process was killed
# (or its own cleanup was what failed), and a later `pkgnote stamp` must then
# succeed and leave that leftover alone.
#
#   kill       SIGKILL at every system call of a stamp (strace inject), and
#              after 1 ms, 2 ms, ... (timeout -s KILL) while stamping a
#              32 MiB program and a 32 MiB static program (new first page)
#   errors     every system call from the opening of the input on fails in
#              turn (strace inject: EIO, ENOSPC, EXDEV, EINVAL, ...): a
#              documented exit code and one stderr line, or success
#   no space   a tmpfs too small for the temporary copy, at sizes around
#              twice the file; a file size limit (prlimit --fsize)
#   read-only  tmpfs remounted read-only, read-only bind mount, chattr +i
#              on the file and on the directory, chattr +a, a user who may
#              not write the directory (setpriv)
#   replaced   the file is renamed over, removed, replaced by a symlink or
#              written in place between the read and the rename (LD_PRELOAD
#              shim tests/faults/replace-shim.c, at fsync and at renameat2):
#              the engine must notice and leave the newcomer alone
#   running    fixtures/sleeper.c stamped while it runs (and a library while
#              a process has it mapped): the process finishes normally, the
#              file on disk is stamped
# The per-point parts (kill at every system call, timed kills, errors) run
# their points in the order of a seed within what is left of a time budget
# (tests/lib/budget.sh); each prints how many it covered.
# Prints the number of faults injected and of files lost or corrupted.
# Needs root for the mounts and chattr (those parts skip otherwise), strace
# for the system-call parts.
set -uo pipefail
: "${SOURCE_ROOT:?}"
. "$SOURCE_ROOT/tests/lib/testlib.sh"

tl_begin
. "$SOURCE_ROOT/tests/lib/budget.sh"
bu_begin faults 900

J=$WORK/json/short.json
WANT=$JSON_SHORT
. "$SOURCE_ROOT/tests/faults/faultlib.sh"

# -- fixtures ---------------------------------------------------------------------
echo "== fixtures"
FX=$WORK/fx
mkdir -p "$FX"
build() { local out; out=$("$@" 2>&1) || { fail "fixture: $* failed: $out"; tl_finish; }; }
# 32 MiB of pseudo-random bytes (fixed seed) in .rodata, summed by main.
python3 -c '
import random, sys
r = random.Random(20261123)
with open(sys.argv[1], "wb") as f:
    for _ in range(32):
        f.write(r.getrandbits(8 << 20).to_bytes(1 << 20, "little"))' "$FX/blob.bin" ||
    { fail "cannot write the 32 MiB blob"; tl_finish; }
cat >"$FX/big.c" <<EOF
#include <stdio.h>
extern const unsigned char blob_start[], blob_end[];
__asm__(".section .rodata.blob,\"a\"\n.globl blob_start\nblob_start:\n"
        ".incbin \"$FX/blob.bin\"\n.globl blob_end\nblob_end:\n.previous\n");
int main(void)
{
    unsigned long sum = 0;
    for (const unsigned char *p = blob_start; p < blob_end; p += 4093)
        sum = sum * 31 + *p;
    printf("big fixture: %lu bytes, sum %lx\n", (unsigned long)(blob_end - blob_start), sum);
    return 0;
}
EOF
build gcc -O2 -o "$FX/big" "$FX/big.c"
build gcc -O2 -o "$FX/hello" "$FIXTURES/hello.c"
build gcc -O2 -o "$FX/sleeper" "$FIXTURES/sleeper.c"
build gcc -O2 -fPIC -shared -Wl,-soname,libgreet.so -I"$FIXTURES" -o "$FX/libgreet.so" "$FIXTURES/libgreet.c"
STATIC_OK=0
# -z noseparate-code: code right after the notes, so that these take the
# new-first-page path (the whole file shifted), not a relocation in page 1.
if gcc -O2 -static -Wl,-z,noseparate-code -o "$FX/big-static" "$FX/big.c" 2>/dev/null &&
   gcc -O2 -static -Wl,-z,noseparate-code -o "$FX/hello-static" "$FIXTURES/hello.c" 2>/dev/null; then
    STATIC_OK=1
else
    skip "static fixtures: gcc -static does not link here (no libc.a?)"
fi
build gcc -O2 -shared -fPIC -o "$FX/replace-shim.so" "$SOURCE_ROOT/tests/faults/replace-shim.c" -ldl
rm -f "$FX/blob.bin"

declare -A ORIG_SHA STAMPED_SHA REF_RUN
# fixture_ref NAME: reference checksums and output of fixture NAME.
fixture_ref() {
    local n=$1 f=$FX/$1 err
    ORIG_SHA[$n]=$(sha256sum <"$f" | cut -d' ' -f1)
    REF_RUN[$n]=$(run_file "$f")
    if ! err=$("$PKGNOTE" stamp -q --json "$J" -o "$FX/$n.stamped" "$f" 2>&1); then
        fail "fixture $n: pkgnote stamp -o failed: $err"
        return 1
    fi
    STAMPED_SHA[$n]=$(sha256sum <"$FX/$n.stamped" | cut -d' ' -f1)
    local msg
    msg=$(check_page1 "$FX/$n.stamped" 2>&1) || fail "fixture $n: the stamped reference fails check_page1: $msg"
    expect_eq "fixture $n: the stamped reference runs as the original" "$(run_file "$FX/$n.stamped")" "${REF_RUN[$n]}"
    # In place must give the bytes -o gives (the checks below rely on it).
    cp -p "$f" "$WORK/inplace"
    "$PKGNOTE" stamp -q --json "$J" "$WORK/inplace" 2>&1
    expect_eq "fixture $n: stamping in place gives the bytes of -o" \
        "$(sha256sum <"$WORK/inplace" | cut -d' ' -f1)" "${STAMPED_SHA[$n]}"
    rm -f "$WORK/inplace"
}

# run_file FILE: its output and exit status (a library: dlopen'ed by python).
run_file() {
    local rc
    if [[ $1 == *.so* ]]; then
        LD_LIBRARY_PATH=$(dirname -- "$1") timeout 20 python3 -c 'import ctypes,sys; l=ctypes.CDLL(sys.argv[1]); l.fixture_probe.restype=ctypes.c_char_p; print(l.fixture_probe().decode())' "$1" 2>&1
    else
        timeout 20 bash -c 'exec "$0"' "$1" 2>&1
    fi
    rc=$?
    echo "[exit $rc]"
}

FIXS=(hello big sleeper libgreet.so)
((STATIC_OK)) && FIXS+=(hello-static big-static)
for n in "${FIXS[@]}"; do fixture_ref "$n"; done
info "big: $(stat -c %s "$FX/big") bytes; the stamp $( "$PKGNOTE" stamp --json "$J" -o "$WORK/x" "$FX/big"; rm -f "$WORK/x")"

# -- the state checks ---------------------------------------------------------------

# lost LABEL WHAT: count a file lost or corrupted.
lost() {
    LOST=$((LOST + 1))
    LOST_WHAT+=("$1: $2")
    fail "$1: FILE LOST OR CORRUPTED: $2"
}

# file_state NAME FILE: ST = original | stamped | missing | other (cmp: it
# stops at the first differing byte and at a different size).
file_state() {
    if [[ ! -e $2 && ! -L $2 ]]; then ST=missing
    elif [[ ! -f $2 || -L $2 ]]; then ST=other
    elif cmp -s -- "$2" "$FX/$1"; then ST=original
    elif cmp -s -- "$2" "$FX/$1.stamped"; then ST=stamped
    else ST=other; fi
}
# target_state NAME FILE: file_state, printed.
target_state() { local ST; file_state "$@"; echo "$ST"; }

# leftovers DIR BASE: every name in DIR but BASE (one a line).
leftovers() {
    local FL_OTHERS
    fl_others "$1" "$2"
    ((${#FL_OTHERS[@]} == 0)) || printf '%s\n' "${FL_OTHERS[@]}"
}

# after_fault LABEL NAME DIR LEFTOVER_OK [WANT_STATE]
# The file DIR/NAME after a fault: original or stamped (or WANT_STATE when
# given: "original" or "stamped"), runs as the fixture; leftovers only
# .NAME.pkgnote-XXXXXX and only when LEFTOVER_OK=1; with a leftover, a new
# stamp succeeds and leaves it alone.  Returns 0 when all is well.
after_fault() {
    local label=$1 n=$2 dir=$3 left_ok=$4 want=${5:-} f=$3/$2 ST p=() l mode
    file_state "$n" "$f"
    case $ST in
        original|stamped)
            if [[ -n $want && $ST != "$want" ]]; then p+=("the file is the $ST one, want the $want one"); fi
            # Its run depends on its bytes (one of the two references) and
            # its mode: run once per pair (FL_MEMO).
            mode=$(stat -c %a -- "$f")
            [[ -n ${FL_MEMO[run:$n:$ST:$mode]+x} ]] || FL_MEMO[run:$n:$ST:$mode]=$(run_file "$f")
            local got=${FL_MEMO[run:$n:$ST:$mode]}
            if [[ $got != "${REF_RUN[$n]}" ]]; then lost "$label" "the $ST file (mode $mode) no longer runs: $(tr '\n' '|' <<<"$got")"; return 1; fi ;;
        missing) lost "$label" "the file is gone"; return 1 ;;
        *) lost "$label" "the file is neither the original nor the stamped result ($(file -b "$f" 2>/dev/null | cut -c1-80))"; return 1 ;;
    esac
    local FL_OTHERS
    fl_others "$dir" "$n"
    if ((${#FL_OTHERS[@]})); then
        for l in "${FL_OTHERS[@]}"; do
            # mkostemp's name, or (O_TMPFILE) the one given for the rename
            [[ $l =~ ^\.${n//./\\.}\.pkgnote-([A-Za-z0-9]{6}|[0-9]+-[0-9]+)$ ]] || p+=("unexpected file left: $l")
        done
        ((left_ok)) || p+=("temporary file left behind: ${FL_OTHERS[*]}")
        # A later run must succeed, and must not modify the leftover
        # (removing it is fine).
        local before after err
        before=$(cd "$dir" && sha256sum -- "${FL_OTHERS[@]}" 2>/dev/null)
        if ! err=$("$PKGNOTE" stamp -q --json "$J" "$f" 2>&1); then
            p+=("a later stamp fails after the leftover: $err")
        elif ! cmp -s -- "$f" "$FX/$n.stamped"; then
            lost "$label" "a later stamp (with a leftover present) wrote something else"; return 1
        fi
        after=$(cd "$dir" && sha256sum -- "${FL_OTHERS[@]}" 2>/dev/null)
        [[ -z $after || $after == "$before" ]] || p+=("the later stamp modified the leftover")
        LEFTOVERS=$((LEFTOVERS + 1))
    fi
    if ((${#p[@]})); then fail "$label: $(IFS=';'; echo "${p[*]}")"; return 1; fi
    return 0
}
LEFTOVERS=0


# one_line FILE ERRFILE: exactly one stderr line "pkgnote: FILE...: reason"?
one_line() {
    local n
    n=$(wc -l <"$2")
    ((n == 1)) && [[ $(cat "$2") == "pkgnote: $1"*": "?* ]]
}

# In a sanitizer build: LeakSanitizer cannot work under ptrace (it says
# so and exits 1), so the runs under strace leave leaks to the other suites.
SANITIZED=0 STRACE_ASAN=${ASAN_OPTIONS:-}
if tl_sanitized; then
    SANITIZED=1
    STRACE_ASAN=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
fi
OWN_CALLS="openat read pread64 write pwrite64 copy_file_range sync_file_range fsync fdatasync
 ftruncate fallocate renameat2 rename unlink linkat ioctl fchown fchmod listxattr flistxattr
 getxattr fsetxattr newfstatat fstat statx utimensat close"
OWN_CALLS=$(echo $OWN_CALLS)
SHIM=$(fl_preload "$FX/replace-shim.so")

# -- 1. no space left, file size limit ------------------------------------------------------
echo
echo "== out of space"
# mount_tmpfs DIR SIZE: mount a tmpfs (recorded for cleanup); 1 on failure.
mount_tmpfs() {
    mkdir -p -- "$1"
    mount -t tmpfs -o "size=$2,mode=0755" tmpfs "$1" 2>"$WORK/mount.err" || return 1
    MOUNTS+=("$1")
}
umount_last() {
    umount -- "${MOUNTS[-1]}" && unset 'MOUNTS[-1]'
}
enospc_sweep() {
    local n=$1 size sizes=() s rc tries=0 ok=0 failed=0 stamped=0 m=$WORK/tmpfs-$1 label
    size=$(stat -c %s "$FX/$n")
    local page=4096 base=$(((size + 4095) / 4096 * 4096))
    # From room for the original only, to room for both copies and more.
    for s in 0 4096 $((base / 2)) $((base - 65536)); do sizes+=($((base + s))); done
    for ((s = -65536; s <= 65536; s += 8192)); do sizes+=($((2 * base + s))); done
    sizes+=($((2 * base + 1048576)))
    for s in "${sizes[@]}"; do
        label="$n on a tmpfs of $s bytes (file $size)"
        if ! mount_tmpfs "$m" "$s"; then
            skip "out of space: cannot mount a tmpfs: $(cat "$WORK/mount.err")"; return
        fi
        if ! cp -p "$FX/$n" "$m/$n" 2>/dev/null; then umount_last; continue; fi
        tries=$((tries + 1)); FAULTS=$((FAULTS + 1))
        timeout 120 "$PKGNOTE" stamp -q --json "$J" "$m/$n" >/dev/null 2>"$WORK/err"
        rc=$?
        local p=()
        if ((rc == 0)); then stamped=$((stamped + 1))
        else
            failed=$((failed + 1))
            ((rc == 6)) || p+=("exit $rc, want 6 (I/O error) or 0")
            one_line "$m/$n" "$WORK/err" || p+=("stderr not one line naming the file: $(head -c 300 "$WORK/err" | tr '\n' '|')")
            grep -q 'No space left' "$WORK/err" || p+=("the reason does not say 'No space left': $(cat "$WORK/err")")
        fi
        after_fault "$label (exit $rc)" "$n" "$m" 0 "$( ((rc == 0)) && echo stamped || echo original)" || p+=("see above")
        # The space of the temporary file must be given back.
        local used
        used=$(df -B1 --output=used "$m" | tail -1)
        ((used <= (rc == 0 ? size + 2 * 1048576 : size + 65536))) || p+=("$used bytes still in use on the tmpfs")
        if ((${#p[@]})); then fail "$label: $(IFS=';'; echo "${p[*]}")"; else ok=$((ok + 1)); fi
        umount_last
    done
    expect_eq "$n: out of space at $tries tmpfs sizes ($failed refused, $stamped fitted): all clean" "$ok" "$tries"
    ((failed > 0)) || fail "$n: no tmpfs size was small enough to make the stamp fail"
}
if ((IS_ROOT)); then
    enospc_sweep big
    ((STATIC_OK)) && enospc_sweep big-static
else
    skip "out of space on a tmpfs: not root (cannot mount)"
fi
# A file size limit: the temporary copy cannot grow past it.
for lim in 4096 1000000 $(($(stat -c %s "$FX/big") - 4096)); do
    d=$WORK/fsize; fl_fresh "$d" big
    FAULTS=$((FAULTS + 1))
    { prlimit --fsize="$lim" "$PKGNOTE" stamp -q --json "$J" "$d/big" >/dev/null 2>"$WORK/err"; } 2>/dev/null
    rc=$?
    p=()
    if ((rc >= 128)); then p+=("killed by signal $((rc - 128))$( ((rc == 153)) && echo ' (SIGXFSZ: pkgnote does not ignore it, so the write cannot fail with EFBIG and nothing cleans up)')")
    else
        ((rc == 6)) || p+=("exit $rc, want 6")
        one_line "$d/big" "$WORK/err" || p+=("stderr not one line naming the file: $(head -c 300 "$WORK/err" | tr '\n' '|')")
    fi
    after_fault "file size limit $lim" big "$d" 0 original || p+=("see above")
    if ((${#p[@]})); then fail "prlimit --fsize=$lim: $(IFS=';'; echo "${p[*]}")"
    else pass "prlimit --fsize=$lim: exit 6, one line, original intact, nothing left: $(cat "$WORK/err")"; fi
done

# -- 2. read-only --------------------------------------------------------------------------
echo
echo "== read-only file or directory"
# expect_refused_ro LABEL DIR NAME [ENV...]: the stamp must fail with exit 6
# and one line, the file stays the original, nothing is left.
expect_refused_ro() {
    local label=$1 dir=$2 n=$3 rc p=()
    shift 3
    FAULTS=$((FAULTS + 1))
    "$@" "$PKGNOTE" stamp -q --json "$J" "$dir/$n" >/dev/null 2>"$WORK/err"
    rc=$?
    ((rc == 6)) || p+=("exit $rc, want 6")
    one_line "$dir/$n" "$WORK/err" || p+=("stderr not one line naming the file: $(head -c 300 "$WORK/err" | tr '\n' '|')")
    after_fault "$label" "$n" "$dir" 0 original || p+=("see above")
    if ((${#p[@]})); then fail "$label: $(IFS=';'; echo "${p[*]}")"
    else pass "$label: refused (exit 6), original intact, nothing left: $(cat "$WORK/err")"; fi
}
if ((IS_ROOT)); then
    m=$WORK/ro-tmpfs
    if mount_tmpfs "$m" 16m; then
        cp -p "$FX/hello" "$m/hello"
        if mount -o remount,ro "$m"; then
            expect_refused_ro "tmpfs remounted read-only" "$m" hello
            mount -o remount,rw "$m"
        else
            skip "read-only tmpfs: remount,ro failed"
        fi
        umount_last
    else
        skip "read-only tmpfs: $(cat "$WORK/mount.err")"
    fi
    src=$WORK/ro-src; dst=$WORK/ro-bind
    fl_fresh "$src" hello; mkdir -p "$dst"
    if mount --bind "$src" "$dst" && MOUNTS+=("$dst") && mount -o remount,bind,ro "$dst"; then
        expect_refused_ro "read-only bind mount" "$dst" hello
        umount_last
    else
        skip "read-only bind mount: mount failed"
    fi
    d=$WORK/immutable; fl_fresh "$d" hello
    if chattr +i "$d/hello" 2>/dev/null; then
        IMMUTABLE+=("$d/hello")
        expect_refused_ro "chattr +i on the file" "$d" hello
        chattr -i "$d/hello"
        d=$WORK/immutable-dir; fl_fresh "$d" hello
        chattr +i "$d" && IMMUTABLE+=("$d")
        expect_refused_ro "chattr +i on the directory" "$d" hello
        chattr -i "$d"
        d=$WORK/append-only; fl_fresh "$d" hello
        chattr +a "$d/hello" && IMMUTABLE+=("$d/hello")
        expect_refused_ro "chattr +a (append only) on the file" "$d" hello
        chattr -a "$d/hello"
    else
        skip "chattr +i: not supported on $(df --output=fstype "$d" | tail -1) here"
    fi
else
    skip "read-only mounts and chattr: not root"
fi
if ((IS_ROOT)) && command -v setpriv >/dev/null; then
    d=$WORK/not-writable; fl_fresh "$d" hello; chmod 0755 "$d"; chmod 0755 "$WORK"
    expect_refused_ro "a user who may not write the directory (setpriv nobody)" "$d" hello \
        setpriv --reuid=65534 --regid=65534 --clear-groups
fi

# -- 3. replaced between the read and the rename ------------------------------------------------
echo
echo "== the file replaced between the read and the rename (LD_PRELOAD shim)"
# replaced HOOK ACTION LABEL: stamp hello with the shim doing ACTION at HOOK.
replaced() {
    local hook=$1 action=$2 label="$3 (at $1)" d=$WORK/r n=hello rc p=() opts=()
    [[ $hook == renameat2 ]] && opts=(--no-sync)
    fl_fresh "$d" "$n"
    # The newcomer: another program (the sleeper), placed beside the target.
    local newcomer=$WORK/newcomer
    cp -p "$FX/sleeper" "$newcomer"
    local new_sha ino act
    new_sha=$(sha256sum <"$newcomer" | cut -d' ' -f1)
    ino=$(stat -c %i "$newcomer")
    case $action in
        rename) act="rename:$newcomer" ;;
        symlink) act="symlink:$newcomer" ;;
        *) act=$action ;;
    esac
    rm -f "$WORK/shim-done"
    FAULTS=$((FAULTS + 1))
    PN_SHIM_HOOK=$hook PN_SHIM_TARGET="$d/$n" PN_SHIM_ACTION=$act PN_SHIM_DONE=$WORK/shim-done \
        LD_PRELOAD=$SHIM timeout 60 "$PKGNOTE" stamp -q --json "$J" "${opts[@]}" "$d/$n" >/dev/null 2>"$WORK/err"
    rc=$?
    if [[ ! -e $WORK/shim-done ]]; then fail "$label: the shim did not fire (no $hook call?)"; return; fi
    local err
    err=$(cat "$WORK/err")
    case $action in
        rename|symlink)
            ((rc == 6)) || p+=("exit $rc, want 6 (the replacement must be noticed)")
            one_line "$d/$n" "$WORK/err" || p+=("stderr not one line naming the file: $err")
            if [[ $action == rename ]]; then
                if [[ ! -f $d/$n || -L $d/$n ]]; then lost "$label" "the replacement is gone"
                elif [[ $(sha256sum <"$d/$n" | cut -d' ' -f1) != "$new_sha" || $(stat -c %i "$d/$n") != "$ino" ]]; then
                    lost "$label" "the replacement was overwritten (it is now $(target_state "$n" "$d/$n"))"
                else pass "$label: the replacement is left as it is: $err"; fi
            else
                if [[ -L $d/$n && $(readlink "$d/$n") == "$newcomer" && $(sha256sum <"$newcomer" | cut -d' ' -f1) == "$new_sha" ]]; then
                    pass "$label: the symlink and its target are left as they are: $err"
                else lost "$label" "the symlink put in place was replaced or its target changed"; fi
            fi ;;
        unlink)
            ((rc != 0)) || p+=("exit 0: the stamp succeeded although the file was removed")
            ((rc == 0)) || one_line "$d/$n" "$WORK/err" || p+=("stderr not one line naming the file: $err")
            if [[ -e $d/$n ]]; then p+=("the removed file came back ($(target_state "$n" "$d/$n"))")
            else pass "$label: the removed file stays removed (exit $rc: $err)"; fi ;;
        write|append)
            # Same inode, new contents: a stamp that goes ahead puts the
            # old contents back and the concurrent write is lost.
            local now
            now=$(target_state "$n" "$d/$n")
            if [[ $now == stamped ]]; then
                lost "$label" "exit $rc: the file was modified in place during the stamp and pkgnote replaced it with a stamped copy of the old contents (the concurrent write is lost; device and inode are unchanged, mtime/ctime/size are not)"
            elif [[ $now == original ]]; then
                lost "$label" "the in-place write vanished"
            else
                ((rc == 6)) || p+=("exit $rc, want 6")
                one_line "$d/$n" "$WORK/err" || p+=("stderr not one line naming the file: $err")
                pass "$label: the modified file is left as it is (exit $rc: $err)"
            fi ;;
    esac
    local left
    left=$(leftovers "$d" "$n" | grep -v -x -F -e "$n.shim-link" || true)
    [[ -z $left ]] || p+=("left behind: $(tr '\n' ' ' <<<"$left")")
    [[ $action == rename ]] || [[ $(sha256sum <"$newcomer" | cut -d' ' -f1) == "$new_sha" ]] || p+=("the newcomer changed")
    ((${#p[@]} == 0)) || fail "$label: $(IFS=';'; echo "${p[*]}")"
}
for hook in fsync renameat2; do
    replaced "$hook" rename "renamed over by another file"
    replaced "$hook" symlink "replaced by a symlink"
    replaced "$hook" unlink "removed"
    replaced "$hook" write "written in place (same inode)"
    replaced "$hook" append "appended to in place (same inode)"
done

# Batch mode commits its stamps in sets: a file written to after its copy
# was prepared, before the set is synced and renamed, fails alone.
echo
echo "== a set committed together, one of its files written to before the commit"
set_one_written() {
    local d=$WORK/set rc f p=() err
    rm -rf "$d"; mkdir -p "$d"
    for f in a b c; do cp -p "$FX/hello" "$d/$f"; done
    cp "$FX/hello" "$WORK/b.want"
    printf 'ZZZZZZZZZZZZZZZZ' | dd of="$WORK/b.want" bs=1 seek=4096 conv=notrunc status=none
    rm -f "$WORK/shim-done"
    FAULTS=$((FAULTS + 1))
    # The first fsync is the commit's: all three are prepared by then.
    PN_SHIM_HOOK=fsync PN_SHIM_TARGET="$d/b" PN_SHIM_ACTION=write PN_SHIM_DONE=$WORK/shim-done \
        LD_PRELOAD=$SHIM timeout 60 "$PKGNOTE" stamp -r -j 1 --json "$J" "$d" \
        >"$WORK/out" 2>"$WORK/err"
    rc=$?
    err=$(cat "$WORK/err")
    [[ -e $WORK/shim-done ]] || p+=("the shim did not fire")
    ((rc == 6)) || p+=("exit $rc, want 6")
    one_line "$d/b" "$WORK/err" || p+=("stderr not one line naming b: $err")
    grep -qx "pkgnote: 2 stamped, 0 unchanged, 0 skipped, 1 failed" "$WORK/out" ||
        p+=("summary: $(tail -n1 "$WORK/out")")
    for f in a c; do
        [[ $(target_state hello "$d/$f") == stamped ]] || p+=("$f is $(target_state hello "$d/$f"), want stamped")
    done
    if ! cmp -s "$WORK/b.want" "$d/b"; then
        lost "set: b" "the file written to during the batch is not what was written (it is $(target_state hello "$d/b"))"
        return
    fi
    [[ -z $(ls -A "$d" | grep -v -x -e a -e b -e c) ]] || p+=("left behind: $(ls -A "$d" | tr '\n' ' ')")
    if ((${#p[@]})); then fail "set: $(IFS=';'; echo "${p[*]}")"
    else pass "set of three: a and c stamped, b (written to) left as written, exit 6: $err"; fi
}
set_one_written

# -- 4. stamping a program while it runs ---------------------------------------------------
echo
echo "== stamping a program while it runs"
run_while_stamped() {
    local label=$1 n=$2 d=$WORK/run-$2 fifo=$WORK/fifo-$2 pid rc out want
    shift 2
    fl_fresh "$d" "$n"
    rm -f "$fifo"; mkfifo "$fifo"
    want="ready
$(timeout 20 "$FX/sleeper")"
    # The process: the sleeper itself, or the sleeper with library $n preloaded.
    if [[ $n == sleeper ]]; then
        ( exec "$d/sleeper" "$fifo" >"$WORK/run.out" 2>&1 ) &
    else
        ( LD_PRELOAD=$d/$n exec "$FX/sleeper" "$fifo" >"$WORK/run.out" 2>&1 ) &
    fi
    pid=$!
    local i
    for ((i = 0; i < 200; i++)); do grep -q ready "$WORK/run.out" 2>/dev/null && break; sleep 0.05; done
    FAULTS=$((FAULTS + 1))
    if grep -q '^[0-9a-f]*-[0-9a-f]* r-xp .*'"$d/$n"'$' "/proc/$pid/maps" 2>/dev/null; then
        pass "$label: $n is mapped executable by the running process"
    else
        fail "$label: $n is not mapped by process $pid (cannot test)"
    fi
    if "$PKGNOTE" stamp -q --json "$J" "$d/$n" 2>"$WORK/err"; then
        pass "$label: stamped while running"
    else
        fail "$label: stamp failed while running: $(cat "$WORK/err")"
    fi
    fl_release "$fifo" "$pid"
    wait "$pid"; rc=$?
    out=$(cat "$WORK/run.out")
    expect_eq "$label: the running process finished normally, its pages read after the stamp unchanged" "$out
[exit $rc]" "$want
[exit 0]"
    expect_eq "$label: the file on disk is the stamped one" "$(target_state "$n" "$d/$n")" stamped
    expect_ok "$label: check_page1" check_page1 "$d/$n"
    expect_eq "$label: the stamped file runs" "$(run_file "$d/$n")" "${REF_RUN[$n]}"
    [[ -z $(leftovers "$d" "$n") ]] && pass "$label: nothing left in the directory" || fail "$label: left: $(leftovers "$d" "$n")"
}
run_while_stamped "program stamped while it runs" sleeper
run_while_stamped "library stamped while a process has it mapped" libgreet.so

# -- 5. SIGKILL at every system call ---------------------------------------------------
echo
echo "== SIGKILL at every system call of a stamp (strace)"
# syscall_points NAME: "syscall nth" for each call of a stamp of NAME from the
# opening of the input on.
syscall_points() { ASAN_OPTIONS=$STRACE_ASAN fl_syscall_points "$1" --json "$J"; }
kill_at_syscalls() {
    local n=$1 points total=0 killed=0 ok=0 sc nth rc d=$WORK/k-$1
    points=$(syscall_points "$n")
    [[ -n $points ]] || { fail "kill $n: no system calls traced"; return; }
    fl_loop "kill-$n" "$(wc -l <<<"$points")"
    while read -r sc nth; do
        bu_more || break
        total=$((total + 1))
        fl_fresh "$d" "$n"
        # (the group's 2>/dev/null silences bash's "Killed" notice)
        { (cd "$d" && ASAN_OPTIONS=$STRACE_ASAN exec timeout -s KILL 60 strace -qq -o /dev/null -e trace="$sc" \
            -e inject="$sc":signal=KILL:when="$nth" "$PKGNOTE" stamp -q --json "$J" "$n" >/dev/null 2>&1); } 2>/dev/null
        rc=$?
        if ((rc == 137)); then killed=$((killed + 1)); FAULTS=$((FAULTS + 1)); fi
        after_fault "kill $n at $sc #$nth" "$n" "$d" 1 && ok=$((ok + 1))
        bu_done
    done < <(bu_shuffle <<<"$points")
    bu_end
    expect_eq "kill $n: every one of the $total system-call points tried left a sound file ($killed kills landed)" "$ok" "$total"
}
# The budgeted loops come last, after the parts that run whole (space,
# read-only, replaced, running), and share what is left of the budget:
# each may use an equal part of what is left when it starts, the last all
# of it.
FL_LOOPS=$((1 + STATIC_OK))
((HAVE_STRACE)) && FL_LOOPS=$((FL_LOOPS + 2 + 1 + 2 * STATIC_OK))
if ((HAVE_STRACE)); then
    kill_at_syscalls big
    kill_at_syscalls hello
    ((STATIC_OK)) && kill_at_syscalls hello-static
else
    skip "SIGKILL at every system call: strace is not installed"
fi

# -- 6. SIGKILL after 1 ms, 2 ms, ... ---------------------------------------------------
echo
echo "== SIGKILL after increasing delays while stamping 32 MiB"
kill_timed() {
    local n=$1 d=$WORK/t-$1 ms sec rc killed=0 ok=0 tries=0 t0 t1 full
    fl_fresh "$d" "$n"
    t0=${EPOCHREALTIME/./}; "$PKGNOTE" stamp -q --json "$J" "$d/$n"; t1=${EPOCHREALTIME/./}
    full=$(((t1 - t0) / 1000 + 5))
    # Every ms for the first 40 (opening, reading, mapping), then about 40
    # points over the rest of the stamp, at least 3 ms apart: they cover
    # the same shares of its progress however slow the stamp is here (a
    # sanitizer build, a loaded machine), not more points the slower it is.
    local delays=() step=$(((full + 10 - 40) / 40))
    ((step < 3)) && step=3
    info "$n: a stamp takes about $((full - 5)) ms; killing after 1..$((full + 10)) ms (every $step ms after 40)"
    for ((ms = 1; ms <= full + 10; ms += (ms < 40 ? 1 : step))); do delays+=("$ms"); done
    fl_loop "timed-$n" "${#delays[@]}"
    while read -r ms <&3; do
        bu_more || break
        fl_fresh "$d" "$n"
        tries=$((tries + 1))
        printf -v sec '%d.%03d' $((ms / 1000)) $((ms % 1000))
        { timeout -s KILL "$sec" "$PKGNOTE" stamp -q --json "$J" "$d/$n" >/dev/null 2>&1; } 2>/dev/null  # (bash's "Killed" notice)
        rc=$?
        if ((rc == 137)); then killed=$((killed + 1)); FAULTS=$((FAULTS + 1)); fi
        after_fault "$n killed after ${ms} ms" "$n" "$d" 1 && ok=$((ok + 1))
        bu_done
    done 3< <(printf '%s\n' "${delays[@]}" | bu_shuffle)
    bu_end
    expect_eq "$n: every one of the $tries timed kills left a sound file ($killed landed before the end)" "$ok" "$tries"
}
kill_timed big
((STATIC_OK)) && kill_timed big-static

# -- 7. every system call fails in turn ----------------------------------------------------
echo
echo "== a failing system call at every point (strace error injection)"
errnos_for() {
    case $1 in
        copy_file_range) echo EIO ENOSPC EXDEV ENOSYS ;;
        pwrite64|write) echo EIO ENOSPC ;;
        pread64|read) echo EIO ;;
        fsync|fdatasync) echo EIO ;;
        ftruncate) echo EFBIG ;;
        renameat2) echo EINVAL EXDEV EPERM ;;
        rename) echo EXDEV ;;
        openat) echo EACCES EMFILE ;;
        ioctl) echo EOPNOTSUPP EIO ;;
        unlink) echo EBUSY ;;
        fchown|fchmod) echo EPERM ;;
        listxattr|flistxattr|getxattr|fsetxattr) echo EIO ;;
        mmap) echo ENOMEM ;;
        clone|clone3) echo EAGAIN ;;
        *) echo EIO ;;
    esac
}
error_at_syscalls() {
    local n=$1 points total=0 ok=0 sc nth e rc d=$WORK/e-$1 p label msg cases=()
    points=$(syscall_points "$n")
    while read -r sc nth; do
        # brk cannot be made to fail this way: the kernel reports a failed
        # brk by returning the old break, never an errno, and glibc's malloc
        # crashes on the -ENOMEM strace would return.
        [[ $sc == brk ]] && continue
        # futex (the writeback helper's lock) fails only with EAGAIN,
        # EINTR or ETIMEDOUT, which glibc retries; any other error is a
        # kernel bug, on which glibc aborts by design.
        [[ $sc == futex ]] && continue
        # A sanitizer's runtime makes system calls of its own (getpid,
        # mmap, sched_yield, ...) and spins or aborts when they fail; in
        # that build only the calls pkgnote's own code makes fail.
        if ((SANITIZED)) && [[ " $OWN_CALLS " != *" $sc "* ]]; then continue; fi
        for e in $(errnos_for "$sc"); do cases+=("$sc $nth $e"); done
    done <<<"$points"
    fl_loop "errors-$n" "${#cases[@]}"
    while read -r sc nth e; do
        bu_more || break
        total=$((total + 1)); FAULTS=$((FAULTS + 1))
        label="$n: $sc #$nth fails with $e"
        fl_fresh "$d" "$n"
        { (cd "$d" && ASAN_OPTIONS=$STRACE_ASAN exec timeout -s KILL 60 strace -qq -o /dev/null -e trace="$sc" \
            -e inject="$sc":error="$e":when="$nth" "$PKGNOTE" stamp -q --json "$J" "$n" >/dev/null 2>"$WORK/err"); } 2>/dev/null
        rc=$?
        p=()
        if ((rc >= 128)); then p+=("crashed or killed (exit $rc)")
        elif ((rc != 0)); then
            one_line "$n" "$WORK/err" || p+=("stderr is not one line 'pkgnote: $n: reason': $(head -c 300 "$WORK/err" | tr '\n' '|')")
            ((rc >= 2 && rc <= 7)) || p+=("exit $rc is not a documented failure code")
        fi
        # A stamp that reports success must have stamped; the cleanup
        # may be left only when the cleanup itself failed (unlink).
        local want=
        ((rc == 0)) && want=stamped
        after_fault "$label (exit $rc)" "$n" "$d" "$([[ $sc == unlink ]] && echo 1 || echo 0)" $want || p+=("see above")
        if ((${#p[@]})); then fail "$label: $(IFS=';'; echo "${p[*]}")"
        else ok=$((ok + 1)); fi
        bu_done
    done < <(printf '%s\n' "${cases[@]}" | bu_shuffle)
    bu_end
    expect_eq "$n: all $total injected errors tried handled (documented exit, one line, file sound, nothing left)" "$ok" "$total"
}
if ((HAVE_STRACE)); then
    error_at_syscalls hello
    ((STATIC_OK)) && error_at_syscalls hello-static
else
    skip "error injection: strace is not installed"
fi

# -- summary ----------------------------------------------------------------------------------
echo
echo "faults injected: $FAULTS; files lost or corrupted: $LOST; runs that left a temporary file (all after SIGKILL, all ignored by a later stamp): $LEFTOVERS"
bu_report
if ((LOST)); then printf '  lost or corrupted: %s\n' "${LOST_WHAT[@]}"; fi
tl_finish
