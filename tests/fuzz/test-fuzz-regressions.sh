#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test-fuzz-regressions.sh REPLAY_ELF REPLAY_JSON: replay every input the
# fuzzers ever crashed on (tests/fuzz/regressions/elf/ and json/) through the
# fuzz targets built as plain programs (tests/fuzz/replay.c), in this build
# (with the sanitizers when meson's option sanitize is true).  Each must run
# to the end without a crash, a sanitizer report or an abort().
set -uo pipefail
: "${SOURCE_ROOT:?}"
replay_elf=${1:?} replay_json=${2:?}
. "$SOURCE_ROOT/tests/lib/testlib.sh"

for kind in elf json; do
    dir=$SOURCE_ROOT/tests/fuzz/regressions/$kind
    replay=$replay_elf; [[ $kind == json ]] && replay=$replay_json
    mapfile -t files < <(find "$dir" -type f ! -name '.*' ! -name README 2>/dev/null | sort)
    if ((${#files[@]} == 0)); then
        skip "$kind: no regression inputs in tests/fuzz/regressions/$kind/"
        continue
    fi
    for f in "${files[@]}"; do
        if out=$(timeout 20 "$replay" "$f" 2>&1); then
            pass "$kind: $(basename "$f") replays cleanly"
        else
            rc=$?
            fail "$kind: $(basename "$f") (exit $rc$( ((rc == 124)) && echo ": hung, killed after 20 s"))"
            tail -30 <<<"$out" | sed 's/^/      | /'
        fi
    done
done
tl_finish
