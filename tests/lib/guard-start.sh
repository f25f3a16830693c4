#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# guard-start.sh TEST [ARG...]: run one test, unless the whole run's guard is
# nearly spent.  .ci/run hands it to `meson test --wrapper`, so that every
# test of a build goes through it.
#
# A run on a slow or shared machine must not end with tests killed by the
# run's guard: a killed test reads as a failure and says nothing about the
# code.  A test that cannot shrink is not started when less than
# PKGNOTE_GUARD_RESERVE seconds are left before PKGNOTE_GUARD_END (epoch
# seconds): it exits 77, which meson counts as skipped, and says why.  A long
# suite whose every part shrinks (PKGNOTE_BUDGETED=1, set by tests/meson.build)
# takes at most half of what is left of the guard (tests/lib/budget.sh), so
# it may start until a third of the reserve is left: on a slow machine it
# then covers a few cases instead of none.
# Without those two variables (a plain `meson test`) it only runs TEST.

if [[ ${PKGNOTE_GUARD_END:-} =~ ^[0-9]+$ && ${PKGNOTE_GUARD_RESERVE:-} =~ ^[0-9]+$ ]]; then
    left=$((PKGNOTE_GUARD_END - $(date +%s)))
    reserve=$PKGNOTE_GUARD_RESERVE
    [[ ${PKGNOTE_BUDGETED:-} == 1 ]] && reserve=$((reserve / 3))
    if ((left < reserve)); then
        echo "SKIP: not started: $left s are left of the run's guard, less than the $reserve s kept for a test to finish on a slow machine"
        exit 77
    fi
fi
exec "$@"
