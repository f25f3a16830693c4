#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# bench/compare-builds.sh OLD-PKGNOTE NEW-PKGNOTE [FILE-LIST]: two builds
# must give the same bytes.  Every ELF file of FILE-LIST (default: every ELF
# file under /usr/bin and /usr/lib/x86_64-linux-gnu) is stamped with
# `stamp -o` by both builds, with the same metadata; prints the files whose
# exit status, messages or output bytes differ, then one summary line.  A
# check run by hand when a change should change no output byte (it takes
# minutes), not a test.
set -u -o pipefail
[ $# -ge 2 ] || { echo "usage: $0 OLD-PKGNOTE NEW-PKGNOTE [FILE-LIST]" >&2; exit 2; }
OLD=$(realpath "$1") NEW=$(realpath "$2")
work=$(mktemp -d /tmp/compare-builds.XXXXXX)
trap 'rm -rf "$work"' EXIT
list=${3:-}
if [ -z "$list" ]; then
	list=$work/list
	find /usr/bin /usr/lib/x86_64-linux-gnu -type f -size +0 -print0 2>/dev/null |
		python3 -c 'import sys
for f in sys.stdin.buffer.read().split(b"\0"):
    try:
        with open(f, "rb") as h:
            if h.read(4) == b"\x7fELF":
                sys.stdout.buffer.write(f + b"\n")
    except OSError:
        pass' | sort >"$list"
fi
printf '{"type":"deb","os":"debian","name":"compare","version":"1.0-1","architecture":"amd64"}' \
	>"$work/meta.json"
export OLD NEW work
one() {
	f=$1 w=$work/$(echo "$1" | md5sum | cut -c1-12) out=""
	mkdir -p "$w/old" "$w/new"
	for b in old new; do
		pk=$OLD; [ $b = new ] && pk=$NEW
		"$pk" stamp --no-sync --json "$work/meta.json" -o "$w/$b/out" "$f" \
			>"$w/$b/msg" 2>&1
		echo $? >"$w/$b/rc"
		sed -i "s|$w/$b/|OUT/|g" "$w/$b/msg"
	done
	cmp -s "$w/old/rc" "$w/new/rc" || out="$out DIFF-EXIT($(cat "$w/old/rc"),$(cat "$w/new/rc"))"
	cmp -s "$w/old/msg" "$w/new/msg" || out="$out DIFF-MESSAGE"
	if [ -e "$w/old/out" ] || [ -e "$w/new/out" ]; then
		cmp -s "$w/old/out" "$w/new/out" && out="$out same-bytes" || out="$out DIFF-BYTES"
	else
		out="$out no-output($(cat "$w/old/rc"))"
	fi
	echo "$f$out"
	rm -rf "$w"
}
export -f one
xargs -d '\n' -P "${JOBS:-2}" -n 1 bash -c 'one "$1"' _ <"$list" >"$work/res"
grep DIFF "$work/res"
echo "compare-builds: $(wc -l <"$work/res") files, $(grep -c DIFF "$work/res") differ;" \
	"stamped to identical bytes: $(grep -c same-bytes "$work/res");" \
	"refused with the same status and message: $(grep -c no-output "$work/res")"
