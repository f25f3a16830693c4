#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# bench/bench-origins.sh: `stamp -r --from-packages` over an image root with
# files of every origin, next to `stamp -r` with fixed fields over the same
# root.  A benchmark, not a test.
#
# Target: --from-packages takes at most 1.2x the wall time of fixed
# fields: the one walk for records (every *.dist-info, *.egg-info,
# package.json and conda-meta of the tree), reading them and asking the
# sources in turn must cost little next to stamping.
#
# Method: the origins suite's root (tests/origins/originsroot.sh: dpkg,
# a pip wheel, an egg-info, conda, the npm application with its native
# packages, a vendor tree and its map), made larger with K more copies
# (default 10) of the wheel's site directory, the conda prefix and the npm
# application, each copy with its own records.  R rounds (default 5), each:
# a fresh copy (cp -a, sync, untimed), `stamp -r` with fields timed; another
# fresh copy, `stamp -r --from-packages --origins MAP` timed (with the
# same fields for the few files nothing names, so that both runs stamp the
# same files); both
# --no-sync with the default -j.  Also `check -r` against
# `check --from-packages` on the stamped copy.  Medians, then the verdict.
#
# Usage: bench/bench-origins.sh [-r ROUNDS] [-k COPIES] [--pkgnote PATH] [--build DIR]
set -u -o pipefail
ROUNDS=5 COPIES=10 PKGNOTE=${PKGNOTE:-} BUILD=${BUILD_ROOT:-build}
while [ $# -gt 0 ]; do
	case $1 in
	-r) ROUNDS=$2; shift 2 ;;
	-k) COPIES=$2; shift 2 ;;
	--pkgnote) PKGNOTE=$2; shift 2 ;;
	--build) BUILD=$2; shift 2 ;;
	*) echo "usage: $0 [-r ROUNDS] [-k COPIES] [--pkgnote PATH] [--build DIR]" >&2; exit 2 ;;
	esac
done
SOURCE_ROOT=$(cd "$(dirname "$0")/.." && pwd)
PKGNOTE=${PKGNOTE:-$BUILD/src/pkgnote}
[ -x "$PKGNOTE" ] || { echo "no pkgnote at $PKGNOTE (--pkgnote PATH)" >&2; exit 2; }
BUILD_ROOT=$(cd "$BUILD" && pwd)
export SOURCE_ROOT BUILD_ROOT
. "$SOURCE_ROOT/tests/origins/originsroot.sh"
work=$(mktemp -d "${TMPDIR:-/var/tmp}/bench-origins.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT

app=$(or_npm_app) || app=
[ -n "$app" ] || echo "(without the npm application: the registry cannot be reached)"
or_make_root "$work/src" "$app" 2>"$work/make.err" || { cat "$work/make.err" >&2; exit 1; }
map=$OR_MAP
for ((k = 1; k <= COPIES; k++)); do
	cp -a "$work/src/opt/pyapp" "$work/src/opt/pyapp$k"
	cp -a "$work/src/opt/conda" "$work/src/opt/conda$k"
	[ -z "$app" ] || cp -a "$work/src/app" "$work/src/srv/app$k"
done

# timed CMD...: "WALL CPU" in seconds, CPU being user + system time of
# CMD and its workers (GNU time); its output discarded.  On a loaded
# machine the wall time is noise and the CPU time still says what the
# records cost.
timed() {
	/usr/bin/time -f '%e %U %S' -o "$work/time" "$@" >/dev/null 2>&1
	# GNU time writes "Command exited with non-zero status 5" first when a
	# file is refused (libvips): the figures are the last line.
	awk 'END { printf "%.3f %.3f\n", $1, $2 + $3 }' "$work/time"
}
fresh() { rm -rf "$work/t"; cp -a "$work/src" "$work/t"; sync; }
# median COLUMN <FILE
median() { awk -v c="$1" '{ print $c }' | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

fields=(--type generic --name bench --version 1)
# The files no record names get the fields too: both runs stamp the same files.
from=(--from-packages "$work/t" --origins "$map" "${fields[@]}")
: >"$work/fixed"; : >"$work/pkgs"; : >"$work/cfixed"; : >"$work/cpkgs"
for ((i = 1; i <= ROUNDS; i++)); do
	fresh; timed "$PKGNOTE" stamp -r "${fields[@]}" --no-sync -q "$work/t" >>"$work/fixed"
	timed "$PKGNOTE" check -r "$work/t" >>"$work/cfixed"
	fresh; timed "$PKGNOTE" stamp -r "${from[@]}" --no-sync -q "$work/t" >>"$work/pkgs"
	timed "$PKGNOTE" check -r --from-packages "$work/t" --origins "$map" "$work/t" >>"$work/cpkgs"
done
fresh
summary=$("$PKGNOTE" stamp -r "${from[@]}" --no-sync "$work/t" 2>/dev/null | tail -n 1)
f=$(median 1 <"$work/fixed") p=$(median 1 <"$work/pkgs")
fc=$(median 2 <"$work/fixed") pc=$(median 2 <"$work/pkgs")
cf=$(median 1 <"$work/cfixed") cp=$(median 1 <"$work/cpkgs")
echo "root: $(du -sh "$work/src" | cut -f1), $(find "$work/src" -type f | wc -l) files," \
	"$(find "$work/src" -name '*.dist-info' -o -name '*.egg-info' -o -name package.json \
	   -o -name 'conda-meta' | wc -l) record directories and manifests; load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "--from-packages: $summary"
printf '%-26s %8s %8s   (medians of %d)\n' "" "wall s" "CPU s" "$ROUNDS"
printf '%-26s %8.3f %8.3f\n' "stamp -r with fields" "$f" "$fc"
printf '%-26s %8.3f %8.3f\n' "stamp -r --from-packages" "$p" "$pc"
printf '%-26s %8.3f\n' "check -r" "$cf"
printf '%-26s %8.3f\n' "check --from-packages" "$cp"
awk -v p="$p" -v f="$f" -v pc="$pc" -v fc="$fc" 'BEGIN { r = p / f
	printf "ratio --from-packages / fields: wall %.3f, CPU %.3f (target <= 1.2): %s\n",
		r, pc / fc, r <= 1.2 ? "met" : "NOT met" }'
