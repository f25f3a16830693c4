#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/quickstart/test-build-deps.sh: every dependency() of the meson files
# is provided by a package that demo.sh installs.
#
# meson lists the dependencies (meson introspect --scan-dependencies, every
# subdirectory included); pkg-config names the .pc file of each, dpkg -S the
# package that owns it, and that package must be in demo.sh's BUILD_DEPS.
# This is what a fresh Debian 12 needs to configure a checkout; the
# fresh-root test runs demo.sh for real, this one also runs where no fresh
# root can be made.  Skips (77) without meson, pkg-config or dpkg.

set -u

: "${SOURCE_ROOT:?SOURCE_ROOT must point at the source tree}"
# shellcheck source=../lib/testlib.sh
. "$SOURCE_ROOT/tests/lib/testlib.sh"

for tool in meson pkg-config dpkg python3; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "skip: $tool is not installed"
        exit 77
    fi
done

# demo_packages: the words of demo.sh's BUILD_DEPS=( ... ) list.
demo_packages() {
    sed -n '/^BUILD_DEPS=(/,/)/p' "$SOURCE_ROOT/demo.sh" |
        sed 's/#.*//; s/BUILD_DEPS=(//; s/)//' | tr -s ' \t' '\n\n' | sed '/^$/d'
}

mapfile -t wanted < <(demo_packages)
if ((${#wanted[@]} == 0)); then
    fail "demo.sh has a BUILD_DEPS list"
    tl_finish
fi
echo "demo.sh installs: ${wanted[*]}"

deps=$(meson introspect --scan-dependencies "$SOURCE_ROOT/meson.build" |
    python3 -c 'import json, sys; print("\n".join(d["name"] for d in json.load(sys.stdin)))') || {
    fail "meson introspect --scan-dependencies lists the dependencies"
    tl_finish
}
expect_ok "meson.build has dependencies to check" test -n "$deps"

while IFS= read -r dep; do
    [[ -n $dep ]] || continue
    if ! pc=$(pkg-config --path "$dep" 2>&1); then
        fail "dependency('$dep'): pkg-config finds its .pc file on this machine"
        info "$pc"
        continue
    fi
    if ! owner=$(LC_ALL=C dpkg -S "$pc" 2>&1); then
        fail "dependency('$dep'): $pc belongs to a Debian package"
        info "$owner"
        continue
    fi
    # "libdw-dev:amd64: /usr/lib/.../libdw.pc" (one line per owner)
    pkgs=$(sed 's/: .*//; s/, /\n/g' <<<"$owner" | sed 's/:.*//' | sort -u)
    found=
    for p in $pkgs; do
        for w in "${wanted[@]}"; do
            [[ $p == "$w" ]] && found=$p
        done
    done
    if [[ -n $found ]]; then
        pass "dependency('$dep'): $pc is in $found, which demo.sh installs"
    else
        fail "dependency('$dep'): $pc is in $(tr '\n' ' ' <<<"$pkgs")which demo.sh does not install"
    fi
done <<<"$deps"

tl_finish
