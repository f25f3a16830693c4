#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# System test: stamp a copy of every ELF executable and shared library of the
# system, and check each result with tools other than pkgnote.
#
# 1. List the regular files under /usr/bin and /usr/lib/x86_64-linux-gnu that
#    are ELF (by magic), of type ET_EXEC or ET_DYN, with program headers;
#    *.o, *.ko, *.debug and .debug/ directories are left out. The list is
#    sorted. SWEEP_LIMIT=N (N > 0) takes N files spread evenly over it
#    (file i*T/N + k for i = 0..N-1 of T, k = seed mod T/N, so that the seed
#    moves the sample), plus, always, /usr/bin/gdb and the libLLVM-*.so.1
#    libraries when present (large files that page 1 rarely suits).
#    PKGNOTE_FULL=1 takes every file.
# 2. Two workers (xargs -P2) copy each file into a scratch tree and run
#    `pkgnote stamp --no-sync --json J COPY` with a JSON naming the file.
#    Each result is classified by sweep_verdict (tests/lib/sweep.sh):
#      exit 0      stamped: check_page1 (the note is in page 1 as doc/design.md
#                  section 2 defines it), note_json equals J exactly (one
#                  note), elflint_new_complaints against the original is
#                  empty, every allocated section but .dynamic keeps its
#                  bytes (sections_keep_bytes: cmp at readelf's offsets),
#                  the file mode is kept. Any failure: BROKEN.
#      exit 4, 5   refused (not stampable / no room in page 1): reported with
#                  the reasons grouped; the copy must be byte-identical to
#                  the original, else BROKEN.
#      other       an engine ERROR (verification failed, I/O, a crash...).
#    Files left in the scratch tree that pkgnote did not name (temporary
#    files not cleaned up) are BROKEN too.
# 3. About 40 stamped programs of /usr/bin are run with --version, the original
#    and the stamped copy, same argv[0], stdin /dev/null, `timeout 5`, in an
#    empty directory with a scratch HOME: output and exit code must be equal;
#    and once more with LD_LIBRARY_PATH set to the stamped copies of
#    /usr/lib/x86_64-linux-gnu, so that the stamped libraries (libc and the
#    rest they need) are the ones loaded: the same again.
#    Only programs whose original exits 0 within 2 s, twice with the same
#    output, with neither file's path in it, are compared; programs that act
#    on the system even when asked for a version are never run.
#
# Steps 2 and 3 run in the order of a seed within a time budget
# (tests/lib/budget.sh): step 2 stops taking files when 85% of the budget is
# spent (the files left are counted as not run), step 3 when all of it is.
# The test fails when a file is BROKEN or an ERROR occurs; refusals only count.
# Exit: 0 passed, 1 failed, 77 skipped. Env: PKGNOTE, SOURCE_ROOT,
# SWEEP_LIMIT, SWEEP_JOBS (default 2), SWEEP_DIRS (default the two above),
# PKGNOTE_SUITE_BUDGET, PKGNOTE_SEED, PKGNOTE_FULL (tests/lib/budget.sh),
# KEEP_TMP=1 keeps the scratch tree.

set -u

here=$(cd "$(dirname "$0")" && pwd)
SOURCE_ROOT=${SOURCE_ROOT:-$(cd "$here/../.." && pwd)}
CHECKS=$SOURCE_ROOT/tests/lib/checks.sh

# --- worker mode: test-sweep.sh --worker WORKDIR FILE... -------------------
# For each FILE writes WORKDIR/res/<FILE with / as %>: one line
# "STATUS<TAB>FILE<TAB>DETAIL" (STATUS ok, refused, broken, error), and the
# details of a failure in WORKDIR/log/<same name>.
if [ "${1:-}" = --worker ]; then
	W=$2
	shift 2
	# shellcheck source=/dev/null
	. "$CHECKS" || exit 1
	# shellcheck source=../lib/sweep.sh
	. "$SOURCE_ROOT/tests/lib/sweep.sh" || exit 1
	# shellcheck source=../lib/budget.sh
	. "$SOURCE_ROOT/tests/lib/budget.sh" || exit 1
	# Bytes, not characters, in the patterns below (and in every tool's
	# messages); pkgnote itself is not localised.
	export LC_ALL=C
	for src in "$@"; do
		key=${src//\//%}
		dst=$W/files$src
		res=$W/res/$key
		log=$W/log/$key
		# Past the deadline the file is left out ("notrun"), and counted.
		if bu_past_deadline; then
			printf 'notrun\t%s\t\n' "$src" >"$res"
			continue
		fi
		mkdir -p "${dst%/*}"
		if ! cp --preserve=mode,timestamps -- "$src" "$dst" 2>"$log"; then
			printf 'error\t%s\tcannot copy\n' "$src" >"$res"
			continue
		fi
		# The JSON names the file; '/' in a value must stay unescaped.
		base=${src##*/}
		safe=${src//[!A-Za-z0-9._+\/-]/_}
		json="{\"type\":\"deb\",\"os\":\"debian\",\"name\":\"sweep-${base//[^A-Za-z0-9._+-]/_}\",\"version\":\"1.0-1\",\"architecture\":\"amd64\",\"path\":\"$safe\"}"
		printf '%s' "$json" >"$W/json/$key"
		t0=${EPOCHREALTIME/[.,]/}
		"$PKGNOTE" stamp --no-sync --json "$W/json/$key" "$dst" >"$W/err/$key" 2>&1
		rc=$?
		ms=$(((${EPOCHREALTIME/[.,]/} - t0) / 1000))
		verdict=$(sweep_verdict --mode "$src" "$dst" "$rc" "$json" "$log")
		status=${verdict%%$'\t'*} detail=${verdict#*$'\t'}
		[ "$status" = ok ] && detail="$ms ms"
		printf '%s\t%s\t%s\n' "$status" "$src" "$detail" >"$res"
		# Stamped libraries of subdirectories are not needed any more: keep
		# the disk use low. Programs and the libraries of the top library
		# directories stay, for step 3.
		keep=0
		case $src in
		/usr/bin/*) keep=1 ;;
		/usr/lib/x86_64-linux-gnu/*/*) ;;
		/usr/lib/x86_64-linux-gnu/*) keep=1 ;;
		esac
		if [ $keep = 0 ] && [ "$status" = ok ]; then
			rm -f "$dst" && : >"$dst.checked"
		fi
	done
	exit 0
fi

# --- main ---------------------------------------------------------------------
# shellcheck source=../lib/testlib.sh
. "$SOURCE_ROOT/tests/lib/testlib.sh"
# shellcheck source=../lib/budget.sh
. "$SOURCE_ROOT/tests/lib/budget.sh"
bu_begin sweep 1200
# shellcheck source=../lib/sweep.sh
. "$SOURCE_ROOT/tests/lib/sweep.sh"
# This test keeps its own counters; its skip exits, testlib's does not.
SKIP=77
skip() { echo "SKIP: $*"; exit $SKIP; }
die() { echo "ERROR: $*"; exit 1; }
tl_find_pkgnote || die "pkgnote not found (set PKGNOTE)"
for tool in readelf eu-elflint perl timeout cmp; do
	command -v $tool >/dev/null || skip "$tool is not installed"
done

SWEEP_LIMIT=${SWEEP_LIMIT:-0}
((BU_FULL)) && SWEEP_LIMIT=0
case $SWEEP_LIMIT in '' | *[!0-9]*) die "SWEEP_LIMIT must be a number, not '$SWEEP_LIMIT'" ;; esac
JOBS=${SWEEP_JOBS:-2}
read -r -a DIRS <<<"${SWEEP_DIRS:-/usr/bin /usr/lib/x86_64-linux-gnu}"

W=$(mktemp -d "${TMPDIR:-/tmp}/pkgnote-sweep.XXXXXX") || die "mktemp failed"
cleanup() { if [ -n "${KEEP_TMP:-}" ]; then echo "# kept $W"; else rm -rf "$W"; fi; }
trap cleanup EXIT
mkdir -p "$W/files" "$W/res" "$W/log" "$W/err" "$W/json" "$W/run"
start=$(date +%s)

# 1. The list: ELF by magic, e_type 2 or 3, e_phnum > 0 (either class/order).
find "${DIRS[@]}" -type f ! -name '*.o' ! -name '*.ko' ! -name '*.debug' \
	! -path '*/.debug/*' -print0 2>/dev/null | sweep_list_elf | LC_ALL=C sort >"$W/all.txt"
total=$(wc -l <"$W/all.txt")
[ "$total" -gt 0 ] || skip "no ELF files under ${DIRS[*]}"

if [ "$SWEEP_LIMIT" -gt 0 ] && [ "$SWEEP_LIMIT" -lt "$total" ]; then
	awk -v n="$SWEEP_LIMIT" -v t="$total" -v seed="$BU_SEED" '
		BEGIN { k = int(t / n); off = k > 1 ? seed % k : 0
			for (i = 0; i < n; i++) want[int(i * t / n) + 1 + off] = 1 }
		want[NR]' "$W/all.txt" >"$W/list.txt"
	grep -E '^(/usr/bin/gdb|.*/libLLVM-[^/]*\.so\.1)$' "$W/all.txt" >>"$W/list.txt"
	LC_ALL=C sort -u -o "$W/list.txt" "$W/list.txt"
	how="a sample of $(wc -l <"$W/list.txt") (SWEEP_LIMIT=$SWEEP_LIMIT, plus gdb and libLLVM)"
else
	cp "$W/all.txt" "$W/list.txt"
	how="all of them"
fi
count=$(wc -l <"$W/list.txt")
# Sizes by stat, not du: du counts a hard-linked file once.
tr '\n' '\0' <"$W/list.txt" | xargs -0 stat -c '%s %n' >"$W/sizes.txt"
bytes=$(awk '{ s += $1 } END { printf "%.0f\n", s }' "$W/sizes.txt")   # no 2.2e+09
echo "# pkgnote: $PKGNOTE"
echo "# $total ELF executables and libraries under ${DIRS[*]}; stamping $how: $count files, $((bytes / 1048576)) MiB, $JOBS workers"
for f in /usr/bin/gdb /usr/lib/x86_64-linux-gnu/libLLVM-*.so.1; do
	[ -f "$f" ] && ! [ -L "$f" ] && ! grep -qxF "$f" "$W/list.txt" && echo "# note: $f is not in the list"
done

# 2. Stamp and check, in parallel, in small batches, in the seed's order
# (gdb and libLLVM first), until 85% of the time budget is spent; the files
# past it are "notrun", and counted.
bu_loop stamp 85 "$count"
cut -d' ' -f2- "$W/sizes.txt" | bu_shuffle >"$W/shuffled.txt"
{ grep -E '^(/usr/bin/gdb|.*/libLLVM-[^/]*\.so\.1)$' "$W/shuffled.txt"
  grep -vE '^(/usr/bin/gdb|.*/libLLVM-[^/]*\.so\.1)$' "$W/shuffled.txt"; } >"$W/order.txt"
t_stamp=$(date +%s)
tr '\n' '\0' <"$W/order.txt" |
	xargs -0 -n 8 -P "$JOBS" bash "$here/test-sweep.sh" --worker "$W"
t_stamped=$(date +%s)

# Results.
cat "$W"/res/* 2>/dev/null >"$W/results.txt"
n_ok=$(grep -c '^ok' "$W/results.txt")
n_ref=$(grep -c '^refused' "$W/results.txt")
n_broken=$(grep -c '^broken' "$W/results.txt")
n_err=$(grep -c '^error' "$W/results.txt")
n_res=$(wc -l <"$W/results.txt")
n_notrun=$(grep -c '^notrun' "$W/results.txt")
missing=$((count - n_res))
bu_done $((n_res - n_notrun))
bu_end

# Files in the scratch tree that are neither a copy nor our marker.
find "$W/files" -type f ! -name '*.checked' -printf '/%P\n' | LC_ALL=C sort >"$W/present.txt"
sed -n 's/\.checked$//p' <(find "$W/files" -type f -name '*.checked' -printf '/%P\n') |
	LC_ALL=C sort >>"$W/present.txt"
LC_ALL=C sort -u -o "$W/present.txt" "$W/present.txt"
stray=$(LC_ALL=C comm -23 "$W/present.txt" "$W/list.txt")

# 3. --version before and after.
# Programs that may act on the machine even when asked for --version.
deny='^(login|su|sudo|passwd|newgrp|chfn|chsh|chage|gpasswd|expiry|clear_console|xkill|wall|write|mesg|valgrind-listener|valgrind-di-server|vgdb|shutdown|reboot|halt|poweroff|init|telinit|kill|killall|pkill|skill|pidwait|sync|mount|umount|swapon|swapoff|mkfs.*|fdisk|systemd-.*|systemctl|.*ctl|xdg-.*|rm|rmdir|shred|dd|truncate|fallocate|partx|addpart|delpart|resizepart|update-.*|catman|mandb|fc-cache|gtk-update-icon-cache|ssh-agent|gpg-agent|dirmngr|dbus-.*|script|scriptlive|tmux|top|watch|less|more|vim.*|ed|nsenter|unshare|setsid|nohup|run-parts|rdma|ip|ss|nstat|lnstat)$'
version_run() { # version_run FILE NAME OUT [LIBDIR]: prints the exit code
	(cd "$W/run" && exec env -i PATH=/usr/bin:/bin HOME="$W/run" LC_ALL=C TERM=dumb \
		${4:+LD_LIBRARY_PATH=$4} \
		timeout -k 1 5 bash -c 'exec -a "$0" "$1" --version' "$2" "$1") \
		</dev/null >"$3" 2>&1
	echo $?
}
# The stamped copies of /usr/lib/x86_64-linux-gnu: a program run with this
# LD_LIBRARY_PATH loads the stamped copies of its libraries (libc among them).
libdir=$W/files/usr/lib/x86_64-linux-gnu
: >"$W/libs-loaded.txt"
grep -P '^ok\t/usr/bin/' "$W/results.txt" | cut -f2 | LC_ALL=C sort >"$W/progs.txt"
np=$(wc -l <"$W/progs.txt")
want_v=40
v_same=0 v_diff=0 v_tried=0
: >"$W/version-diff.txt"
if [ "$np" -gt 0 ]; then
	stride=$((np / want_v))
	[ $stride -lt 1 ] && stride=1
	# Visit program i in the order (i mod stride, i div stride): evenly spread,
	# and the next candidates are there when one is not comparable.
	awk -v k=$stride '{ printf "%d %d %s\n", (NR - 1) % k, int((NR - 1) / k), $0 }' "$W/progs.txt" |
		sort -k1,1n -k2,2n | cut -d' ' -f3- >"$W/vorder.txt"
	# gdb, named by the issue, first when it is there.
	{ grep -x /usr/bin/gdb "$W/vorder.txt"; grep -vx /usr/bin/gdb "$W/vorder.txt"; } >"$W/vorder2.txt"
	mv "$W/vorder2.txt" "$W/vorder.txt"
	bu_loop version 100 "$want_v"
	while read -r p && [ $((v_same + v_diff)) -lt $want_v ] && bu_more; do
		name=${p##*/}
		[[ $name =~ $deny ]] && continue
		v_tried=$((v_tried + 1))
		t0=$(date +%s%N)
		rc1=$(version_run "$p" "$name" "$W/v1")
		dt=$((($(date +%s%N) - t0) / 1000000))
		[ "$rc1" = 0 ] && [ $dt -lt 2000 ] && [ -s "$W/v1" ] || continue
		rc2=$(version_run "$p" "$name" "$W/v2")
		[ "$rc2" = 0 ] && cmp -s "$W/v1" "$W/v2" || continue
		grep -qF -e "$p" -e "$W" "$W/v1" && continue
		rc3=$(version_run "$W/files$p" "$name" "$W/v3")
		rc4=$(version_run "$W/files$p" "$name" "$W/v4" "$libdir")
		env -i LD_LIBRARY_PATH="$libdir" LD_TRACE_LOADED_OBJECTS=1 "$W/files$p" </dev/null 2>/dev/null |
			awk -v d="$libdir/" '$3 ~ "^" d { print $3 }' >>"$W/libs-loaded.txt"
		bu_done
		if [ "$rc4" != "$rc1" ] || ! cmp -s "$W/v1" "$W/v4"; then
			v_diff=$((v_diff + 1))
			{
				echo "$p --version with the stamped libraries (LD_LIBRARY_PATH=$libdir): exit $rc1 before, $rc4 after; output diff:"
				diff "$W/v1" "$W/v4" | head -n 10
			} >>"$W/version-diff.txt"
		elif [ "$rc3" = "$rc1" ] && cmp -s "$W/v1" "$W/v3"; then
			v_same=$((v_same + 1))
			v_names="${v_names:-}$name "
		else
			v_diff=$((v_diff + 1))
			{
				echo "$p --version: exit $rc1 before, $rc3 after; output diff:"
				diff "$W/v1" "$W/v3" | head -n 10
			} >>"$W/version-diff.txt"
		fi
	done <"$W/vorder.txt"
	# Fewer comparable programs than wanted is not a lack of time: the
	# loop covered every one there was.
	((v_same + v_diff < want_v)) && bu_more && BU_LOOP_TOTAL=$BU_LOOP_DONE
	bu_end
fi
t_end=$(date +%s)

# --- report ---------------------------------------------------------------------
echo "# files:             $count ($((n_res - n_notrun)) stamped and checked, $n_notrun left out by the time budget)"
echo "# stamped, page 1:   $n_ok (all checks passed)"
if [ "$count" -gt 0 ]; then
	rate=$(awk -v r="$n_ref" -v c="$((n_res - n_notrun))" 'BEGIN { printf "%.1f", c ? 100 * r / c : 0 }')
else
	rate=0
fi
if [ "$n_ok" -gt 0 ]; then
	echo "#   how (pkgnote's message, file name and numbers elided):"
	grep -P '^ok\t' "$W/results.txt" | cut -f2 | while read -r f; do
		tail -n1 "$W/err/${f//\//%}" | awk -v a="$W/files$f" '{
			while ((i = index($0, a)) > 0) $0 = substr($0, 1, i - 1) "FILE" substr($0, i + length(a))
			gsub(/0x[0-9a-f]+/, "N"); gsub(/[0-9]+/, "N"); print }'
	done | sort | uniq -c | sort -k1,1nr | head -n 12 | sed 's/^/#   /'
fi
echo "# refused:           $n_ref ($rate% of the files)"
if [ "$n_ref" -gt 0 ]; then
	echo "#   by exit code:    $(grep '^refused' "$W/results.txt" | cut -f3 | sort | uniq -c | awk '{ printf "%s exit %s; ", $1, $2 }')"
	echo "#   reasons (pkgnote's first stderr line, file name and numbers elided):"
	grep '^refused' "$W/results.txt" | cut -f2 | while read -r f; do
		head -n1 "$W/err/${f//\//%}" | awk -v a="$W/files$f" -v b="$f" '{
			while ((i = index($0, a)) > 0) $0 = substr($0, 1, i - 1) "FILE" substr($0, i + length(a))
			while ((i = index($0, b)) > 0) $0 = substr($0, 1, i - 1) "FILE" substr($0, i + length(b))
			gsub(/[0-9]+/, "N"); print }'
	done | sort | uniq -c | sort -k1,1nr | sed 's/^/#   /'
	echo "#   refused files:"
	grep '^refused' "$W/results.txt" | cut -f2,3 | sed 's/^/#     /; s/\t/  exit /'
fi
echo "# broken:            $n_broken"
echo "# engine errors:     $n_err"
[ "$missing" -ne 0 ] && echo "# no result:         $missing files (a worker died?)"
[ -n "$stray" ] && echo "# stray files:       $(printf '%s\n' "$stray" | wc -l) left in the scratch tree"
echo "# --version:         $((v_same + v_diff)) programs compared ($v_tried run), $v_same same, $v_diff different"
echo "#   stamped libraries they loaded (LD_LIBRARY_PATH run): $(sort -u "$W/libs-loaded.txt" | wc -l)"
[ -n "${v_names:-}" ] && echo "#   same output:     ${v_names% }"
echo "# time:              stamp+check $((t_stamped - t_stamp)) s, --version $((t_end - t_stamped)) s, total $((t_end - start)) s"
big=$(grep -P '^ok\t' "$W/results.txt" | sort -t$'\t' -k3,3nr | head -n3 | awk -F'\t' '{ printf "%s (%s), ", $2, $3 }')
[ -n "$big" ] && echo "# slowest stamps:    ${big%, }"

status=0
if [ "$n_broken" -gt 0 ] || [ "$n_err" -gt 0 ]; then
	status=1
	echo "# BROKEN or ERROR files (details):"
	grep -E '^(broken|error)' "$W/results.txt" | while IFS=$'\t' read -r st f d; do
		echo "#   $st $f: $d"
		key=${f//\//%}
		sed 's/^/#       /' "$W/log/$key" 2>/dev/null | head -n 12
		[ "$st" = error ] && sed 's/^/#       stderr: /' "$W/err/$key" | head -n 5
	done
fi
if [ "$missing" -ne 0 ]; then
	status=1
	comm -23 "$W/list.txt" <(cut -f2 "$W/results.txt" | LC_ALL=C sort) | head -n 20 | sed 's/^/#   no result: /'
fi
if [ -n "$stray" ]; then
	status=1
	printf '%s\n' "$stray" | head -n 20 | sed 's/^/#   stray: /'
fi
if [ "$v_diff" -gt 0 ]; then
	status=1
	sed 's/^/#   /' "$W/version-diff.txt"
fi

bu_report
if [ $status -eq 0 ]; then
	echo "1 passed, 0 failed"
else
	echo "0 passed, 1 failed"
fi
exit $status
