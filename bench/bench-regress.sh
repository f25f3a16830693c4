#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# bench/bench-regress.sh: the regression guard of a first stamp of a large
# library. Prints, for the current build and, with --against REV, for a
# build of REV made in a temporary worktree, measured in the same run:
#   ext4      first stamp of libLLVM by copy (durable, the default) / a
#             durable copy (`cp SRC A && sync -f A`, A existing)    <= 0.9
#   XFS       the same on a loop-mounted XFS with reflink=1 / `cp
#             --reflink=never SRC A`                                <= 0.5
#   in place  durable re-stamp --in-place of libLLVM carrying an older
#             note of the same length / the durable copy           <= 0.1
#   floor     bench/replace-floor.c on a fresh copy, on each file system:
#             the bare system calls of an atomic, durable replacement with
#             no ELF work, what no stamp can beat on the machine
#   RSS       peak RSS of `stamp -o` on libLLVM                    <= 4 MiB
#             and on a generated library (fixtures/gen-biglib.sh: 1,000,000
#             relocations, 200,000 exported functions)   within 1 MiB of it
# Method: the work directory's file system (ext4 here) and the XFS image;
# each round runs every command once, in an order that rotates from round
# to round, builds interleaved; `sync` runs untimed before each timed
# command; every stamp works on a fresh copy made untimed just before. A
# figure is the median over the rounds of the ratio to the same round's
# reference. Peak RSS from /usr/bin/time in separate runs (largest of 3).
# A benchmark, not a test: with --check it exits 1 when the current build
# misses a target. A build without --in-place (before it existed) gets no
# in-place figure.
#
# Usage: bench/bench-regress.sh [--against REV] [-n ROUNDS] [--src FILE]
#                               [--dir DIR] [--no-xfs] [--no-gen] [--check]
# Env: PKGNOTE (default: the first build*/src/pkgnote of the source tree).

set -u
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
BENCH=bench-regress work=""
. "$here/bench-lib.sh"
rounds=7 against="" src="" base=${TMPDIR:-/var/tmp} do_xfs=1 do_gen=1 check=0
while [ $# -gt 0 ]; do
	case $1 in
	--against) against=$2; shift ;;
	-n) rounds=$2; shift ;;
	--src) src=$2; shift ;;
	--dir) base=$2; shift ;;
	--no-xfs) do_xfs=0 ;;
	--no-gen) do_gen=0 ;;
	--check) check=1 ;;
	-h | --help) sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) die "unknown argument $1" ;;
	esac
	shift
done
case $rounds in '' | *[!0-9]* | 0) die "-n needs a positive number" ;; esac
[ -x /usr/bin/time ] || need_pkg /usr/bin/time time

find_pkgnote "$root"
src=$(readlink -f "${src:-$(largest_llvm)}")
[ -n "$src" ] && [ -f "$src" ] || die "no libLLVM-*.so.1 found (apt-get install libllvm16) and no --src"

work=$(mktemp -d "$base/pkgnote-regress.XXXXXX") || die "mktemp in $base failed"
rev_tree=""
cleanup() {
	xfs_umount
	[ -n "$rev_tree" ] && git -C "$root" worktree remove --force "$rev_tree" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The builds: labels and their pkgnote.
labels=(cur) bins=("$PKGNOTE")
names=("current ($(git -C "$root" describe --always --dirty 2>/dev/null || echo '?'))")
if [ -n "$against" ]; then
	rev=$(git -C "$root" rev-parse --short "$against^{commit}") || die "no commit $against"
	rev_tree=$work/rev
	echo "# building $rev in a temporary worktree"
	git -C "$root" worktree add -q --detach "$rev_tree" "$rev" || die "git worktree add $rev failed"
	{ meson setup "$rev_tree/build" "$rev_tree" -Dtests=false && ninja -C "$rev_tree/build"; } \
		>"$work/rev-build.log" 2>&1 || { tail -n 20 "$work/rev-build.log" >&2; die "build of $rev failed"; }
	labels+=(rev) bins+=("$rev_tree/build/src/pkgnote") names+=("$rev")
fi

# Two JSON objects of the same length (a re-stamp keeps the note's slot)
# and a longer one for the first stamps.
printf '%s' '{"type":"deb","name":"libllvm-bench","version":"1:16.0.6-15~deb12u1","architecture":"amd64"}' >"$work/meta.json"
printf '%s' '{"type":"deb","name":"libllvm-bench","version":"1"}' >"$work/old-a.json"
printf '%s' '{"type":"deb","name":"libllvm-bench","version":"2"}' >"$work/old-b.json"
json_of_round=(b a) # the copies carry old-a first
floor=$work/replace-floor
cc -O2 -o "$floor" "$here/replace-floor.c" 2>"$work/cc.log" ||
	{ echo "# replace-floor not built (no cc?): no floor"; floor=""; }
in_place_ok() { "$1" stamp --help 2>&1 | grep -q -- --in-place; }

# prepare DIR SRC CPFLAGS: DIR/SRC, and for each build with --in-place
# DIR/C.LABEL, a copy carrying an older note (on disk: synced).
prepare() {
	local dir=$1 s=$2 cpflags=$3 k
	cp $cpflags "$s" "$dir/SRC"
	cp $cpflags "$dir/SRC" "$dir/A"
	for k in "${!labels[@]}"; do
		in_place_ok "${bins[$k]}" || continue
		cp $cpflags "$dir/SRC" "$dir/C.${labels[$k]}"
		"${bins[$k]}" stamp --json "$work/old-a.json" "$dir/C.${labels[$k]}" >/dev/null ||
			die "${names[$k]}: first stamp of $dir/C failed"
	done
	cat "$dir/SRC" >/dev/null
	sync
}

# run_rounds DIR CPFLAGS FS: the rounds on one file system; values in
# $work/FS.{ref,first.LABEL,inplace.LABEL}, ratios in *.r.
run_rounds() {
	local dir=$1 cpflags=$2 fs=$3 i k what order tref ino f
	local items=(ref)
	[ -n "$floor" ] && items+=(floor)
	for k in "${!labels[@]}"; do
		items+=("first:$k")
		[ "$fs" = ext4 ] && in_place_ok "${bins[$k]}" && items+=("inplace:$k")
	done
	for ((i = 0; i < rounds; i++)); do
		order=("${items[@]:i % ${#items[@]}}" "${items[@]:0:i % ${#items[@]}}")
		declare -A t=()
		for what in "${order[@]}"; do
			k=${what#*:}
			case $what in
			ref)
				if [ "$fs" = ext4 ]; then
					timed sh -c 'cp "$1" "$2" && sync -f "$2"' sh "$dir/SRC" "$dir/A"
				else
					timed cp $cpflags "$dir/SRC" "$dir/A"
				fi ;;
			floor)
				cp $cpflags "$dir/SRC" "$dir/D"
				timed "$floor" "$dir/D" ;;
			first:*)
				cp $cpflags "$dir/SRC" "$dir/B"
				timed "${bins[$k]}" stamp --json "$work/meta.json" "$dir/B" ;;
			inplace:*)
				ino=$(stat -c %i "$dir/C.${labels[$k]}")
				timed "${bins[$k]}" stamp --in-place --json "$work/old-${json_of_round[i % 2]}.json" \
					"$dir/C.${labels[$k]}"
				[ "$(stat -c %i "$dir/C.${labels[$k]}")" = "$ino" ] ||
					die "${names[$k]}: the in-place re-stamp replaced the file" ;;
			esac
			t[$what]=$T
		done
		tref=${t[ref]}
		echo "$tref" >>"$work/$fs.ref"
		for what in "${items[@]}"; do
			[ "$what" = ref ] && continue
			f=$work/$fs.${what%%:*}
			[ "$what" != floor ] && f=$f.${labels[${what#*:}]}
			echo "${t[$what]}" >>"$f"
			ratio "${t[$what]}" "$tref" >>"$f.r"
			echo >>"$f.r"
		done
		printf '#   %s round %d/%d: reference %.1f ms\n' "$fs" $((i + 1)) "$rounds" "$tref"
	done
}

size=$(stat -c %s "$src")
echo "# file:    $src ($((size / 1048576)) MiB)"
echo "# builds:  ${names[*]}"
echo "# rounds:  $rounds; machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

fs=$(stat -f -c %T "$work")
mkdir -p "$work/disk"
prepare "$work/disk" "$src" ""
echo "# rounds on $fs ($work):"
run_rounds "$work/disk" "" ext4

if [ $do_xfs = 0 ]; then
	xfs_note="skipped (--no-xfs)"
elif xfs_mount "$work/xfs" $(((size * 6 / 1048576 + 1024) / 256 * 256)); then
	prepare "$mnt" "$src" --reflink=never
	echo "# rounds on a loop-mounted XFS (reflink=1), reference cp --reflink=never:"
	run_rounds "$mnt" --reflink=never xfs
	xfs_umount
fi

# Peak RSS: libLLVM and the generated library, each build, largest of 3.
gen=""
if [ $do_gen = 1 ]; then
	echo "# generating a library of 1,000,000 relocations (fixtures/gen-biglib.sh)"
	gen=$work/gen.so
	"$root/fixtures/gen-biglib.sh" "$gen" 200000 1000000 || die "gen-biglib.sh failed"
fi
for k in "${!labels[@]}"; do
	for f in "$src" $gen; do
		: >"$work/rss.${labels[$k]}.$(basename "$f")"
		for i in 1 2 3; do
			rss "${bins[$k]}" stamp --no-sync --json "$work/meta.json" -o "$work/out" "$f"
			echo "$M" >>"$work/rss.${labels[$k]}.$(basename "$f")"
			rm -f "$work/out"
		done
	done
done

# --- report --------------------------------------------------------------
fig() { [ -s "$1" ] && median <"$1" || echo "-"; }
peak() { [ -s "$1" ] && mib "$(sort -n "$1" | tail -n1)" || echo "-"; }
echo
printf 'references (median ms): durable copy on %s %s' "$fs" "$(fig "$work/ext4.ref")"
[ -s "$work/xfs.ref" ] && printf ', cp --reflink=never on XFS %s' "$(fig "$work/xfs.ref")"
echo
printf '%-28s %12s %12s %14s %12s %12s\n' build "first/durable" "XFS first/cp" "in-place/dur." "RSS libLLVM" "RSS gen."
for k in "${!labels[@]}"; do
	l=${labels[$k]}
	printf '%-28s %12s %12s %14s %12s %12s\n' "${names[$k]}" "$(fig "$work/ext4.first.$l.r")" \
		"$(fig "$work/xfs.first.$l.r")" "$(fig "$work/ext4.inplace.$l.r")" \
		"$(peak "$work/rss.$l.$(basename "$src")")" "$( [ -n "$gen" ] && peak "$work/rss.$l.gen.so" || echo -)"
	printf '%-28s %12s %12s %14s\n' "  (median ms)" "$(fig "$work/ext4.first.$l")" \
		"$(fig "$work/xfs.first.$l")" "$(fig "$work/ext4.inplace.$l")"
done
[ -s "$work/ext4.floor.r" ] && printf '%-28s %12s %12s   (median ms: %s, %s)\n' \
	"bare replace (the floor)" "$(fig "$work/ext4.floor.r")" "$(fig "$work/xfs.floor.r")" \
	"$(fig "$work/ext4.floor")" "$(fig "$work/xfs.floor")"
[ -n "$xfs_note" ] && echo "XFS: $xfs_note"

fail=0
verdict() { # verdict VALUE OP LIMIT TEXT
	local ok
	[ "$1" = - ] && { echo "n/a   $4"; return; }
	ok=$(awk -v v="$1" -v l="$3" -v op="$2" 'BEGIN { print (op == "le" ? v <= l : v < l) ? 1 : 0 }')
	if [ "$ok" = 1 ]; then echo "PASS  $4: $1"; else echo "MISS  $4: $1"; fail=1; fi
}
echo
echo "current build:"
verdict "$(fig "$work/ext4.first.cur.r")" le 0.9 "first stamp <= 0.9x durable copy ($fs)"
verdict "$(fig "$work/xfs.first.cur.r")" le 0.5 "first stamp <= 0.5x cp --reflink=never (XFS)"
verdict "$(fig "$work/ext4.inplace.cur.r")" le 0.1 "in-place re-stamp <= 0.1x durable copy"
rl=$(sort -n "$work/rss.cur.$(basename "$src")" | tail -n1)
verdict "$(mib "$rl")" le 4 "peak RSS MiB on libLLVM <= 4"
if [ -n "$gen" ]; then
	rg=$(sort -n "$work/rss.cur.gen.so" | tail -n1)
	verdict "$(mib $((rg > rl ? rg - rl : rl - rg)))" le 1 "|RSS generated - RSS libLLVM| MiB <= 1"
fi
[ $check = 1 ] && exit $fail
exit 0
