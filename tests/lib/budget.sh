# shellcheck shell=bash
# tests/lib/budget.sh: time budget, case order and coverage of the long
# suites (source it; needs nothing else).
#
# A long suite runs many independent cases (malformed files, files of /usr,
# fault points, cross fixtures).  On a slow or shared machine it must not
# be killed by its guard: it runs its cases in an order set by a seed, stops
# at a case boundary when its time budget is spent, prints how many cases
# it covered, and passes or fails on the cases it ran.  A slow machine lowers
# coverage; a hang, a crash or a wrong result still fails.  The seed rotates
# from run to run, so that over many runs every case is exercised, and a
# failing run is replayed with the seed it printed.
#
# Environment (all optional):
#   PKGNOTE_SUITE_BUDGET  seconds a long suite of weight 100 may take (.ci/run
#                         derives it from each build's guard); a suite takes
#                         its weight's share of it; default: the suite's own
#                         seconds, given to bu_begin (used as they are)
#   PKGNOTE_GUARD_END     epoch seconds when the whole run's guard expires
#                         (.ci/run): a suite takes at most half of what
#                         is left of it, so that one starting late leaves
#                         room for the suites still running or to come
#   PKGNOTE_SEED          the case order; default: from the date and time
#                         (a new one every minute), printed by bu_begin
#   PKGNOTE_FULL=1        no budget: every case, whatever it takes (run it
#                         with meson test --timeout-multiplier 0)
#
# Use, in a suite:
#   . "$SOURCE_ROOT/tests/lib/budget.sh"
#   bu_begin malformed 900 150      # at the top (the clock starts here): by
#                                   # hand 900 s, in CI 150% of the budget
#   bu_loop corpus 90 "$n"          # a loop of n cases may use 90% of what
#                                   # is left of the budget (100: all of it)
#   while read -r case; do
#       bu_more || break            # before each case: time left for one?
#       ...run the case...
#       bu_done                     # after each case
#   done < <(bu_shuffle <cases.txt) # (not a pipe: the counters must stay)
#   bu_end                          # after the loop: its coverage line
#   bu_report                       # at the end: the suite's coverage line
# A loop's cases must be independent of each other.  Subprocesses (xargs
# workers) test BU_DEADLINE (epoch seconds, exported by bu_loop) themselves:
# bu_past_deadline is true once it has passed.

BU_NAME= BU_START=0 BU_BUDGET=0 BU_SEED=0 BU_FULL=0
BU_DEADLINE=${BU_DEADLINE:-0}   # kept: a worker sources this file too
[[ ${PKGNOTE_FULL:-0} == 1 ]] && BU_FULL=1
BU_COVERED=0 BU_TOTAL=0
BU_LOOP= BU_LOOP_START=0 BU_LOOP_TOTAL=0 BU_LOOP_DONE=0

# bu_seed: PKGNOTE_SEED, or one from the date and time.
bu_seed() {
    local s=${PKGNOTE_SEED:-}
    if [[ -z $s ]]; then
        s=$(( ($(date -u +%s) / 60) % 1000000 ))
    fi
    [[ $s =~ ^[0-9]+$ ]] || { echo "PKGNOTE_SEED must be a number, not '$s'" >&2; s=1; }
    echo "$s"
}

# bu_begin NAME DEFAULT_SECONDS [WEIGHT]: the suite's budget is WEIGHT
# percent (default 100) of PKGNOTE_SUITE_BUDGET, or DEFAULT_SECONDS.
bu_begin() {
    BU_NAME=$1
    BU_START=$EPOCHSECONDS
    BU_SEED=$(bu_seed)
    BU_BUDGET=$2
    if [[ ${PKGNOTE_SUITE_BUDGET:-} =~ ^[0-9]+$ ]]; then
        BU_BUDGET=$((PKGNOTE_SUITE_BUDGET * ${3:-100} / 100))
    fi
    local late
    if [[ ${PKGNOTE_GUARD_END:-} =~ ^[0-9]+$ ]]; then
        late=$(((PKGNOTE_GUARD_END - BU_START) / 2))
        ((late < 0)) && late=0
        if ((late < BU_BUDGET)); then
            BU_BUDGET=$late
            echo "# $BU_NAME: half of what is left of the run's guard: ${late} s"
        fi
    fi
    if ((BU_FULL)); then
        echo "# $BU_NAME: every case (PKGNOTE_FULL=1), seed $BU_SEED"
    else
        echo "# $BU_NAME: time budget ${BU_BUDGET} s, seed $BU_SEED (PKGNOTE_SEED=$BU_SEED replays this order; PKGNOTE_FULL=1 runs every case)"
    fi
}

# bu_left: seconds left of the suite's budget (a large number with FULL).
bu_left() {
    if ((BU_FULL)); then echo 1000000000; return; fi
    local left=$((BU_START + BU_BUDGET - EPOCHSECONDS))
    ((left < 0)) && left=0
    echo "$left"
}

# bu_loop NAME PERCENT TOTAL: a loop of TOTAL cases starts; it may use
# PERCENT of the time left of the budget (the rest is for what follows).
bu_loop() {
    BU_LOOP=$1 BU_LOOP_TOTAL=$3 BU_LOOP_DONE=0
    BU_LOOP_START=$EPOCHSECONDS
    BU_DEADLINE=$((EPOCHSECONDS + $(bu_left) * $2 / 100))
    export BU_DEADLINE
}

# bu_past_deadline: has the loop's deadline passed?
bu_past_deadline() {
    ((BU_FULL == 0 && EPOCHSECONDS >= BU_DEADLINE))
}

# bu_more [N]: is there time for N (default 1) more cases?  A case is
# assumed to take as long as the loop's cases so far did on average.
bu_more() {
    ((BU_FULL)) && return 0
    local need=0
    ((BU_LOOP_DONE > 0)) && need=$(((EPOCHSECONDS - BU_LOOP_START) * ${1:-1} / BU_LOOP_DONE))
    ((EPOCHSECONDS + need < BU_DEADLINE))
}

# bu_done [N]: N (default 1) cases of the loop have run.
bu_done() { BU_LOOP_DONE=$((BU_LOOP_DONE + ${1:-1})); }

# bu_end: the loop's coverage line; adds it to the suite's.
bu_end() {
    BU_COVERED=$((BU_COVERED + BU_LOOP_DONE))
    BU_TOTAL=$((BU_TOTAL + BU_LOOP_TOTAL))
    echo "# $BU_NAME/$BU_LOOP: covered $BU_LOOP_DONE of $BU_LOOP_TOTAL cases in $((EPOCHSECONDS - BU_LOOP_START)) s, seed $BU_SEED"
}

# bu_report: the suite's coverage line, summed over its loops.
bu_report() {
    local why=
    ((BU_COVERED < BU_TOTAL)) && why=" (stopped by the time budget of ${BU_BUDGET} s; another seed runs other cases first)"
    echo "# $BU_NAME: covered $BU_COVERED of $BU_TOTAL cases in $((EPOCHSECONDS - BU_START)) s, seed $BU_SEED$why"
}

# bu_shuffle: the lines of stdin in the seed's order (the same seed and
# input give the same order).  Each loop gets its own order from the seed.
bu_shuffle() {
    awk -v s="$BU_SEED" -v l="$BU_LOOP" 'BEGIN {
            n = length(l); for (i = 1; i <= n; i++) s = (s * 31 + index("abcdefghijklmnopqrstuvwxyz0123456789-", substr(l, i, 1))) % 2147483647
            srand(s) }
        { printf "%.9f\t%s\n", rand(), $0 }' | LC_ALL=C sort -t$'\t' -k1,1 -s | cut -f2-
}
