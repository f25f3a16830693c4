# SPDX-License-Identifier: LGPL-2.1-or-later
#
# bench/tree-lib.sh: what the tree benchmarks share, sourced after setting
# N (files) and NAME (of the scratch directory):
#   options -n FILES, -r ROUNDS, --dir DIR; PKGNOTE (the built one unless
#   set); DIR/src holding the first N ELF executables of /usr/bin and
#   shared libraries of /usr/lib/MULTIARCH, read once (warm cache), COUNT
#   and SIZE (MiB) of them; ms, now and median.
ROUNDS=3 DIR=
while [ $# -gt 0 ]; do
	case $1 in
	-n) N=$2; shift 2 ;;
	-r) ROUNDS=$2; shift 2 ;;
	--dir) DIR=$2; shift 2 ;;
	*) echo "usage: $0 [-n FILES] [-r ROUNDS] [--dir DIR]" >&2; exit 2 ;;
	esac
done
here=$(cd "$(dirname "$0")/.." && pwd)
PKGNOTE=${PKGNOTE:-$(ls "$here"/build*/src/pkgnote 2>/dev/null | head -n 1)}
[ -x "$PKGNOTE" ] || { echo "pkgnote not built (set PKGNOTE)" >&2; exit 2; }
DIR=${DIR:-$(mktemp -d "${TMPDIR:-/var/tmp}/pkgnote-$NAME.XXXXXX")}
trap 'rm -rf "$DIR"' EXIT
multiarch=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)

mkdir -p "$DIR/src/bin" "$DIR/src/lib"
is_elf() { [ -f "$1" ] && [ ! -L "$1" ] && [ "$(head -c4 "$1" 2>/dev/null | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; }
COUNT=0
for f in /usr/bin/* /usr/lib/"$multiarch"/*.so*; do
	[ $COUNT -ge "$N" ] && break
	is_elf "$f" || continue
	case $f in /usr/bin/*) cp -a "$f" "$DIR/src/bin/" ;; *) cp -a "$f" "$DIR/src/lib/" ;; esac
	COUNT=$((COUNT + 1))
done
cat "$DIR"/src/*/* >/dev/null
SIZE=$(du -sm "$DIR/src" | cut -f1)

ms() { echo $(( ($2 - $1) / 1000000 )); }
now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
