#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test-example.sh: libpkgnote as a distribution installs it.  The build is
# installed into a scratch DESTDIR (meson install --destdir), and
# examples/stamp-and-read.c is compiled with nothing but the installed
# header and `pkg-config --cflags --libs pkgnote` from that tree:
#  - linked with the shared library, it stamps a program; readelf -n shows
#    exactly the metadata, the stamped program still runs, and the example
#    reads the same text back;
#  - linked with the installed static library (`pkg-config --static`) and
#    with an object of its own that defines pn_fail, a name internal to the
#    library, it links (no clash), needs no libpkgnote.so and stamps alike;
#  - a stamped program crashes, is moved away, and the example lists its
#    metadata from the core (skipped when cores are piped to a helper).
set -uo pipefail
: "${SOURCE_ROOT:?}" "${BUILD_ROOT:?}"
. "$SOURCE_ROOT/tests/lib/testlib.sh"
command -v pkg-config >/dev/null || { echo "SKIP: pkg-config is not installed"; exit 77; }
tl_setup
# A program built the way a user builds one has no sanitizer runtime to
# load first; the plain build runs this test.
if tl_sanitized; then
    echo "SKIP: a sanitizer build's library cannot be linked by a plain program"
    exit 77
fi
dest=$WORK/dest
WANT='{"type":"deb","name":"example","version":"1.0-1","architecture":"amd64"}'

if ! out=$(meson install -C "$BUILD_ROOT" --no-rebuild --destdir "$dest" 2>&1); then
    fail "meson install --destdir"; tail -20 <<<"$out"; tl_finish
fi
pc=$(find "$dest" -name pkgnote.pc | head -n 1)
[[ -n $pc ]] || { fail "the install has no pkgnote.pc"; tl_finish; }
export PKG_CONFIG_PATH=${pc%/*} PKG_CONFIG_SYSROOT_DIR=$dest
libdir=$(pkg-config --variable=libdir pkgnote)
[[ $libdir == "$dest"/* ]] || libdir=$dest$libdir	# pkgconf adds the sysroot, pkg-config not
ex=$SOURCE_ROOT/examples/stamp-and-read.c

# The header is found through pkg-config only: nothing of the source tree.
if expect_ok "built against the installed tree (shared)" \
    gcc -Wall -Wextra -Werror -o "$WORK/ex" "$ex" $(pkg-config --cflags --libs pkgnote); then
    gcc -o "$WORK/hello" "$FIXTURES/hello.c"
    out=$(LD_LIBRARY_PATH=$libdir "$WORK/ex" "$WORK/hello" "$WORK/hello.stamped" 2>&1)
    expect_eq "example (shared) exit status" "$?" 0
    expect_eq "example (shared) reads back the compact metadata" \
        "$(sed -n 's/^read: \(.*\) (in the first page)$/\1/p' <<<"$out")" "$WANT"
    expect_eq "readelf -n shows the example's metadata" "$(note_json "$WORK/hello.stamped")" "$WANT"
    expect_eq "the stamped program runs as before" "$("$WORK/hello.stamped")" "$("$WORK/hello")"
fi

# Static: the installed libpkgnote.a, the rest from the .pc's private lists.
echo 'int pn_fail(void); int pn_fail(void) { return 0; }' >"$WORK/mine.c"
if expect_ok "built against the installed static library, beside a pn_fail of its own" \
    gcc -Wall -o "$WORK/ex-static" "$ex" "$WORK/mine.c" $(pkg-config --cflags pkgnote) \
        $(pkg-config --libs-only-L pkgnote) -Wl,-Bstatic -lpkgnote -Wl,-Bdynamic \
        -Wl,--as-needed $(pkg-config --static --libs pkgnote); then
    expect_empty "the static example needs no libpkgnote.so" \
        "$(readelf -d "$WORK/ex-static" | grep 'NEEDED.*libpkgnote')"
    out=$("$WORK/ex-static" "$WORK/hello" "$WORK/hello.static" 2>&1)
    expect_eq "example (static) exit status" "$?" 0
    expect_eq "static and shared builds write the same bytes" \
        "$(cmp "$WORK/hello.stamped" "$WORK/hello.static" && echo same)" same
fi

# A core: a stamped program crashes and is moved away.
if why=$(tl_cores_unavailable); then
    skip "core: $why"
else
    mkdir -p "$WORK/crash"
    printf 'int main(void) { *(volatile int *)0 = 1; return 0; }\n' >"$WORK/crash.c"
    gcc -o "$WORK/crash.in" "$WORK/crash.c"
    LD_LIBRARY_PATH=$libdir "$WORK/ex" "$WORK/crash.in" "$WORK/crash/crasher" >/dev/null
    (cd "$WORK/crash" && ulimit -c unlimited && ./crasher) 2>/dev/null
    mv "$WORK/crash/crasher" "$WORK/crasher.away"
    core=$(tl_core_in "$WORK/crash")
    if [[ -z $core ]]; then
        skip "core: the crash left no core file"
    else
        out=$(LD_LIBRARY_PATH=$libdir "$WORK/ex" --core "$core" 2>&1)
        expect_eq "example reads a core: exit status" "$?" 0
        expect_eq "the crashed program's metadata, from the core" \
            "$(sed -n 's/^module: .*crasher \(.*\)$/\1/p' <<<"$out")" "$WANT"
    fi
fi
tl_finish
