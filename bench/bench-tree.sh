#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# bench/bench-tree.sh: stamping a whole tree (batch mode, default -j) next
# to `cp -a` of the same tree.  A benchmark, not a test.
#
# Target: `pkgnote stamp -r` of a copy of a tree of at least 1,000
# real shared libraries and executables takes at most 1.2x the wall time of
# `cp -a` of the same tree, measured in one run.
#
# Method: the first N (default 1200) ELF executables of /usr/bin and shared
# libraries of /usr/lib/$(gcc -print-multiarch) are copied into SRC, read
# once (warm cache).  Then R (default 3) rounds, each: `cp -a SRC A` timed,
# then (reference: the durability pkgnote gives) `cp -a SRC A && sync -f A`;
# `cp -a SRC B` untimed, `sync`, then `pkgnote stamp -r` on B timed (with
# fsync, the default) and the same on a fresh copy with --no-sync; `sync`
# and removal untimed between.  Medians are printed, then the verdict and
# the floor: a durable copy of the tree, which a durable stamp cannot beat
# where files are copied rather than shared (ext4).
#
# Usage: bench/bench-tree.sh [-n FILES] [-r ROUNDS] [--dir DIR]
set -u -o pipefail
N=1200 NAME=bench-tree
. "$(dirname "$0")/tree-lib.sh"
echo "# $COUNT ELF files, $SIZE MiB, pkgnote $PKGNOTE, $(nproc) CPUs"

: >"$DIR/cp" >"$DIR/cs" >"$DIR/st" >"$DIR/ns"
for r in $(seq "$ROUNDS"); do
	rm -rf "$DIR/a" "$DIR/b"; sync
	s=$(now); cp -a "$DIR/src" "$DIR/a"; e=$(now); ms "$s" "$e" >>"$DIR/cp"
	rm -rf "$DIR/a"; sync
	s=$(now); cp -a "$DIR/src" "$DIR/a" && sync -f "$DIR/a"; e=$(now); ms "$s" "$e" >>"$DIR/cs"
	cp -a "$DIR/src" "$DIR/b"; sync
	s=$(now); "$PKGNOTE" stamp -r -q --type deb --name bench --version 1 "$DIR/b"; e=$(now)
	ms "$s" "$e" >>"$DIR/st"
	rm -rf "$DIR/b"; cp -a "$DIR/src" "$DIR/b"; sync
	s=$(now); "$PKGNOTE" stamp -r -q --no-sync --type deb --name bench --version 1 "$DIR/b"; e=$(now)
	ms "$s" "$e" >>"$DIR/ns"
	echo "#   round $r: cp -a $(tail -n1 "$DIR/cp") ms, cp -a + sync $(tail -n1 "$DIR/cs") ms, stamp -r $(tail -n1 "$DIR/st") ms, stamp -r --no-sync $(tail -n1 "$DIR/ns") ms"
done
cp=$(median <"$DIR/cp") cs=$(median <"$DIR/cs") st=$(median <"$DIR/st") ns=$(median <"$DIR/ns")
printf '%-40s %8s %8s\n' command "median ms" "x cp -a"
printf '%-40s %8d %8.2f\n' "cp -a SRC A" "$cp" 1
printf '%-40s %8d %8.2f\n' "cp -a SRC A && sync -f A (reference)" "$cs" "$(echo "$cs / $cp" | bc -l)"
printf '%-40s %8d %8.2f\n' "pkgnote stamp -r (fsync, the default)" "$st" "$(echo "$st / $cp" | bc -l)"
printf '%-40s %8d %8.2f\n' "pkgnote stamp -r --no-sync" "$ns" "$(echo "$ns / $cp" | bc -l)"
# Every file is rewritten whole on a file system without shared extents, and
# synced before it replaces the original: a durable copy of the tree is the
# least a durable stamp costs.
echo
awk -v st="$st" -v cs="$cs" -v cp="$cp" 'BEGIN {
	printf "%s  stamp -r <= 1.2x cp -a: %.2fx\n", (st <= 1.2 * cp) ? "PASS" : "MISS", st / cp
	printf "floor: a durable copy (cp -a && sync -f) is %.2fx of cp -a; stamp -r is %.2fx of it\n", cs / cp, st / cs }'
