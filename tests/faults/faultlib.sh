# SPDX-License-Identifier: LGPL-2.1-or-later
# tests/faults/faultlib.sh: what the fault tests share, sourced after
# testlib.sh's tl_begin.  Mounts made (MOUNTS) and files made immutable
# or append-only (IMMUTABLE) are undone at exit, and meson's SIGTERM at a
# timeout exits through that trap; IS_ROOT and HAVE_STRACE say which parts
# can run; FAULTS counts the faults injected, LOST the files lost or
# corrupted (LOST_WHAT says which).  Needs budget.sh sourced.
FAULTS=0
LOST=0
LOST_WHAT=()
MOUNTS=()
IMMUTABLE=()

fl_cleanup() {
    local m f
    for f in "${IMMUTABLE[@]}"; do chattr -i -a -- "$f" 2>/dev/null; done
    for ((m = ${#MOUNTS[@]} - 1; m >= 0; m--)); do
        umount -- "${MOUNTS[m]}" 2>/dev/null || umount -l -- "${MOUNTS[m]}" 2>/dev/null
    done
    [[ ${KEEP_WORK:-0} == 1 ]] || rm -rf -- "$WORK"
}
trap fl_cleanup EXIT
trap 'exit 143' TERM INT

IS_ROOT=0; [[ $(id -u) == 0 ]] && IS_ROOT=1
HAVE_STRACE=0; command -v strace >/dev/null && HAVE_STRACE=1

# fl_loop NAME TOTAL: a budgeted loop of TOTAL points starts (bu_loop); it
# may use an equal part of the time left with the FL_LOOPS loops still to
# come (the suite counts the part after its last loop as one).
FL_LOOPS=1
fl_loop() {
    bu_loop "$1" $((100 / (FL_LOOPS > 1 ? FL_LOOPS : 1))) "$2"
    ((FL_LOOPS > 1)) && FL_LOOPS=$((FL_LOOPS - 1))
}

# fl_fresh DIR NAME: DIR holds only a pristine copy of fixture FX/NAME, a
# new inode.  A case costs one cp: what the last case left is removed (one
# rm, only when something was left), listed by a glob, not by ls.
fl_fresh() {
    local d=$1 n=$2 x extra=()
    if [[ -d $1 && ! -L $1 ]]; then
        shopt -s nullglob dotglob
        for x in "$d"/*; do
            [[ $x == "$d/$n" && -f $x && ! -L $x ]] || extra+=("$x")
        done
        shopt -u nullglob dotglob
        ((${#extra[@]} == 0)) || rm -rf -- "${extra[@]}"
    else
        rm -rf -- "$d"; mkdir -p -- "$d"
    fi
    cp -p --remove-destination -- "$FX/$n" "$d/$n"
}

# fl_others DIR NAME: FL_OTHERS, every name in DIR but NAME (a glob: no
# process).
fl_others() {
    local x
    FL_OTHERS=()
    shopt -s nullglob dotglob
    for x in "$1"/*; do [[ $x == "$1/$2" ]] || FL_OTHERS+=("${x##*/}"); done
    shopt -u nullglob dotglob
}

# FL_MEMO[KEY]: the verdict of a check whose result depends only on a
# file's bytes and mode (its run, eu-elflint), KEY naming those: the check
# runs once per content, and a fault that leaves bytes already checked
# gets that verdict again (a failure included) without a process.
declare -A FL_MEMO=()

# fl_syscall_points NAME OPTION...: "syscall nth" for each system call of
# `pkgnote stamp -q OPTION... NAME` in a fresh directory (strace), from the
# opening of the input on.
fl_syscall_points() {
    local n=$1 d=$WORK/trace
    shift
    fl_fresh "$d" "$n"
    (cd "$d" && strace -qq -o "$WORK/trace.txt" "$PKGNOTE" stamp -q "$@" "$n" >/dev/null 2>&1)
    awk -v n="$n" '
        { name = $0; sub(/\(.*/, "", name) }
        name !~ /^[a-z_0-9]+$/ { next }
        { seen[name]++ }
        !on && name == "openat" && index($0, "\"" n "\"") { on = 1 }
        on && name != "exit_group" { print name, seen[name] }' "$WORK/trace.txt"
}

# fl_preload LIB: the LD_PRELOAD value that loads LIB into PKGNOTE; in a
# sanitizer build the sanitizer's runtime must come first among them.
fl_preload() {
    local rt
    if tl_sanitized; then
        rt=$(ldd "$PKGNOTE" | awk '/lib[at]san/ { print $3 }')
        [[ -n $rt ]] && { echo "$rt:$1"; return; }
    fi
    echo "$1"
}

# fl_release FIFO PID: let the sleeper waiting on FIFO finish.  Opening a
# FIFO for writing blocks until a reader opens it: if the process died
# (or lost the FIFO), the write gives up after 30 s and the process is
# killed, so that the suite fails on what it checks instead of hanging.
fl_release() {
    timeout 30 bash -c 'echo go >"$1"' _ "$1" && return 0
    echo "# nothing read $1 within 30 s: process $2 killed" >&2
    kill -KILL "$2" 2>/dev/null
    return 1
}
