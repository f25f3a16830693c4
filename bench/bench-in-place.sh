#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# bench/bench-in-place.sh: stamp --in-place beside the copy mode and cp.
# A benchmark, not a test.
#
# Targets, in one run, paired, medians:
#   a tree of >= 1,000 real ELF files: `stamp -r --in-place` (durable) on a
#   copy already on disk, and `stamp -r --in-place --no-sync` on a copy just
#   made (dirty pages), each <= 0.2x `cp -a` of the tree;
#   libLLVM (or the largest library found): a durable in-place stamp
#   <= 0.1x a durable copy (cp, then sync -f of the copy), beside the cost
#   of starting a process that does nothing (timed for a first stamp and
#   for a re-stamp, and for a re-stamp by copy).
# Each is measured for a first stamp (the tree as installed) and for a
# re-stamp (the tree stamped before, stamped again with metadata of the
# same length: the note keeps its slot).  The script says how many files of
# each went in place (the others are copied: pkgnote stamp -v says why).
#
# Usage: bench/bench-in-place.sh [-n FILES] [-r ROUNDS] [--dir DIR]
set -u -o pipefail
N=1000 NAME=bench-ip
. "$(dirname "$0")/tree-lib.sh"
A=(--type deb --name bench --version 1.0-1)
B=(--type deb --name bench --version 1.0-2)

# The tree stamped once (by copy): the input of the re-stamps.
cp -a "$DIR/src" "$DIR/pre"
"$PKGNOTE" stamp -r -q --no-sync "${A[@]}" "$DIR/pre"
cat "$DIR"/pre/*/* >/dev/null
echo "# $COUNT ELF files, $SIZE MiB, pkgnote $PKGNOTE, $(nproc) CPUs, $(df -T "$DIR" | awk 'NR == 2 { print $2 }') at $DIR"

# how_many SRC JSON...: "M of N in place" for a stamp of a copy of SRC.
how_many() {
	local src=$1 n c
	shift
	rm -rf "$DIR/v"; cp -a "$src" "$DIR/v"
	c=$("$PKGNOTE" stamp -r -v --no-sync --in-place "$@" "$DIR/v" 2>&1 >/dev/null | grep -c 'stamped by copy, not in place')
	n=$("$PKGNOTE" stamp -r -q --no-sync --in-place "$@" "$DIR/v" 2>&1 | sed -n 's/.* \([0-9]*\) unchanged.*/\1/p')
	echo "$((n - c)) of $n in place"
	rm -rf "$DIR/v"
}
echo "# first stamp: $(how_many "$DIR/src" "${A[@]}"); re-stamp: $(how_many "$DIR/pre" "${B[@]}")"

# timed NAME CMD...: run CMD, append its ms to $DIR/t.NAME
# pkgnote's summary lines go to $DIR/stderr.log, shown when a run fails.
timed() { local n=$1 s e; shift; s=$(now); "$@" 2>>"$DIR/stderr.log" || cat "$DIR/stderr.log" >&2; e=$(now); ms "$s" "$e" >>"$DIR/t.$n"; }
fresh() { rm -rf "$DIR/b"; cp -a "$1" "$DIR/b"; }
for r in $(seq "$ROUNDS"); do
	rm -rf "$DIR/a"; sync
	timed cp cp -a "$DIR/src" "$DIR/a"
	for what in src pre; do
		json=("${A[@]}"); [ $what = pre ] && json=("${B[@]}")
		fresh "$DIR/$what"; sync
		timed "$what.copy" "$PKGNOTE" stamp -r -q "${json[@]}" "$DIR/b"
		fresh "$DIR/$what"; sync
		timed "$what.ip" "$PKGNOTE" stamp -r -q --in-place "${json[@]}" "$DIR/b"
		fresh "$DIR/$what"
		timed "$what.ipns" "$PKGNOTE" stamp -r -q --in-place --no-sync "${json[@]}" "$DIR/b"
	done
	sync
done
cp=$(median <"$DIR/t.cp")
row() { printf '%-58s %8d %8.3f\n' "$1" "$2" "$(echo "$2 / $cp" | bc -l)"; }
printf '%-58s %8s %8s\n' "tree: command" "median ms" "x cp -a"
row "cp -a SRC A (reference)" "$cp"
for what in src pre; do
	label="first stamp"; [ $what = pre ] && label="re-stamp"
	row "$label: stamp -r (copy, durable; on disk)" "$(median <"$DIR/t.$what.copy")"
	row "$label: stamp -r --in-place (durable; on disk)" "$(median <"$DIR/t.$what.ip")"
	row "$label: stamp -r --in-place --no-sync (just copied)" "$(median <"$DIR/t.$what.ipns")"
done

# One large library.
big=$(ls -S /usr/lib/"$multiarch"/libLLVM*.so* 2>/dev/null | head -n 1)
[ -n "$big" ] || big=$(ls -S /usr/lib/"$multiarch"/*.so* | head -n 1)
cp -a "$big" "$DIR/big.orig"
cp -a "$big" "$DIR/big.pre"; "$PKGNOTE" stamp -q --no-sync "${A[@]}" "$DIR/big.pre"
rm -rf "$DIR/src" "$DIR/pre" "$DIR/a" "$DIR/b"
echo
# how_one SRC JSON...: "in place" or "copied", for an in-place stamp of a copy of SRC.
how_one() {
	local src=$1
	shift
	cp -a "$src" "$DIR/v1"
	"$PKGNOTE" stamp -v --no-sync --in-place "$@" "$DIR/v1" 2>&1 >/dev/null | grep -q 'stamped by copy' && echo copied || echo "in place"
	rm -f "$DIR/v1"
}
echo "# $(basename "$big"): $(stat -c %s "$big") bytes; first stamp $(how_one "$DIR/big.orig" "${A[@]}"); re-stamp $(how_one "$DIR/big.pre" "${B[@]}")"
for r in $(seq "$ROUNDS"); do
	rm -f "$DIR/c"; sync
	timed bigcp sh -c 'cp "$0" "$1" && sync -f "$1"' "$DIR/big.orig" "$DIR/c"
	rm -f "$DIR/c"; cp -a "$DIR/big.orig" "$DIR/c"; sync
	timed bigfirst "$PKGNOTE" stamp -q --in-place "${A[@]}" "$DIR/c"
	rm -f "$DIR/c"; cp -a "$DIR/big.pre" "$DIR/c"; sync
	timed bigcopy "$PKGNOTE" stamp -q "${B[@]}" "$DIR/c"
	rm -f "$DIR/c"; cp -a "$DIR/big.pre" "$DIR/c"; sync
	timed bigip "$PKGNOTE" stamp -q --in-place "${B[@]}" "$DIR/c"
	timed true /bin/true
done
bc=$(median <"$DIR/t.bigcp")
printf '%-58s %8s %8s\n' "large library: command" "median ms" "x cp+sync"
for k in bigcp:"cp + sync -f of the copy (reference)" bigfirst:"first stamp --in-place (durable)" bigcopy:"re-stamp, copy mode (durable)" bigip:"re-stamp --in-place (durable)" true:"/bin/true (starting a process)"; do
	printf '%-58s %8d %8.3f\n' "${k#*:}" "$(median <"$DIR/t.${k%%:*}")" "$(echo "$(median <"$DIR/t.${k%%:*}") / $bc" | bc -l)"
done
cp -a "$DIR/big.pre" "$DIR/c"; sync
echo "# peak RSS of the durable in-place re-stamp: $(/usr/bin/time -f %M "$PKGNOTE" stamp -q --in-place "${B[@]}" "$DIR/c" 2>&1 | tail -n 1) KiB"
