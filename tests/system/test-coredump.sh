#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# System test: a note stamped by pkgnote reaches a core dump.
#
# A program (fixtures/crash-main.c) linked against a shared library
# (fixtures/libcrashhelper.c) faults inside the library, so both modules are
# mapped when the kernel writes the core. With the default coredump_filter the
# kernel keeps only the first page of each file-backed ELF mapping, and
# systemd-analyze inspect-elf reads the package notes out of those pages. The
# binaries are moved away before the core is read, so nothing can come from
# the files on disk.
#
# For each available linker (bfd, and gold, mold, lld-16 when present) the
# same two modules are built three ways:
#   linked    -Xlinker --package-metadata=JSON at link time: the ground truth.
#             If its metadata does not reach the core, this machine cannot run
#             the test (kernel, filter or systemd): skip, do not blame pkgnote.
#   plain     no note at all: the core must show no package metadata for
#             either module (otherwise this test could not fail).
#   stamped   the plain build, then `pkgnote stamp` with a DIFFERENT JSON for
#             the program and for the library: the core must show exactly the
#             keys and values of each JSON for each module.
# The bfd variant (gcc's default) must be stamped; for the other linkers a
# refusal for lack of room (exit 5) is reported and not counted as a failure.
#
# Exit: 0 all passed, 1 a check failed, 77 skipped (reason printed).
# Env: PKGNOTE (the command), SOURCE_ROOT, CC (default cc), KEEP_TMP=1.

set -u

SKIP=77
here=$(cd "$(dirname "$0")" && pwd)
SOURCE_ROOT=${SOURCE_ROOT:-$(cd "$here/../.." && pwd)}
CC=${CC:-cc}

# shellcheck source=../lib/testlib.sh
. "$SOURCE_ROOT/tests/lib/testlib.sh"
# This test keeps its own TAP-like counters (ok, notok below); testlib's
# skip does not exit, this one does.
skip() { echo "SKIP: $*"; exit $SKIP; }
die() { echo "ERROR: $*"; exit 1; }

tl_find_pkgnote || die "pkgnote not found (set PKGNOTE)"

# --- can this machine write and read cores at all? -------------------------
tl_need_core_files inspect-elf
pattern=$(cat /proc/sys/kernel/core_pattern)
command -v "$CC" >/dev/null || skip "no C compiler ($CC)"

work=$(mktemp -d "${TMPDIR:-/tmp}/pkgnote-coredump.XXXXXX") || die "mktemp failed"
cleanup() { if [ -n "${KEEP_TMP:-}" ]; then echo "# kept $work"; else rm -rf "$work"; fi; }
trap cleanup EXIT

pass=0 fail=0 skipped=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
notok() { fail=$((fail + 1)); echo "not ok - $*"; }
skipped() { skipped=$((skipped + 1)); echo "ok - # SKIP $*"; }
show_file() { sed 's/^/#   /' "$1"; }

# Different JSON for the two modules: different keys, different values, a '/'
# in values (must not come out escaped), an unknown key.
json_main='{"type":"deb","os":"debian","osVersion":"12","name":"crash-main","version":"1.0.0-1","architecture":"amd64","osCpe":"cpe:/o:debian:debian_linux:12","debugInfoUrl":"https://debuginfod.debian.net"}'
json_lib='{"type":"rpm","os":"fedora","name":"libcrashhelper","version":"7.8.9-3.fc40","architecture":"x86_64","extraKey":"library/value"}'
# Link-time ground truth uses other values again, so a stale module cannot pass.
json_main_ld='{"name":"crash-main-linked","version":"0.1"}'
json_lib_ld='{"name":"libcrashhelper-linked","version":"0.2"}'

# json_pairs JSON: the flat object's string members as "key<TAB>value" lines,
# in order. The fixtures' JSON above is written so this small reader is enough:
# string values only, no escapes, no commas or colons inside keys.
json_pairs() {
	local body=${1#\{}
	body=${body%\}}
	printf '%s\n' "$body" |
		sed -e 's/","/"\n"/g' |
		sed -n 's/^"\([^"]*\)":"\(.*\)"$/\1\t\2/p'
}

# inspect_pairs CORE OUTFILE: run systemd-analyze inspect-elf on the core and
# turn its text report into "module<TAB>key<TAB>value" lines. The report is one
# block per module: "module name: PATH" then right-aligned "key: value" lines
# up to a blank line; systemd prints the string members of the note's JSON and
# a buildId of its own.
inspect_pairs() {
	local core=$1 out=$2
	systemd-analyze inspect-elf "$core" >"$out.raw" 2>"$out.err" || return 1
	awk '
		{ sub(/^[ \t]+/, "") }
		/^$/ { mod = ""; next }
		{
			i = index($0, ": ")
			if (i == 0) next
			k = substr($0, 1, i - 1); v = substr($0, i + 2)
			if (k == "module name") { mod = v; next }
			if (mod != "") print mod "\t" k "\t" v
		}' "$out.raw" >"$out"
}

# module_pairs PAIRS BASENAME: the key/value lines of the module whose path
# ends in /BASENAME (buildId left out: systemd adds it, it is not ours).
module_pairs() {
	awk -F'\t' -v b="/$2" '
		{ n = length($1) - length(b) + 1 }
		n > 0 && substr($1, n) == b && $2 != "buildId" { print $2 "\t" $3 }' "$1"
}

# json_module CORE BASENAME: with jq, the module's object from the JSON report
# (buildId deleted), sorted, compact. Empty when jq is missing.
json_module() {
	command -v jq >/dev/null || return 0
	systemd-analyze inspect-elf --json=short "$1" 2>/dev/null |
		jq -cS --arg b "/$2" 'to_entries | map(select(.key | endswith($b)))
			| if length == 0 then {} else (.[0].value | del(.buildId)) end'
}

# build DIR CCCMD LDFLAG MAINJSON LIBJSON: the library and the program in DIR.
# Empty JSON: no --package-metadata. Returns 1 if the toolchain cannot do it.
build() {
	local dir=$1 cc=$2 ld=$3 jm=$4 jl=$5
	local mlib=() mmain=()
	[ -n "$jl" ] && mlib=(-Xlinker "--package-metadata=$jl")
	[ -n "$jm" ] && mmain=(-Xlinker "--package-metadata=$jm")
	mkdir -p "$dir"
	$cc $ld -O1 -g -shared -fPIC -o "$dir/libcrashhelper.so" \
		"$SOURCE_ROOT/fixtures/libcrashhelper.c" "${mlib[@]}" >"$dir/build.log" 2>&1 &&
		$cc $ld -O1 -g -o "$dir/crash-main" "$SOURCE_ROOT/fixtures/crash-main.c" \
			-L"$dir" -lcrashhelper -Wl,-rpath,'$ORIGIN' "${mmain[@]}" >>"$dir/build.log" 2>&1
}

# crash DIR: run DIR/crash-main normally (must print and exit 0), then with
# "crash" in DIR/run with an unlimited core size; move the binaries to
# DIR/moved; print the core's path. Returns 2 when no core was written.
crash() {
	local dir=$1 out rc core
	out=$("$dir/crash-main" 2>&1)
	rc=$?
	if [ $rc -ne 0 ] || [ "$out" != "crash-main: 42" ]; then
		echo "# $dir/crash-main without arguments: exit $rc, output: $out" >&2
		return 1
	fi
	mkdir -p "$dir/run" "$dir/moved"
	(
		cd "$dir/run" || exit 1
		ulimit -c unlimited
		# The kernel's default filter (bit 4: ELF headers) decides what the
		# test is about; set it explicitly in case the runner changed it.
		echo 0x33 >/proc/self/coredump_filter 2>/dev/null
		exec "$dir/crash-main" crash
	) >"$dir/crash.log" 2>&1
	rc=$?
	mv "$dir/crash-main" "$dir/libcrashhelper.so" "$dir/moved/" || return 1
	if [ -e "$dir/crash-main" ] || [ -e "$dir/libcrashhelper.so" ]; then
		echo "# binaries still in $dir after the move" >&2
		return 1
	fi
	if [ $rc -ne 139 ]; then
		echo "# crash-main crash: exit $rc, expected 139 (SIGSEGV, core dumped)" >&2
		return 1
	fi
	core=$(find "$dir/run" -maxdepth 1 -type f -name '*core*' | head -n1)
	[ -z "$core" ] && core=$(find "$dir/run" -maxdepth 1 -type f | head -n1)
	[ -n "$core" ] || return 2
	printf '%s\n' "$core"
}

# expect_module PAIRS CORE BASENAME JSON LABEL: the module's metadata in the
# core equals JSON: same keys, same values, nothing else.
expect_module() {
	local pairs=$1 core=$2 base=$3 json=$4 label=$5 want got wj gj
	want=$(json_pairs "$json" | LC_ALL=C sort)
	got=$(module_pairs "$pairs" "$base" | LC_ALL=C sort)
	if [ "$want" != "$got" ]; then
		notok "$label: $base metadata in the core differs from its JSON"
		echo "#   expected:"; printf '%s\n' "$want" | sed 's/^/#     /'
		echo "#   systemd-analyze inspect-elf shows:"
		printf '%s\n' "${got:-(no package metadata)}" | sed 's/^/#     /'
		return
	fi
	if command -v jq >/dev/null; then
		wj=$(printf '%s' "$json" | jq -cS .)
		gj=$(json_module "$core" "$base")
		if [ "$wj" != "$gj" ]; then
			notok "$label: $base object in inspect-elf --json differs: want $wj got $gj"
			return
		fi
	fi
	ok "$label: core shows $base metadata ($(printf '%s\n' "$want" | wc -l) keys)"
}

# variant NAME CC LDFLAG REQUIRED
variant() {
	local name=$1 cc=$2 ld=$3 required=$4 v=$work/$1 core pairs rc out
	echo "# --- linker: $name ($cc $ld)"

	# 1. linked: ground truth from the linker itself.
	if ! build "$v/linked" "$cc" "$ld" "$json_main_ld" "$json_lib_ld"; then
		if build "$v/probe" "$cc" "$ld" "" ""; then
			skipped "$name: linker has no --package-metadata; no ground truth for this variant"
		else
			[ "$required" = yes ] && { show_file "$v/probe/build.log"; die "cannot build the fixtures with $cc $ld"; }
			skipped "$name: cannot link the fixtures with $cc $ld"
			return
		fi
	else
		core=$(crash "$v/linked")
		rc=$?
		[ $rc -eq 2 ] && skip "no core file was written (core_pattern '$pattern', $(cat /proc/sys/kernel/core_uses_pid 2>/dev/null | sed 's/^/core_uses_pid /'))"
		[ $rc -ne 0 ] && die "$name: the link-time stamped fixture does not run as expected"
		inspect_pairs "$core" "$v/linked/pairs" || { show_file "$v/linked/pairs.err"; die "systemd-analyze inspect-elf failed on $core"; }
		if [ -z "$(module_pairs "$v/linked/pairs" crash-main)" ]; then
			show_file "$v/linked/pairs.raw"
			skip "$name: even a link-time --package-metadata note does not reach the core here (coredump_filter/kernel/systemd): cannot test"
		fi
		expect_module "$v/linked/pairs" "$core" crash-main "$json_main_ld" "$name linked (ground truth)"
		expect_module "$v/linked/pairs" "$core" libcrashhelper.so "$json_lib_ld" "$name linked (ground truth)"
	fi

	# 2. plain: no note, no metadata in the core.
	build "$v/plain" "$cc" "$ld" "" "" || die "$name: cannot build the plain fixtures"
	cp -a "$v/plain" "$v/stamped.src" || die "cp failed"
	core=$(crash "$v/plain")
	rc=$?
	[ $rc -eq 2 ] && skip "no core file was written for the plain build"
	[ $rc -ne 0 ] && die "$name: the plain fixture does not run as expected"
	inspect_pairs "$core" "$v/plain/pairs" || die "systemd-analyze inspect-elf failed on $core"
	for m in crash-main libcrashhelper.so; do
		out=$(module_pairs "$v/plain/pairs" "$m")
		if [ -n "$out" ]; then
			notok "$name plain (control): $m shows metadata it was never given:"
			printf '%s\n' "$out" | sed 's/^/#     /'
		else
			ok "$name plain (control): no package metadata for $m"
		fi
	done

	# 3. stamped: pkgnote on copies of the plain build.
	rm -rf "$v/stamped.src/run" "$v/stamped.src/moved" "$v/stamped.src/pairs"*
	mkdir -p "$v/stamped"
	cp "$v/stamped.src/crash-main" "$v/stamped.src/libcrashhelper.so" "$v/stamped/"
	rm -rf "$v/stamped.src"
	printf '%s' "$json_main" >"$v/main.json"
	printf '%s' "$json_lib" >"$v/lib.json"
	local refused=0
	for pair in "crash-main:main.json" "libcrashhelper.so:lib.json"; do
		local f=${pair%%:*} j=${pair#*:}
		"$PKGNOTE" stamp --json "$v/$j" "$v/stamped/$f" >"$v/stamp-$f.log" 2>&1
		rc=$?
		if [ $rc -eq 5 ] && [ "$required" != yes ]; then
			skipped "$name: pkgnote refused $f for lack of room in page 1 (exit 5): $(head -n1 "$v/stamp-$f.log")"
			refused=1
		elif [ $rc -ne 0 ]; then
			notok "$name: pkgnote stamp --json $j $f exited $rc"
			show_file "$v/stamp-$f.log"
			refused=1
		else
			ok "$name: pkgnote stamped $f"
		fi
	done
	[ $refused -eq 1 ] && return
	core=$(crash "$v/stamped")
	rc=$?
	if [ $rc -ne 0 ]; then
		notok "$name stamped: the stamped program does not run or crash as expected"
		show_file "$v/stamped/crash.log"
		return
	fi
	ok "$name stamped: runs, crashes in the library, core written, binaries moved away"
	inspect_pairs "$core" "$v/stamped/pairs" || { notok "systemd-analyze inspect-elf failed on $core"; show_file "$v/stamped/pairs.err"; return; }
	expect_module "$v/stamped/pairs" "$core" crash-main "$json_main" "$name stamped"
	expect_module "$v/stamped/pairs" "$core" libcrashhelper.so "$json_lib" "$name stamped"
	if [ $fail -gt 0 ]; then
		echo "#   full report of systemd-analyze inspect-elf $core:"
		show_file "$v/stamped/pairs.raw"
		if [ -f "$SOURCE_ROOT/tests/lib/checks.sh" ]; then
			(
				# shellcheck source=/dev/null
				. "$SOURCE_ROOT/tests/lib/checks.sh"
				for f in crash-main libcrashhelper.so; do
					check_page1 "$v/stamped/moved/$f" 2>&1 | sed "s|^|#   check_page1 $f: |"
				done
			)
		fi
	fi
}

echo "# pkgnote: $PKGNOTE"
echo "# core_pattern: $pattern; coredump_filter of this shell: $(cat /proc/self/coredump_filter 2>/dev/null)"

variant bfd "$CC" "-fuse-ld=bfd" yes
for l in gold mold; do
	if command -v "ld.$l" >/dev/null; then
		variant "$l" "$CC" "-fuse-ld=$l" no
	else
		skipped "$l: ld.$l not installed"
	fi
done
if command -v clang >/dev/null && [ -x /usr/bin/ld.lld-16 ]; then
	variant lld16 clang "-fuse-ld=/usr/bin/ld.lld-16" no
else
	skipped "lld16: clang or /usr/bin/ld.lld-16 not installed"
fi

echo "$pass passed, $fail failed, $skipped skipped"
[ $fail -eq 0 ]
