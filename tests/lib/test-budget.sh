#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# tests/lib/budget.sh itself: the seed's order is a permutation, the same
# for the same seed and another for another seed; a loop stops at a case
# boundary once its budget is spent and says how many cases it covered;
# PKGNOTE_FULL=1 runs every case; a suite's weight scales
# PKGNOTE_SUITE_BUDGET; a worker sees the loop's deadline.
set -uo pipefail
: "${SOURCE_ROOT:?}"
. "$SOURCE_ROOT/tests/lib/testlib.sh"
unset PKGNOTE_SUITE_BUDGET PKGNOTE_FULL BU_DEADLINE PKGNOTE_GUARD_END

# in_shell ENV... -- SCRIPT: run SCRIPT in a fresh bash that sourced budget.sh.
in_shell() {
    local envs=()
    while [[ $1 != -- ]]; do envs+=("$1"); shift; done
    env "${envs[@]}" bash -c ". \"\$SOURCE_ROOT/tests/lib/budget.sh\"; $2" 2>&1
}

order() { in_shell PKGNOTE_SEED="$1" -- 'bu_begin t 10 >/dev/null; bu_loop l 100 50; seq 50 | bu_shuffle' | tr '\n' ' '; }
a=$(order 1234) b=$(order 1234) c=$(order 98765)
expect_eq "the same seed gives the same order" "$a" "$b"
[[ $a != "$c" ]] && pass "another seed gives another order" || fail "seeds 1234 and 98765 give the same order: $a"
expect_eq "the order is a permutation of the cases" "$(tr ' ' '\n' <<<"$a" | sed '/^$/d' | sort -n | tr '\n' ' ')" "$(seq 50 | tr '\n' ' ')"
[[ $a != "$(seq 50 | tr '\n' ' ')" ]] && pass "the order is not the input's" || fail "bu_shuffle kept the input order"

loop='bu_begin t 2; bu_loop l 100 20
    while read -r c; do bu_more || break; sleep 0.4; bu_done; done < <(seq 20 | bu_shuffle)
    bu_end; bu_report'
out=$(in_shell PKGNOTE_SEED=7 -- "$loop")
line=$(grep '^# t: covered' <<<"$out")
if [[ $line =~ ^"# t: covered "([0-9]+)" of 20 cases in "[0-9]+" s, seed 7" ]] &&
   ((BASH_REMATCH[1] >= 1 && BASH_REMATCH[1] < 20)); then
    pass "a 2 s budget stops a loop of 20 cases of 0.4 s early and says so: $line"
else
    fail "a 2 s budget over 20 cases of 0.4 s: $(tr '\n' '|' <<<"$out")"
fi
out=$(in_shell PKGNOTE_SEED=7 PKGNOTE_FULL=1 -- "${loop//0.4/0.01}")
expect_eq "PKGNOTE_FULL=1 runs every case" "$(grep '^# t: covered' <<<"$out" | cut -d' ' -f3-6)" "covered 20 of 20"

expect_eq "a weight of 150 takes 1.5 times PKGNOTE_SUITE_BUDGET" \
    "$(in_shell PKGNOTE_SUITE_BUDGET=100 -- 'bu_begin t 900 150 >/dev/null; echo $BU_BUDGET')" 150
expect_eq "late in a run, half of what is left of the guard" \
    "$(in_shell PKGNOTE_SUITE_BUDGET=100 PKGNOTE_GUARD_END=$(($(date +%s) + 91)) -- 'bu_begin t 900 >/dev/null; echo $BU_BUDGET')" 45
expect_eq "by hand, the suite's own budget" "$(in_shell -- 'bu_begin t 900 150 >/dev/null; echo $BU_BUDGET')" 900
expect_eq "a worker sees a passed deadline" \
    "$(in_shell -- 'bu_begin t 1 >/dev/null; bu_loop l 100 1; sleep 1.2; bash -c ". \"\$SOURCE_ROOT/tests/lib/budget.sh\"; bu_past_deadline && echo past"')" past
expect_eq "a worker under PKGNOTE_FULL=1 has no deadline" \
    "$(in_shell PKGNOTE_FULL=1 -- 'bu_begin t 1 >/dev/null; bu_loop l 100 1; sleep 1.2; bash -c ". \"\$SOURCE_ROOT/tests/lib/budget.sh\"; bu_past_deadline || echo running"')" running
# The run's guard (tests/lib/guard-start.sh, .ci/run's count).
guard=$SOURCE_ROOT/tests/lib/guard-start.sh
now=$(date +%s)
out=$(env -u PKGNOTE_BUDGETED PKGNOTE_GUARD_END=$((now + 50)) PKGNOTE_GUARD_RESERVE=100 bash "$guard" bash -c 'echo ran; exit 3')
rc=$?
[[ $rc == 77 && $out == "SKIP: not started: "* && $out != *ran* ]] &&
    pass "a test is not started, and is skipped, when less than the reserve is left of the guard" ||
    fail "guard-start with 50 s left of a 100 s reserve: exit $rc, '$out'"
out=$(PKGNOTE_GUARD_END=$((now + 500)) PKGNOTE_GUARD_RESERVE=100 bash "$guard" bash -c 'echo ran; exit 3')
rc=$?
[[ $rc == 3 && $out == ran ]] && pass "with time left the test runs, its exit status passed on" ||
    fail "guard-start with 500 s left: exit $rc, '$out'"
out=$(PKGNOTE_BUDGETED=1 PKGNOTE_GUARD_END=$((now + 50)) PKGNOTE_GUARD_RESERVE=100 bash "$guard" bash -c 'echo ran; exit 3')
rc=$?
[[ $rc == 3 && $out == ran ]] && pass "a long suite (it shrinks) still starts with half of the reserve left" ||
    fail "guard-start, PKGNOTE_BUDGETED=1, 50 s left of a 100 s reserve: exit $rc, '$out'"
out=$(PKGNOTE_BUDGETED=1 PKGNOTE_GUARD_END=$((now + 20)) PKGNOTE_GUARD_RESERVE=100 bash "$guard" bash -c 'echo ran; exit 3')
rc=$?
[[ $rc == 77 && $out == "SKIP: not started: "* && $out != *ran* ]] &&
    pass "a long suite is not started with less than a third of the reserve left" ||
    fail "guard-start, PKGNOTE_BUDGETED=1, 20 s left of a 100 s reserve: exit $rc, '$out'"
out=$(env -u PKGNOTE_GUARD_END bash "$guard" bash -c 'echo ran; exit 0')
expect_eq "without a guard (plain meson test) the test runs" "$out" ran
log=$(mktemp)
printf '%s\n' ' 1/4 pkgnote:a / one   OK         1.00s' \
    ' 2/4 pkgnote:a / two   INTERRUPT  9.00s   killed by signal 15 SIGTERM' \
    ' 2/4 pkgnote:a / two   INTERRUPT  9.00s   killed by signal 15 SIGTERM' \
    'Ok:                 1' 'Expected Fail:      0' 'Fail:               1' \
    'Unexpected Pass:    0' 'Skipped:            0' 'Timeout:            0' >"$log"
out=$(PKGNOTE_CI_PARSE_ONLY=$log bash "$SOURCE_ROOT/.ci/run" 2>&1 | tail -n 1)
expect_eq "tests a guard stopped before they began count as skipped; an interrupted one fails" \
    "$out" "1 passed, 1 failed, 2 skipped"
rm -f "$log"
tl_finish
