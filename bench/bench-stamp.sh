#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# bench/bench-stamp.sh: how long stamping a big shared library takes, next to
# copying it, and how much memory pkgnote uses. A benchmark, not a test: it
# prints figures and, with --check, exits 1 when a target is missed.
#
# Targets (from the issue):
#   - `pkgnote stamp` of a copy of a 100+ MB shared library takes at most 1.1x
#     the wall time of `cp` of the same file (median of paired runs);
#   - peak RSS at most 16 MiB, whatever the file's size;
#   - on a filesystem with reflinks (XFS, reflink=1), stamping takes less than
#     0.1x the time of a full copy (`cp --reflink=never`).
#
# Method. SRC is the largest libLLVM-*.so.1 (apt-get installs libllvm15 when
# there is none), copied into a scratch directory on disk. It is read once
# (warm cache) and every command runs once untimed. Then N paired runs; in
# each, in an order that rotates from run to run:
#   cp          `cp SRC A` (A exists: overwritten, as a user would)
#   cp+fsync    `cp SRC A && sync A` (reference: the same durability as pkgnote)
#   stamp       `pkgnote stamp --json META B`, B a fresh unstamped copy of SRC
#               made untimed just before (pkgnote's default: fsync before the
#               rename)
#   stamp-nosync  the same with --no-sync
#   floor       bench/replace-floor.c (built here with cc) on a fresh copy: the
#               bare system calls of an atomic, durable replacement (clone or
#               copy, change a byte of page 1, fsync, swap names, unlink, fsync
#               the directory), without any ELF work and with a plain fsync.
#               Where the file is shared (reflinks) this is what no tool that
#               keeps pkgnote's guarantees can beat on the machine; where it is
#               copied, pkgnote beats it by starting the writeback early.
# `sync` runs untimed before every timed command, so that no command pays for
# the writeback of the one before; nothing is dropped from the page cache.
# Wall time from bash's EPOCHREALTIME (no fork around the command); peak RSS
# from /usr/bin/time -f %M in separate, untimed runs.
# The reflink part repeats cp --reflink=never vs stamp on a loop-mounted XFS
# image (root only; skipped with a reason otherwise), and reports whether the
# output of `pkgnote stamp -o` shares its extents with its input (filefrag).
# For reference only, `objcopy --add-section` (which rewrites the file too,
# and whose note lands in no segment) is timed a few times.
#
# Usage: bench/bench-stamp.sh [--check] [-n RUNS] [--src FILE] [--dir DIR]
#                             [--no-xfs] [--no-objcopy]
# Env: PKGNOTE (default: the first build*/src/pkgnote of the source tree).

set -u
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
BENCH=bench-stamp work=""
. "$here/bench-lib.sh"
runs=11 check=0 src="" base=${TMPDIR:-/var/tmp} do_xfs=1 do_objcopy=1
while [ $# -gt 0 ]; do
	case $1 in
	--check) check=1 ;;
	-n) runs=$2; shift ;;
	--src) src=$2; shift ;;
	--dir) base=$2; shift ;;
	--no-xfs) do_xfs=0 ;;
	--no-objcopy) do_objcopy=0 ;;
	-h | --help) sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "bench-stamp: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done
case $runs in '' | *[!0-9]* | 0) echo "bench-stamp: -n needs a positive number" >&2; exit 2 ;; esac

find_pkgnote "$root"

[ -x /usr/bin/time ] || { need_pkg /usr/bin/time time; }

if [ -z "$src" ]; then
	src=$(largest_llvm)
	if [ -z "$src" ]; then
		need_pkg /nonexistent-libllvm libllvm15 || true
		src=$(largest_llvm)
	fi
fi
[ -n "$src" ] && [ -f "$src" ] || die "no libLLVM-*.so.1 found (apt-get install libllvm15) and no --src"
size=$(stat -c %s "$src")
[ "$size" -ge 104857600 ] || echo "# warning: $src is $((size / 1048576)) MiB, under the 100 MB the target is about"

work=$(mktemp -d "$base/pkgnote-bench.XXXXXX") || die "mktemp in $base failed"
cleanup() {
	xfs_umount
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

floor=""
if command -v cc >/dev/null && cc -O2 -o "$work/replace-floor" "$here/replace-floor.c" 2>"$work/cc.log"; then
	floor=$work/replace-floor
else
	echo "# replace-floor not built (no cc?): the floor is not measured"
fi

meta=$work/meta.json
printf '%s' '{"type":"deb","os":"debian","name":"libllvm-bench","version":"1:15.0.6-4+b1","architecture":"amd64","osCpe":"cpe:/o:debian:debian_linux:12"}' >"$meta"

# bench_pairs DIR SRCFILE CPFLAGS LABEL: N paired runs in DIR; results in
# $work/LABEL.{cp,cpsync,stamp,nosync}.{t,m}, one value a line.
bench_pairs() {
	local dir=$1 s=$2 cpflags=$3 label=$4 i k order what
	local out=$work/$label
	: >"$out.cp.t"; : >"$out.cpsync.t"; : >"$out.stamp.t"; : >"$out.nosync.t"; : >"$out.floor.t"
	: >"$out.cp.m"; : >"$out.stamp.m"; : >"$out.nosync.m"; : >"$out.pair"
	cat "$s" >/dev/null
	# Warm-up, untimed.
	cp $cpflags "$s" "$dir/A"
	cp $cpflags "$s" "$dir/B" && "$PKGNOTE" stamp --json "$meta" "$dir/B" >/dev/null 2>&1 ||
		{ "$PKGNOTE" stamp --json "$meta" "$dir/B"; die "pkgnote stamp failed on $dir/B (exit $?)"; }
	for ((i = 0; i < runs; i++)); do
		order="cp cpsync stamp nosync${floor:+ floor}"
		for ((k = 0; k < i % (${floor:+1+}4); k++)); do order="${order#* } ${order%% *}"; done
		local tcp="" tstamp=""
		for what in $order; do
			case $what in
			cp)
				timed cp $cpflags "$s" "$dir/A"
				echo "$T" >>"$out.cp.t"; tcp=$T ;;
			cpsync)
				timed sh -c 'cp $3 "$1" "$2" && sync "$2"' sh "$s" "$dir/A" "$cpflags"
				echo "$T" >>"$out.cpsync.t" ;;
			stamp)
				cp $cpflags "$s" "$dir/B"
				timed "$PKGNOTE" stamp --json "$meta" "$dir/B"
				echo "$T" >>"$out.stamp.t"; tstamp=$T ;;
			nosync)
				cp $cpflags "$s" "$dir/B"
				timed "$PKGNOTE" stamp --no-sync --json "$meta" "$dir/B"
				echo "$T" >>"$out.nosync.t" ;;
			floor)
				cp $cpflags "$s" "$dir/C"
				timed "$floor" "$dir/C"
				echo "$T" >>"$out.floor.t" ;;
			esac
		done
		ratio "$tstamp" "$tcp" >>"$out.pair"; echo >>"$out.pair"
		printf '#   run %2d/%d: cp %8.1f ms   stamp %8.1f ms   ratio %s\n' \
			$((i + 1)) "$runs" "$tcp" "$tstamp" "$(tail -n1 "$out.pair")"
	done
	# Peak RSS, in separate untimed runs (3 each).
	for ((i = 0; i < 3; i++)); do
		rss cp $cpflags "$s" "$dir/A"; echo "$M" >>"$out.cp.m"
		cp $cpflags "$s" "$dir/B"
		rss "$PKGNOTE" stamp --json "$meta" "$dir/B"; echo "$M" >>"$out.stamp.m"
		cp $cpflags "$s" "$dir/B"
		rss "$PKGNOTE" stamp --no-sync --json "$meta" "$dir/B"; echo "$M" >>"$out.nosync.m"
	done
}

# floor_row LABEL CP-MEDIAN: the floor's row, when it was measured.
floor_row() {
	[ -s "$work/$1.floor.t" ] || return 0
	local f
	f=$(median <"$work/$1.floor.t")
	row "bare replace (bench/replace-floor.c)" "$f" "$(ratio "$f" "$2")" "-"
}

fail=0
verdict() { # verdict OK-CONDITION-AS-0/1 TEXT
	if [ "$1" = 1 ]; then echo "PASS  $2"; else echo "MISS  $2"; fail=1; fi
}
row() { printf '%-44s %12s %10s %12s\n' "$@"; }

echo "# pkgnote:  $PKGNOTE ($("$PKGNOTE" --version 2>/dev/null | head -n1))"
echo "# file:     $src ($((size / 1048576)) MiB)"
echo "# work dir: $work ($(stat -f -c %T "$work"), $(df --output=source "$work" | tail -n1))"
echo "# runs:     $runs paired runs; pkgnote runs with fsync (default) and with --no-sync"
echo "# machine:  $(nproc) cores, $(uname -r)"

# --- 1. the file system the work dir is on ------------------------------------
mkdir -p "$work/disk"
cp "$src" "$work/disk/SRC"
echo "# paired runs on $(stat -f -c %T "$work/disk"):"
bench_pairs "$work/disk" "$work/disk/SRC" "" disk

# Peak RSS on a small file too: the target is "whatever the file's size".
small=/usr/bin/true
cp "$small" "$work/small"
rss "$PKGNOTE" stamp --json "$meta" "$work/small"
rss_small=$M

# objcopy, for reference.
t_objcopy=""
if [ $do_objcopy = 1 ] && command -v objcopy >/dev/null; then
	printf '\004\000\000\000' >"$work/note.bin"
	len=$(($(stat -c %s "$meta") + 1))
	printf "\\$(printf %03o $((len & 255)))\\$(printf %03o $((len >> 8 & 255)))\\000\\000" >>"$work/note.bin"
	printf '\176\032\376\312FDO\000' >>"$work/note.bin"
	cat "$meta" >>"$work/note.bin"
	head -c $((1 + (4 - len % 4) % 4)) /dev/zero >>"$work/note.bin"
	: >"$work/objcopy.t"
	for ((i = 0; i < (runs < 3 ? runs : 3); i++)); do
		timed objcopy --add-section .note.package="$work/note.bin" \
			--set-section-flags .note.package=alloc,readonly "$work/disk/SRC" "$work/disk/O"
		echo "$T" >>"$work/objcopy.t"
	done
	t_objcopy=$(median <"$work/objcopy.t")
fi

# --- 2. XFS with reflinks ------------------------------------------------------
xfs_note=""
if [ $do_xfs = 0 ]; then
	xfs_note="skipped (--no-xfs)"
else
	imgsize=$(((size * 5 / 1048576 + 256) / 256 * 256))
	[ $imgsize -lt 1024 ] && imgsize=1024
	xfs_mount "$work/xfs" $imgsize
	if [ -n "$mnt" ]; then
		echo "# $loopdev: direct I/O $(cat "/sys/block/${loopdev#/dev/}/loop/dio" 2>/dev/null || echo '?')"
		cp "$src" "$mnt/SRC"
		echo "# paired runs on a loop-mounted XFS (reflink=1, ${imgsize} MiB image), cp --reflink=never:"
		bench_pairs "$mnt" "$mnt/SRC" "--reflink=never" xfs
		# Does the output share extents with the input?
		cp --reflink=never "$mnt/SRC" "$mnt/IN"
		sync
		"$PKGNOTE" stamp --json "$meta" -o "$mnt/OUT" "$mnt/IN" >/dev/null 2>&1
		if command -v filefrag >/dev/null; then
			shared=$(filefrag -v "$mnt/OUT" 2>/dev/null | awk '/^ *[0-9]+:/ { n++; if ($0 ~ /shared/) s++ } END { printf "%d of %d", s, n }')
			xfs_note="extents of \`pkgnote stamp -o OUT IN\` shared with IN: $shared"
		fi
	fi
fi

# --- report ---------------------------------------------------------------------
m_cp=$(median <"$work/disk.cp.t")
m_cps=$(median <"$work/disk.cpsync.t")
m_st=$(median <"$work/disk.stamp.t")
m_ns=$(median <"$work/disk.nosync.t")
m_pair=$(median <"$work/disk.pair")
rss_st=$(sort -n "$work/disk.stamp.m" "$work/disk.nosync.m" | tail -n1)
rss_cp=$(sort -n "$work/disk.cp.m" | tail -n1)

echo
echo "== $(basename "$src"), $((size / 1048576)) MiB, $runs paired runs, medians =="
row "command" "median ms" "x cp" "peak RSS MiB"
row "cp SRC A" "$m_cp" "1.000" "$(mib "$rss_cp")"
row "cp SRC A && sync A (reference)" "$m_cps" "$(ratio "$m_cps" "$m_cp")" "-"
row "pkgnote stamp (fsync, the default)" "$m_st" "$(ratio "$m_st" "$m_cp")" "$(mib "$(sort -n "$work/disk.stamp.m" | tail -n1)")"
row "pkgnote stamp --no-sync" "$m_ns" "$(ratio "$m_ns" "$m_cp")" "$(mib "$(sort -n "$work/disk.nosync.m" | tail -n1)")"
[ -n "$t_objcopy" ] && row "objcopy --add-section (reference)" "$t_objcopy" "$(ratio "$t_objcopy" "$m_cp")" "-"
floor_row disk "$m_cp"
echo "median of the per-pair ratios stamp/cp: $m_pair"
echo "stamp vs cp+fsync (same durability):    $(ratio "$m_st" "$m_cps")"
echo "peak RSS of pkgnote stamp: $(mib "$rss_st") MiB on $((size / 1048576)) MiB, $(mib "$rss_small") MiB on $(basename "$small") ($(stat -c %s "$small") bytes)"
if [ -f "$work/xfs.cp.t" ]; then
	x_cp=$(median <"$work/xfs.cp.t")
	x_st=$(median <"$work/xfs.stamp.t")
	x_ns=$(median <"$work/xfs.nosync.t")
	x_pair=$(median <"$work/xfs.pair")
	echo
	echo "== XFS reflink=1, loop image =="
	row "command" "median ms" "x cp" ""
	row "cp --reflink=never SRC A" "$x_cp" "1.000" ""
	x_cps=$(median <"$work/xfs.cpsync.t")
	row "cp --reflink=never SRC A && sync A (ref.)" "$x_cps" "$(ratio "$x_cps" "$x_cp")" ""
	row "pkgnote stamp (fsync, the default)" "$x_st" "$(ratio "$x_st" "$x_cp")" ""
	row "pkgnote stamp --no-sync" "$x_ns" "$(ratio "$x_ns" "$x_cp")" ""
	floor_row xfs "$x_cp"
	echo "median of the per-pair ratios stamp/cp: $x_pair"
fi
[ -n "$xfs_note" ] && echo "XFS: $xfs_note"

echo
verdict "$(awk -v r="$m_pair" 'BEGIN { print (r <= 1.1) ? 1 : 0 }')" \
	"stamp (with fsync) <= 1.1x cp: median pair ratio $m_pair (ratio of medians $(ratio "$m_st" "$m_cp"))"
rss_max=$(printf '%s\n' "$rss_st" "$rss_small" | sort -n | tail -n1)
verdict "$(awk -v k="$rss_max" 'BEGIN { print (k <= 16384) ? 1 : 0 }')" \
	"peak RSS <= 16 MiB: $(mib "$rss_max") MiB"
if [ -f "$work/xfs.cp.t" ]; then
	verdict "$(awk -v r="$x_pair" 'BEGIN { print (r < 0.1) ? 1 : 0 }')" \
		"on XFS with reflinks stamp < 0.1x cp --reflink=never: median pair ratio $x_pair"
fi
[ $check = 1 ] && exit $fail
exit 0
