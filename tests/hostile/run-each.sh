#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# run-each.sh show|stamp RECORD...: pkgnote show, or pkgnote stamp, on each
# RECORD's file, one process per file under timeout, so that the exit
# status, the stderr and a crash belong to that file alone.  A RECORD is
# "NAME<TAB>FILE<TAB>JSON" (JSON: the --json file, for stamp).  Output and
# stderr go to $R/NAME.show.{out,err} (show) or $R/NAME.{out,err} (stamp);
# one line "NAME STATUS" per file is printed (a line is written whole, so
# that several of these running at once may share one output).
# test-malformed.sh starts one per CPU through xargs; environment: PKGNOTE,
# TMO (seconds for one run), R.
set -u
mode=$1
shift
for rec; do
    IFS=$'\t' read -r name file json <<<"$rec"
    if [[ $mode == show ]]; then
        timeout -k 5 "$TMO" "$PKGNOTE" show "$file" >"$R/$name.show.out" 2>"$R/$name.show.err"
    else
        timeout -k 5 "$TMO" "$PKGNOTE" stamp --json "$json" "$file" >"$R/$name.out" 2>"$R/$name.err"
    fi
    echo "$name $?"
done
