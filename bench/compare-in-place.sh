#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# bench/compare-in-place.sh [-n LIMIT] [FILE-LIST]: stamp --in-place must
# give the bytes of the copy mode.  For every ELF file of FILE-LIST (default:
# every ELF file under /usr), a first stamp (stamp -o versus a copy stamped
# --in-place) and a re-stamp of both results with metadata of the same
# length; prints the files whose exit codes or bytes differ, and how many
# stamps went in place.  A check run by hand (it takes minutes), not a test.
set -u -o pipefail
LIMIT=0
[ "${1:-}" = -n ] && { LIMIT=$2; shift 2; }
here=$(cd "$(dirname "$0")/.." && pwd)
PKGNOTE=${PKGNOTE:-$(ls "$here"/build*/src/pkgnote 2>/dev/null | head -n 1)}
work=$(mktemp -d /tmp/compare-ip.XXXXXX)
trap 'rm -rf "$work"' EXIT
list=${1:-}
if [ -z "$list" ]; then
	list=$work/list
	find /usr -type f -size +0 2>/dev/null | while read -r f; do
		[ "$(head -c4 "$f" 2>/dev/null | od -An -tx1 | tr -d ' ')" = 7f454c46 ] && echo "$f"
	done | sort >"$list"
fi
[ "$LIMIT" -gt 0 ] && { head -n "$LIMIT" "$list" >"$work/l"; list=$work/l; }
printf '{"type":"deb","name":"compare","version":"1.0-1"}' >"$work/a.json"
printf '{"type":"deb","name":"compare","version":"1.0-2"}' >"$work/b.json"
export PKGNOTE work
one() {
	f=$1 id=$(echo "$1" | md5sum | cut -c1-12) w=$work/$id out=""
	for step in a b; do
		if [ $step = a ]; then src=$f; else src=$w.copy; fi
		"$PKGNOTE" stamp -q --no-sync --json "$work/$step.json" -o "$w.copy.new" "$src" >/dev/null 2>&1; rc=$?
		[ $step = a ] && cp "$f" "$w.ip"
		v=$("$PKGNOTE" stamp -v --no-sync --in-place --json "$work/$step.json" "$w.ip" 2>&1 >/dev/null); ri=$?
		if [ $rc != $ri ]; then out="$out DIFF-EXIT-$step($rc,$ri)"; break; fi
		[ $rc = 0 ] || { out="$out EXIT-$rc"; break; }
		mv "$w.copy.new" "$w.copy"
		if ! cmp -s "$w.copy" "$w.ip"; then out="$out DIFF-BYTES-$step"; break; fi
		case $v in *"stamped by copy"*) out="$out copied-$step" ;; *) out="$out in-place-$step" ;; esac
	done
	echo "$f$out"
	rm -f "$w".*
}
export -f one
xargs -d '\n' -P 2 -n 1 bash -c 'one "$1"' _ <"$list" >"$work/res"
grep DIFF "$work/res"
echo "compare-in-place: $(wc -l <"$work/res") files, $(grep -c DIFF "$work/res") differ;" \
	"first stamps in place: $(grep -c in-place-a "$work/res"), copied: $(grep -c copied-a "$work/res");" \
	"re-stamps in place: $(grep -c in-place-b "$work/res"), copied: $(grep -c copied-b "$work/res");" \
	"not stamped (same exit code both ways): $(grep -c EXIT- "$work/res")"
