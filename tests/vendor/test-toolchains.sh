#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# vendor-toolchains: programs and libraries of the toolchains
# vendors build with, as Debian has them: musl (dynamic and static), tcc,
# Free Pascal, gdc, ldc2, gfortran, OCaml (ocamlopt), Nim, Go (exe, pie,
# c-shared called from C), Rust (bin, cdylib called from C).  Libraries are
# judged by a C program linked against them and by dlopen().  Each must be
# stamped (EXPECT_STAMPED) and run as before; a missing toolchain is a skip.
set -u -o pipefail
. "$SOURCE_ROOT/tests/vendor/vendorlib.sh"
vl_begin

# Every case here is an ordinary program or library: pkgnote must stamp it.
EXPECT_STAMPED=(musl musl-static tcc fpc gdc ldc gfortran ocaml nim
                go-exe go-pie go-c-shared rust-bin rust-cdylib)

F=$VENDOR_FIXTURES
B=$WORK/build
mkdir -p "$B"
fx_helpers "$B/helpers" || fail "building dlopen-probe failed"

# Go offline: no modules, private GOPATH and build cache.
export GO111MODULE=off GOPROXY=off GOFLAGS="" GOPATH=$WORK/gopath GOCACHE=$WORK/gocache GOTOOLCHAIN=local
# Debian's rustc, not one a user may have first in PATH.
RUSTC=/usr/bin/rustc
[[ -x $RUSTC ]] || RUSTC=$(command -v rustc || true)

# run_lib FILE CALLER: CALLER linked against FILE, then dlopen(FILE).
run_lib() {
    LD_LIBRARY_PATH=. timeout 60 "$2"
    echo "[exit $?]"
    timeout 60 "$FX_HELPERS/dlopen-probe" "$1"
    echo "[dlopen exit $?]"
}

# tc NAME TOOL BUILD-COMMAND...: build in $B/NAME (the command runs there and
# must write ./hello), then classify it, run with two arguments.
tc() {
    local name=$1 tool=$2 out
    shift 2
    if ! command -v "$tool" >/dev/null; then
        vl_skip_case "$name" "$tool not installed"
        return
    fi
    mkdir -p "$B/$name"
    if ! out=$(cd "$B/$name" && "$@" 2>&1) || [[ ! -x $B/$name/hello ]]; then
        fail "$name: build failed: $* : $(tail -n 5 <<<"$out")"
        return
    fi
    vl_case "$name" "$B/$name/hello" run_exe one two
}

# tc_lib NAME TOOL LIBNAME BUILD-COMMAND...: build lib$LIBNAME.so in $B/NAME,
# link lib-caller.c against it, classify it with run_lib.
tc_lib() {
    local name=$1 tool=$2 lib=$3 out
    shift 3
    if ! command -v "$tool" >/dev/null; then
        vl_skip_case "$name" "$tool not installed"
        return
    fi
    mkdir -p "$B/$name"
    if ! out=$(cd "$B/$name" && "$@" 2>&1 &&
            gcc -O2 -o ../"$name"-caller "$F/lib-caller.c" -L. -l"$lib" 2>&1); then
        fail "$name: build failed: $* : $(tail -n 5 <<<"$out")"
        return
    fi
    vl_case "$name" "$B/$name/lib$lib.so" run_lib "$B/$name-caller"
}

tc musl musl-gcc musl-gcc -O2 -o hello "$FIXTURES/hello.c"
tc musl-static musl-gcc musl-gcc -O2 -static -o hello "$FIXTURES/hello.c"
tc tcc tcc tcc -o hello "$FIXTURES/hello.c"
tc fpc fpc sh -c "cp '$F/hello.pas' . && fpc -O2 -ohello hello.pas"
tc gdc gdc gdc -O2 -o hello "$F/hello.d"
tc ldc ldc2 ldc2 -O -of=hello "$F/hello.d"
tc gfortran gfortran gfortran -O2 -o hello "$F/hello.f90"
tc ocaml ocamlopt sh -c "cp '$F/hello.ml' . && ocamlopt -o hello hello.ml"
tc nim nim nim c --hints:off --verbosity:0 --nimcache:nimcache -o:hello "$F/hello.nim"
tc go-exe go env CGO_ENABLED=0 go build -buildmode=exe -o hello "$F/hello.go"
tc go-pie go go build -buildmode=pie -o hello "$F/hello.go"
tc_lib go-c-shared go golib go build -buildmode=c-shared -o libgolib.so "$F/golib/golib.go"
if [[ -n $RUSTC ]]; then
    tc rust-bin "$RUSTC" "$RUSTC" -O -o hello "$F/hello.rs"
    tc_lib rust-cdylib "$RUSTC" rslib "$RUSTC" -O --crate-type cdylib -o librslib.so "$F/rslib.rs"
else
    vl_skip_case rust-bin "rustc not installed"
    vl_skip_case rust-cdylib "rustc not installed"
fi

vl_finish
