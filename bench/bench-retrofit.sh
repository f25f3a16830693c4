#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# bench/bench-retrofit.sh: retrofitting a Debian 12 root from its dpkg
# database next to `stamp -r` with fixed fields over the same root.  A
# benchmark, not a test.
#
# Target: `pkgnote stamp --from-dpkg ROOT` takes at most 1.2x
# the wall time of `pkgnote stamp -r FIELDS ROOT`: reading the database
# (status, every .list, diversions; each path resolved in the root) and
# looking every file up must cost little next to stamping.
#
# Method: the minbase root of the retrofit suite (tests/lib/debroot.sh,
# made with mmdebstrap when not cached) is unpacked once as SRC.  R rounds
# (default 3), each: a fresh copy (cp -a, sync, untimed), `stamp -r` with
# fields timed; another fresh copy, `stamp --from-dpkg` timed.  Both with
# --no-sync and the default -j, so that the disk does not decide.  Also
# timed: `check --from-dpkg` vs `check -r` on a stamped copy (the database
# read and lookups without any writing).  Medians are printed, then the
# verdict.
#
# Usage: bench/bench-retrofit.sh [-r ROUNDS] [--pkgnote PATH] [--build DIR]
set -u -o pipefail
ROUNDS=3 PKGNOTE=${PKGNOTE:-} BUILD=${BUILD_ROOT:-build}
while [ $# -gt 0 ]; do
	case $1 in
	-r) ROUNDS=$2; shift 2 ;;
	--pkgnote) PKGNOTE=$2; shift 2 ;;
	--build) BUILD=$2; shift 2 ;;
	*) echo "usage: $0 [-r ROUNDS] [--pkgnote PATH] [--build DIR]" >&2; exit 2 ;;
	esac
done
here=$(cd "$(dirname "$0")/.." && pwd)
PKGNOTE=${PKGNOTE:-$BUILD/src/pkgnote}
[ -x "$PKGNOTE" ] || { echo "no pkgnote at $PKGNOTE (--pkgnote PATH)" >&2; exit 2; }
BUILD_ROOT=$(cd "$BUILD" && pwd)
export BUILD_ROOT
. "$here/tests/lib/debroot.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-retrofit.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
debroot_unpack "$work/src" || exit 1

# now: seconds since the epoch, to the nanosecond.
now() { date +%s.%N; }
# timed CMD...: the wall time of CMD in seconds (its output discarded).
timed() {
	local t0 t1
	t0=$(now)
	"$@" >/dev/null 2>&1
	t1=$(now)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}
fresh() { rm -rf "$work/t"; cp -a "$work/src" "$work/t"; sync; }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

fields=(--type deb --name bench --version 1 --arch amd64)
: >"$work/fixed"; : >"$work/dpkg"; : >"$work/cfixed"; : >"$work/cdpkg"
for ((i = 1; i <= ROUNDS; i++)); do
	fresh; timed "$PKGNOTE" stamp -r "${fields[@]}" --no-sync -q "$work/t" >>"$work/fixed"
	timed "$PKGNOTE" check -r "$work/t" >>"$work/cfixed"
	fresh; timed "$PKGNOTE" stamp --from-dpkg "$work/t" --no-sync -q >>"$work/dpkg"
	timed "$PKGNOTE" check --from-dpkg "$work/t" >>"$work/cdpkg"
done
files=$("$PKGNOTE" check --from-dpkg "$work/t" | tail -n 1)
f=$(median <"$work/fixed") d=$(median <"$work/dpkg")
cf=$(median <"$work/cfixed") cd=$(median <"$work/cdpkg")
echo "root: $(du -sh "$work/src" | cut -f1), $files"
printf 'stamp -r with fields      %.3f s (median of %d)\n' "$f" "$ROUNDS"
printf 'stamp --from-dpkg         %.3f s\n' "$d"
printf 'check -r                  %.3f s\n' "$cf"
printf 'check --from-dpkg         %.3f s\n' "$cd"
awk -v d="$d" -v f="$f" 'BEGIN { r = d / f
	printf "ratio --from-dpkg / fields: %.3f (target <= 1.2): %s\n", r, r <= 1.2 ? "met" : "NOT met" }'
