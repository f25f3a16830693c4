#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# demo.sh: install what pkgnote needs to build, build it, and show its job on
# a small program: stamp package metadata into the linked binary, read it
# back with pkgnote and with readelf, and run the program.
#
# Run from the top of a checkout, on Debian 12, as root:  ./demo.sh
# Set PKGNOTE_DEMO_SKIP_APT=1 to skip the package installation.

set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"

BUILD=build
PAGE=4096

# What building pkgnote needs on Debian 12.  tests/quickstart checks that it
# covers every dependency() of the meson files.
BUILD_DEPS=(
	build-essential meson ninja-build pkg-config
	libelf-dev libdw-dev libjson-c-dev zlib1g-dev check binutils
)

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
if [ ! -t 1 ]; then
	say() { printf '\n==> %s\n' "$*"; }
fi

SUDO=
if [ "$(id -u)" -ne 0 ]; then
	SUDO=sudo
fi

if [ "${PKGNOTE_DEMO_SKIP_APT:-0}" != 1 ]; then
	say "Installing build dependencies"
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -q
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		"${BUILD_DEPS[@]}"
fi

if [ -f "$BUILD/build.ninja" ]; then
	say "Reusing the build directory $BUILD/"
else
	say "Configuring $BUILD/ (tests left out: .ci/run builds and runs them)"
	meson setup "$BUILD" -Dtests=false
fi

say "Building"
ninja -C "$BUILD"
PKGNOTE=$BUILD/src/pkgnote

DEMO=$BUILD/demo
rm -rf "$DEMO"
mkdir -p "$DEMO"

say "Compiling a demo program"
if [ -f fixtures/hello.c ] && cc -O2 -g -o "$DEMO/hello" fixtures/hello.c 2>/dev/null; then
	echo "compiled fixtures/hello.c into $DEMO/hello"
else
	cat > "$DEMO/hello.c" <<'EOF'
#include <stdio.h>

int main(void)
{
	puts("hello from a stamped binary");
	return 0;
}
EOF
	cc -O2 -g -o "$DEMO/hello" "$DEMO/hello.c"
	echo "compiled $DEMO/hello.c into $DEMO/hello"
fi

# Metadata describing the "package" the program belongs to.
(
	. /etc/os-release
	arch=$(dpkg --print-architecture 2>/dev/null || uname -m)
	cat > "$DEMO/meta.json" <<EOF
{
  "type": "deb",
  "os": "${ID:-linux}",
  "osVersion": "${VERSION_ID:-unknown}",
  "name": "hello",
  "version": "1.0-1",
  "architecture": "$arch"
}
EOF
)
say "Metadata to stamp ($DEMO/meta.json)"
cat "$DEMO/meta.json"

say "Before: the program carries no package note"
set +e
"$PKGNOTE" show "$DEMO/hello"
echo "(pkgnote show exit status: $?)"
set -e

say "pkgnote stamp --json $DEMO/meta.json $DEMO/hello"
"$PKGNOTE" stamp --json "$DEMO/meta.json" "$DEMO/hello"

say "pkgnote show $DEMO/hello"
"$PKGNOTE" show "$DEMO/hello"

say "pkgnote show --json $DEMO/hello"
"$PKGNOTE" show --json "$DEMO/hello"

say "readelf -n $DEMO/hello (look for the FDO note)"
readelf -nW "$DEMO/hello"

say "Where it landed: the note must lie within the first $PAGE bytes"
readelf -lW "$DEMO/hello" | while read -r type off _vaddr _paddr filesz _rest; do
	[ "$type" = NOTE ] || continue
	end=$((off + filesz))
	if [ "$end" -le "$PAGE" ]; then where="inside page 1"; else where="outside page 1"; fi
	printf 'PT_NOTE at file offset %#x, %d bytes, ends at %#x: %s\n' \
		"$((off))" "$((filesz))" "$end" "$where"
done

say "Running the stamped program"
"$DEMO/hello"

# Optional: the reason the note is in page 1.  Crash the program, move the
# binary away, and read the metadata from the core alone.  Only when this
# machine writes plain core files and has systemd-analyze with inspect-elf.
pattern=$(cat /proc/sys/kernel/core_pattern 2>/dev/null || echo '|')
if [ -f fixtures/hello.c ] && [ "$pattern" = core ] &&
	systemd-analyze inspect-elf --help >/dev/null 2>&1 &&
	(ulimit -c unlimited) 2>/dev/null; then
	say "Crashing it, moving the binary away, reading the core"
	(
		set +e
		cd "$DEMO"
		rm -f core
		ulimit -c unlimited
		echo "(the segmentation fault below is on purpose)"
		./hello crash 2>/dev/null
		mv hello hello.moved-away
		if [ -f core ]; then
			systemd-analyze inspect-elf core
		else
			echo "(no core file was written; skipping this step)"
		fi
		mv hello.moved-away hello
	) || true
fi

say "Done. Try: $PKGNOTE --help, or man -l doc/pkgnote.1"
