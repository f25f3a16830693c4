# SPDX-License-Identifier: LGPL-2.1-or-later
#
# bench/bench-lib.sh: what the benchmarks of one large file share
# (bench-stamp.sh, bench-regress.sh). Sourced after setting BENCH (the
# script's name, for messages) and work (its scratch directory):
#   die MSG, need_pkg COMMAND PACKAGE, largest_llvm;
#   find_pkgnote ROOT: PKGNOTE, made absolute (default: the first
#   ROOT/build*/src/pkgnote);
#   now (microseconds), timed CMD... (sets T, wall ms; sync before),
#   rss CMD... (sets M, peak KiB), median, ratio A B, mib KIB;
#   xfs_mount DIR MIB: a loop-mounted XFS image with reflink=1 at DIR
#   (sets mnt and loopdev; or returns 1 with the reason in xfs_note),
#   xfs_umount (also from an EXIT trap).

die() { echo "$BENCH: $*" >&2; exit 1; }

need_pkg() { # need_pkg COMMAND PACKAGE
	command -v "$1" >/dev/null && return 0
	[ "$(id -u)" = 0 ] && command -v apt-get >/dev/null ||
		die "$1 is missing: apt-get install $2"
	echo "# installing $2 (for $1)"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null || die "apt-get install $2 failed"
}

find_pkgnote() {
	local c
	if [ -z "${PKGNOTE:-}" ]; then
		for c in "$1"/build*/src/pkgnote; do
			[ -x "$c" ] && PKGNOTE=$c && break
		done
	fi
	[ -n "${PKGNOTE:-}" ] && [ -x "$PKGNOTE" ] || die "pkgnote not found: build it or set PKGNOTE"
	PKGNOTE=$(readlink -f "$PKGNOTE")
}

largest_llvm() {
	local f best="" bs=0 s
	for f in /usr/lib/x86_64-linux-gnu/libLLVM-*.so.1 /usr/lib/*/libLLVM-*.so.1; do
		[ -f "$f" ] || continue
		f=$(readlink -f "$f")
		s=$(stat -c %s "$f")
		[ "$s" -gt "$bs" ] && best=$f bs=$s
	done
	printf '%s' "$best"
}

# Wall clock without a fork: bash's EPOCHREALTIME (microseconds).
[ -n "${EPOCHREALTIME:-}" ] || die "needs bash 5 (EPOCHREALTIME)"
now() { local t=${EPOCHREALTIME/[.,]/}; printf '%s' "$t"; }
# timed CMD...: sync, then run CMD; sets T (wall ms). Exits if CMD fails.
timed() {
	local t0 t1
	sync
	t0=$(now)
	"$@" >"$work/cmd.out" 2>&1 || { cat "$work/cmd.out" >&2; die "failed: $*"; }
	t1=$(now)
	T=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1e3 }')
}
# rss CMD...: run CMD under /usr/bin/time (untimed); sets M (peak RSS, KiB).
rss() {
	/usr/bin/time -f %M -o "$work/rss" "$@" >"$work/cmd.out" 2>&1 ||
		{ cat "$work/cmd.out" >&2; die "failed: $*"; }
	M=$(tail -n1 "$work/rss")
}
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "nan"; exit } if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "nan" }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

mnt="" loopdev="" xfs_note=""
xfs_mount() { # xfs_mount DIR MIB
	local img=$work/xfs.img
	if [ "$(id -u)" != 0 ]; then
		xfs_note="skipped: needs root to loop-mount an image"; return 1
	elif ! command -v mkfs.xfs >/dev/null; then
		xfs_note="skipped: mkfs.xfs missing (apt-get install xfsprogs)"; return 1
	fi
	mkdir -p "$1"
	if ! truncate -s "${2}M" "$img" || ! mkfs.xfs -q -m reflink=1 "$img" >"$work/mkfs.log" 2>&1; then
		xfs_note="skipped: mkfs.xfs -m reflink=1 failed: $(head -n1 "$work/mkfs.log")"; return 1
	fi
	# Direct I/O on the loop device: the image's writes do not go through
	# the page cache of the file system below, so an fsync on the XFS
	# does not also pay for flushing the image file's dirty pages.
	loopdev=$(losetup --find --show --direct-io=on "$img" 2>"$work/mount.log") ||
		loopdev=$(losetup --find --show "$img" 2>>"$work/mount.log") || loopdev=""
	if [ -z "$loopdev" ] || ! mount "$loopdev" "$1" 2>>"$work/mount.log"; then
		xfs_note="skipped: loop mount failed: $(head -n1 "$work/mount.log")"; return 1
	fi
	mnt=$1
}
xfs_umount() {
	if [ -n "$mnt" ] && mountpoint -q "$mnt"; then
		umount "$mnt" || umount -l "$mnt"
	fi
	[ -n "$loopdev" ] && losetup -d "$loopdev" 2>/dev/null
	mnt="" loopdev=""
}
