#!/bin/bash
# test-foreign-sweep.sh: real Debian binaries of other architectures.
# Suite 'cross-sweep' only (a plain `meson test` leaves it out):
#   meson test -C BUILD --suite cross-sweep --print-errorlogs
#
# 1. apt-get update and apt-get download, with a private apt state (lists
#    and cache in a scratch directory, the architectures given with
#    -o APT::Architectures): the machine's dpkg configuration and apt lists
#    are not touched (no dpkg --add-architecture needed).  The packages
#    (SWEEP_PACKAGES) of each architecture (SWEEP_ARCHES) are unpacked with
#    dpkg-deb -x into ARCH/orig (absolute symbolic links made relative), and
#    copied to ARCH/stamped, ARCH/bare and ARCH/bare-stamped.
# 2. Every regular file of ARCH/stamped that is ELF with e_type ET_EXEC or
#    ET_DYN and program headers is stamped in place (pkgnote stamp --no-sync,
#    a JSON naming the file), two workers:
#      exit 0     check_page1 (4096), note_json is exactly the JSON,
#                 elflint_new_complaints against the original is empty,
#                 every allocated section but .dynamic keeps its bytes
#                 (sections_keep_bytes); anything else: FAILED;
#      exit 4, 5  refused: the file must be byte-identical, else FAILED; the
#                 reason (pkgnote's message) is counted;
#      other      FAILED (an engine error).
#    Then the same again for the files without section headers (as sstrip
#    leaves them): ARCH/bare/F is F with e_shoff, e_shnum and e_shstrndx
#    zeroed, ARCH/bare-stamped/F its stamped copy, checked with check_page1
#    and the PT_NOTE walk (eu-elflint needs section headers).
# 3. A sample of the programs that were stamped (SWEEP_RUNS per
#    architecture, some named ones first: bash, ls, sha256sum, busybox, rg
#    (Rust), fzf (Go)) run with --version under qemu-ARCH, once with
#    -L ARCH/orig and the original file, once with -L ARCH/stamped and the
#    stamped file (so the stamped ld.so, libc and the other stamped
#    libraries are the ones loaded), once the same with ARCH/bare-stamped:
#    same output and exit status, or FAILED.
# 4. A table per architecture: files, stamped in page 1, refused, failed,
#    the same without section headers, --version runs; then pkgnote's
#    messages (how it stamped, why it refused) and the failures.
#
# Exit 0: nothing FAILED (refusals are reported, not failures); 1: something
# FAILED; 77: nothing could be downloaded (offline) or a tool is missing.
# Env: PKGNOTE, SOURCE_ROOT; SWEEP_ARCHES (default "arm64 armhf i386 ppc64el
# s390x mips64el mipsel"), SWEEP_PACKAGES, SWEEP_RUNS (default 20), SWEEP_JOBS
# (default 2), KEEP_TMP=1 keeps the scratch tree.
set -u

here=$(cd "$(dirname "$0")" && pwd)
SOURCE_ROOT=${SOURCE_ROOT:-$(cd "$here/../.." && pwd)}

# --- worker mode: test-foreign-sweep.sh --worker W ARCH VIEW RELPATH... ----
# VIEW "shdr": stamps ARCH/stamped/RELPATH (a copy of ARCH/orig/RELPATH);
# VIEW "bare": first writes ARCH/bare/RELPATH, the original with its section
# header table hidden (e_shoff, e_shnum, e_shstrndx zeroed), then stamps a
# copy of it, ARCH/bare-stamped/RELPATH.
# Writes ARCH/res-VIEW/<key>: "STATUS<TAB>RELPATH<TAB>DETAIL" (ok, refused,
# failed), pkgnote's output in ARCH/err-VIEW/<key>, failure details in
# ARCH/log-VIEW/<key>.
if [ "${1:-}" = --worker ]; then
	W=$2 arch=$3 view=$4
	shift 4
	# shellcheck source=/dev/null
	. "$SOURCE_ROOT/tests/lib/checks.sh" || exit 1
	# shellcheck source=../lib/sweep.sh
	. "$SOURCE_ROOT/tests/lib/sweep.sh" || exit 1
	A=$W/$arch
	bare=
	[ "$view" = bare ] && bare=1
	for rel in "$@"; do
		key=${rel//\//%}
		res=$A/res-$view/$key log=$A/log-$view/$key err=$A/err-$view/$key
		if [ "$view" = bare ]; then
			src=$A/bare/$rel dst=$A/bare-stamped/$rel
			if ! ALIGN4=0 _pn_segment_view "$A/orig/$rel" "$src" 2>"$log"; then
				printf 'failed\t%s\tcannot hide the section headers (test problem)\n' "$rel" >"$res"
				continue
			fi
			cp -- "$src" "$dst"
		else
			src=$A/orig/$rel dst=$A/stamped/$rel
		fi
		safe=$(printf '%s' "$rel" | LC_ALL=C tr -c 'A-Za-z0-9._+/-' '_')
		json="{\"type\":\"deb\",\"os\":\"debian\",\"osVersion\":\"12\",\"name\":\"sweep\",\"version\":\"1.0\",\"architecture\":\"$arch\",\"path\":\"/$safe\"}"
		printf '%s' "$json" >"$A/json/$key"
		"$PKGNOTE" stamp --no-sync --json "$A/json/$key" "$dst" >"$err" 2>&1
		rc=$?
		verdict=$(sweep_verdict ${bare:+--bare} "$src" "$dst" "$rc" "$json" "$log")
		status=${verdict%%$'\t'*} detail=${verdict#*$'\t'}
		case $status in broken | error) status=failed ;; esac
		printf '%s\t%s\t%s\n' "$status" "$rel" "$detail" >"$res"
	done
	exit 0
fi

# --- main ---------------------------------------------------------------------
skip() { echo "SKIP: $*"; exit 77; }
die() { echo "ERROR: $*"; exit 1; }

[ -n "${PKGNOTE:-}" ] && [ -x "$PKGNOTE" ] || die "PKGNOTE (${PKGNOTE:-unset}) is not an executable pkgnote"
PKGNOTE=$(readlink -f "$PKGNOTE")
export PKGNOTE SOURCE_ROOT
# shellcheck source=/dev/null
. "$SOURCE_ROOT/tests/lib/checks.sh" || die "tests/lib/checks.sh is missing"
# shellcheck source=../lib/sweep.sh
. "$SOURCE_ROOT/tests/lib/sweep.sh" || die "tests/lib/sweep.sh is missing"
for tool in apt-get dpkg-deb readelf eu-elflint perl timeout cmp; do
	command -v $tool >/dev/null || skip "$tool is not installed"
done

read -r -a ARCHES <<<"${SWEEP_ARCHES:-arm64 armhf i386 ppc64el s390x mips64el mipsel}"
read -r -a PKGS <<<"${SWEEP_PACKAGES:-libc6 libgcc-s1 libstdc++6 zlib1g libssl3 libzstd1 liblzma5 libbz2-1.0 libpcre2-8-0 libselinux1 libacl1 libattr1 libgmp10 libcrypt1 libcap2 libsystemd0 libtinfo6 coreutils bash grep sed tar gzip findutils diffutils xz-utils busybox-static ripgrep fzf}"
RUNS=${SWEEP_RUNS:-20}
JOBS=${SWEEP_JOBS:-2}

# qemu-user's name for a Debian architecture.
qemu_of() {
	case $1 in
	arm64) echo qemu-aarch64 ;; armhf | armel) echo qemu-arm ;; i386) echo qemu-i386 ;;
	ppc64el) echo qemu-ppc64le ;; s390x) echo qemu-s390x ;; mips64el) echo qemu-mips64el ;;
	mipsel) echo qemu-mipsel ;; riscv64) echo qemu-riscv64 ;; amd64) echo qemu-x86_64 ;;
	*) echo "qemu-$1" ;;
	esac
}

W=$(mktemp -d "${TMPDIR:-/tmp}/pkgnote-xsweep.XXXXXX") || die "mktemp failed"
cleanup() { if [ -n "${KEEP_TMP:-}" ]; then echo "# kept $W"; else rm -rf "$W"; fi; }
trap cleanup EXIT
start=$(date +%s)

# 1. download and unpack, with a private apt state.
mkdir -p "$W/apt/lists/partial" "$W/apt/cache/archives/partial"
APT=(apt-get -q -o "Dir::State::Lists=$W/apt/lists" -o "Dir::Cache=$W/apt/cache"
	-o APT::Sandbox::User=root -o "APT::Architectures::=$(dpkg --print-architecture)")
for a in "${ARCHES[@]}"; do APT+=(-o "APT::Architectures::=$a"); done
echo "# pkgnote: $PKGNOTE"
echo "# architectures: ${ARCHES[*]}"
echo "# packages: ${PKGS[*]}"
if ! "${APT[@]}" update >"$W/apt-update.log" 2>&1; then
	# A mirror in sync leaves some index out: the rest is still usable.
	echo "# note: apt-get update reported errors (continuing with what it fetched):"
	grep -E '^(E|W|Err):' "$W/apt-update.log" | head -n 5 | sed 's/^/#   /'
fi
downloaded=0
for a in "${ARCHES[@]}"; do
	A=$W/$a
	mkdir -p "$A/debs" "$A/orig" "$A/json" "$A/run"
	for v in shdr bare; do mkdir -p "$A/res-$v" "$A/log-$v" "$A/err-$v"; done
	: >"$A/missing.txt"
	# One apt-get for all; when one package is missing it fetches nothing,
	# then one at a time.
	if ! (cd "$A/debs" && "${APT[@]}" download "${PKGS[@]/%/:$a}" >>"$A/download.log" 2>&1); then
		for p in "${PKGS[@]}"; do
			compgen -G "$A/debs/${p}_*.deb" >/dev/null && continue
			if ! (cd "$A/debs" && "${APT[@]}" download "$p:$a" >>"$A/download.log" 2>&1); then
				echo "$p" >>"$A/missing.txt"
			fi
		done
	fi
	for deb in "$A"/debs/*.deb; do
		[ -f "$deb" ] || continue
		dpkg-deb -x "$deb" "$A/orig" || echo "$(basename "$deb") (dpkg-deb -x failed)" >>"$A/missing.txt"
		downloaded=$((downloaded + 1))
	done
	# Absolute symbolic links (/lib64/ld64.so.2 -> /lib/powerpc64le-linux-gnu/
	# ld64.so.2) would lead qemu out of the tree: make them relative.
	find "$A/orig" -type l -lname '/*' -print0 |
		while IFS= read -r -d '' l; do
			ln -sfn "$(realpath -m --relative-to="$(dirname "$l")" "$A/orig$(readlink "$l")")" "$l"
		done
	for t in stamped bare bare-stamped; do cp -a "$A/orig" "$A/$t"; done
done
[ "$downloaded" -gt 0 ] || skip "no package could be downloaded (offline?): $(tail -n 2 "$W/$a/download.log" 2>/dev/null | tr '\n' ' ')"

# 2. list, stamp and check.
for a in "${ARCHES[@]}"; do
	A=$W/$a
	cd "$A/orig" || die "cd $A/orig"
	find . -type f -print0 | sweep_list_elf | LC_ALL=C sort >"$A/list.txt"
	cd "$W" || die "cd $W"
	for v in shdr bare; do
		t0=$(date +%s)
		tr '\n' '\0' <"$A/list.txt" | xargs -0 -r -n 8 -P "$JOBS" bash "$here/test-foreign-sweep.sh" --worker "$W" "$a" "$v"
		echo $(($(date +%s) - t0)) >"$A/stamp-seconds-$v"
		cat "$A"/res-$v/* 2>/dev/null >"$A/results-$v.txt"
	done
done

# 3. --version under qemu, original tree against stamped tree.
deny='^(login|su|sudo|passwd|newgrp|chfn|chsh|kill|killall|shutdown|reboot|halt|poweroff|init|sync|mount|umount|rm|rmdir|shred|dd|truncate|nohup|chroot|stdbuf|timeout|nice|runcon|chcon|env|yes|tee|cat|sleep|tail|more|less|watch|top)$'
for a in "${ARCHES[@]}"; do
	A=$W/$a
	: >"$A/version.txt"
	q=$(qemu_of "$a")
	if ! command -v "$q" >/dev/null; then
		echo "skipped: $q is not installed" >"$A/version-skip.txt"
		continue
	fi
	grep -P '^ok\t' "$A/results-shdr.txt" | cut -f2 | grep -E '^(usr/)?s?bin/' | LC_ALL=C sort >"$A/progs.txt"
	{
		for n in bash ls sha256sum busybox rg fzf; do grep -E "(^|/)$n\$" "$A/progs.txt" | head -n1; done
		# Then all the others, evenly spread: program i in the order
		# (i mod stride, i div stride), so the next ones are there when
		# one is not comparable.
		np=$(wc -l <"$A/progs.txt")
		stride=$((np / (RUNS > 0 ? RUNS : 1)))
		[ $stride -lt 1 ] && stride=1
		awk -v k=$stride '{ printf "%d %d %s\n", (NR - 1) % k, int((NR - 1) / k), $0 }' "$A/progs.txt" |
			sort -k1,1n -k2,2n | cut -d' ' -f3-
	} | awk 'NF && !seen[$0]++' >"$A/vorder.txt"
	same=0 diff=0
	while read -r rel && [ $((same + diff)) -lt "$RUNS" ]; do
		name=${rel##*/}
		[[ $name =~ $deny ]] && continue
		r1=$(cd "$A/run" && timeout -k 2 20 "$q" -L "$A/orig" "$A/orig/$rel" --version </dev/null 2>&1)
		c1=$?
		[ $c1 = 0 ] && [ -n "$r1" ] || continue
		r2=$(cd "$A/run" && timeout -k 2 20 "$q" -L "$A/stamped" "$A/stamped/$rel" --version </dev/null 2>&1)
		c2=$?
		r3=$(cd "$A/run" && timeout -k 2 20 "$q" -L "$A/bare-stamped" "$A/bare-stamped/$rel" --version </dev/null 2>&1)
		c3=$?
		# The file name may appear in the output (argv[0]): compare with the
		# tree's path taken out.
		r1=${r1//$A\/orig/TREE} r2=${r2//$A\/stamped/TREE} r3=${r3//$A\/bare-stamped/TREE}
		if [ $c1 = $c2 ] && [ "$r1" = "$r2" ] && [ $c1 = $c3 ] && [ "$r1" = "$r3" ]; then
			same=$((same + 1))
			printf 'same\t%s\t%s\n' "$rel" "$(head -n1 <<<"$r1" | cut -c1-60)" >>"$A/version.txt"
		else
			diff=$((diff + 1))
			printf 'diff\t%s\texit %s; stamped: exit %s, %s; stamped without section headers: exit %s, %s\n' \
				"$rel" "$c1" "$c2" "$([ "$r1" = "$r2" ] && echo "same output" || echo "output: $(head -n1 <<<"$r2" | cut -c1-100)")" \
				"$c3" "$([ "$r1" = "$r3" ] && echo "same output" || echo "output: $(head -n1 <<<"$r3" | cut -c1-100)")" >>"$A/version.txt"
		fi
	done <"$A/vorder.txt"
done
end=$(date +%s)

# 4. report.
status=0
# counts VIEW: "files ok refused failed" of ARCH ($A), a missing result
# counted as failed.
counts() {
	local R=$A/results-$1.txt n ok ref bad
	n=$(wc -l <"$A/list.txt")
	ok=$(grep -c '^ok' "$R")
	ref=$(grep -c '^refused' "$R")
	bad=$(($(grep -c '^failed' "$R") + n - $(wc -l <"$R")))
	echo "$n $ok $ref $bad"
}
echo
echo "| arch | packages | ELF files | stamped in page 1 | refused | failed | without section headers: stamped / refused / failed | --version same / compared |"
echo "|---|---|---|---|---|---|---|---|"
for a in "${ARCHES[@]}"; do
	A=$W/$a
	npk=$(ls "$A"/debs/*.deb 2>/dev/null | wc -l)
	read -r n ok ref bad < <(counts shdr)
	read -r _ bok bref bbad < <(counts bare)
	vs=$(grep -c '^same' "$A/version.txt")
	vd=$(grep -c '^diff' "$A/version.txt")
	vtxt="$vs / $((vs + vd))"
	[ -f "$A/version-skip.txt" ] && vtxt="($(cat "$A/version-skip.txt"))"
	echo "| $a | $npk | $n | $ok | $ref | $bad | $bok / $bref / $bbad | $vtxt |"
	if [ $bad -gt 0 ] || [ $bbad -gt 0 ] || [ $vd -gt 0 ] || { [ "$n" -eq 0 ] && [ "$npk" -gt 0 ]; }; then status=1; fi
done
echo
# reasons VIEW WHAT: pkgnote's message for the files of status WHAT (ok:
# its last line, refused: its first), file name and numbers elided, counted.
reasons() {
	local v=$1 what=$2
	grep -P "^$what\t" "$A/results-$v.txt" | cut -f2 | while read -r rel; do
		f=$A/err-$v/${rel//\//%}
		if [ "$what" = ok ]; then tail -n1 "$f"; else head -n1 "$f"; fi |
			awk -v f="$A/stamped/$rel" -v g="$A/bare-stamped/$rel" '{
				while ((i = index($0, g)) > 0) $0 = substr($0, 1, i - 1) "FILE" substr($0, i + length(g))
				while ((i = index($0, f)) > 0) $0 = substr($0, 1, i - 1) "FILE" substr($0, i + length(f))
				gsub(/0x[0-9a-f]+/, "N"); gsub(/[0-9]+/, "N"); print }'
	done | sort | uniq -c | sort -k1,1nr | sed 's/^/     /'
}
for a in "${ARCHES[@]}"; do
	A=$W/$a
	echo "## $a: $(wc -l <"$A/list.txt") files; stamping and checks $(cat "$A/stamp-seconds-shdr") s, without section headers $(cat "$A/stamp-seconds-bare") s"
	[ -s "$A/missing.txt" ] && echo "   packages not downloaded: $(tr '\n' ' ' <"$A/missing.txt")"
	for v in shdr bare; do
		R=$A/results-$v.txt
		[ $v = bare ] && echo "   -- the same files without section headers:"
		if grep -q '^ok' "$R"; then
			echo "   stamped (pkgnote's message):"
			reasons $v ok
		fi
		if grep -q '^refused' "$R"; then
			echo "   refused (pkgnote's message):"
			reasons $v refused
			echo "   refused files:"
			grep -P '^refused\t' "$R" | cut -f2,3 | sed 's/\t/  exit /; s/^/     /' | head -n 30
			[ "$(grep -c '^refused' "$R")" -gt 30 ] && echo "     ..."
		fi
		if grep -q '^failed' "$R"; then
			echo "   FAILED:"
			grep -P '^failed\t' "$R" | while IFS=$'\t' read -r _ rel d; do
				echo "     $rel: $d"
				sed 's/^/         /' "$A/log-$v/${rel//\//%}" 2>/dev/null | head -n 8
				sed 's/^/         pkgnote: /' "$A/err-$v/${rel//\//%}" | head -n 3
			done
		fi
		comm -23 "$A/list.txt" <(cut -f2 "$R" | LC_ALL=C sort) | head -n 10 | sed 's/^/     no result: /'
	done
	if [ -s "$A/version.txt" ]; then
		echo "   --version under $(qemu_of "$a"): original tree vs stamped tree vs stamped tree without section headers:"
		sed 's/^/     /' "$A/version.txt"
	fi
done
echo
echo "# time: $((end - start)) s"
if [ $status = 0 ]; then echo "1 passed, 0 failed"; else echo "0 passed, 1 failed"; fi
exit $status
