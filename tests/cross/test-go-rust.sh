#!/bin/bash
# test-go-rust.sh [CASE...]
# Binaries of other toolchains, built at test time, offline:
#   go-static     Debian's golang-go, CGO_ENABLED=0 (static ET_EXEC, Go's own
#                 linker: section headers right after the program headers)
#   go-cgo        the same with a C function through cgo (dynamic, gcc links)
#   go-ARCH       CGO_ENABLED=0 GOARCH=ARCH (arm64, s390x, arm, 386): Go's own
#                 layout for other machines, run under qemu-user (386 natively on x86-64)
#   rust          Debian's rustc (/usr/bin/rustc): dynamic PIE
#   rust-static   rustc -C target-feature=+crt-static (static-pie)
#   rust-lld      rustc linking through clang with lld-16
#   clang-lld-pie, clang-lld-static  clang with lld-16
# Each: pkgnote stamps a copy; check_page1 (4096); readelf -n and the PT_NOTE
# walk show exactly the compact JSON, one note, n_descsz strlen+1; no new
# eu-elflint --gnu-ld complaints; the program prints what the unstamped one
# prints (natively or under qemu); stamping again changes no byte.
# The cases run in the order of a seed within a time budget
# (tests/lib/budget.sh): half a long suite's, or 450 s by hand.
# A case whose toolchain is missing is skipped; all missing: exit 77.
set -uo pipefail
: "${SOURCE_ROOT:?}"
. "$SOURCE_ROOT/tests/lib/testlib.sh"
. "$SOURCE_ROOT/tests/cross/crosslib.sh"
. "$SOURCE_ROOT/tests/lib/budget.sh"

tl_need_pkgnote
bu_begin go-rust 450 50
cases=("$@")
((${#cases[@]})) || cases=(go-static go-cgo go-arm64 go-s390x go-arm go-386 rust rust-static rust-lld clang-lld-pie clang-lld-static)
tl_setup
tl_write_json
J=$WORK/json
want=$JSON_MAIN

GO=$(command -v go || true)
RUSTC=""
if [[ -x /usr/bin/rustc ]]; then RUSTC=/usr/bin/rustc
elif command -v rustc >/dev/null; then RUSTC=$(command -v rustc); fi
echo "pkgnote: $PKGNOTE"
echo "go: $([[ -n $GO ]] && "$GO" version || echo not installed)"
echo "rustc: $([[ -n $RUSTC ]] && echo "$RUSTC, $("$RUSTC" --version)" || echo not installed)"

# Go, offline: no modules, a private GOPATH and build cache.
export GO111MODULE=off GOPROXY=off GOFLAGS="" GOPATH=$WORK/gopath GOCACHE=$WORK/gocache GOTOOLCHAIN=local
mkdir -p "$WORK/src/go" "$WORK/src/cgo" "$WORK/src/rs"
cat >"$WORK/src/go/main.go" <<'EOF'
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Println("hello from the pkgnote Go fixture,", len(os.Args), "argument(s)")
}
EOF
cat >"$WORK/src/cgo/main.go" <<'EOF'
package main

/*
#include <stdio.h>
static void hello_c(void) { puts("hello from C through cgo"); fflush(stdout); }
*/
import "C"
import "fmt"

func main() {
	C.hello_c()
	fmt.Println("hello from the pkgnote cgo fixture")
}
EOF
cat >"$WORK/src/rs/hello.rs" <<'EOF'
use std::collections::HashMap;

fn main() {
    let mut m = HashMap::new();
    m.insert("fixture", "pkgnote");
    println!("hello from the {} Rust fixture ({} entry)", m["fixture"], m.len());
}
EOF

# build CASE OUT: build the fixture; set RUN (the command prefix that runs it:
# empty or qemu) and ERR; return 77 when the toolchain is missing.
build() {
    local c=$1 out=$2
    RUN=() ERR=""
    case $c in
        go-static|go-cgo|go-*)
            [[ -n $GO ]] || { ERR="go is not installed (apt-get install golang-go)"; return 77; } ;;
        rust*)
            [[ -n $RUSTC ]] || { ERR="rustc is not installed (apt-get install rustc)"; return 77; } ;;
    esac
    case $c in
        go-static)
            ERR=$(cd "$WORK/src/go" && CGO_ENABLED=0 "$GO" build -o "$out" main.go 2>&1) ;;
        go-cgo)
            command -v gcc >/dev/null || { ERR="gcc is not installed"; return 77; }
            ERR=$(cd "$WORK/src/cgo" && CGO_ENABLED=1 "$GO" build -o "$out" . 2>&1) ;;
        go-*)
            local goarch=${c#go-} a
            case $goarch in arm64) a=aarch64 ;; s390x) a=s390x ;; arm) a=armhf ;; 386) a=i386 ;; *) ERR="no such case"; return 1 ;; esac
            cx_arch "$a"
            if [[ $goarch == 386 && $(uname -m) == x86_64 ]]; then
                # The kernel runs i386 itself: Go's 386 runtime under
                # qemu-i386 dies at random ("bad g in signal handler",
                # stamped or not: 99 of 100 runs here).
                RUN=()
            elif cx_have_qemu >/dev/null; then
                RUN=("$CX_QEMU")
            else
                RUN=(none "$(cx_have_qemu)")
            fi
            ERR=$(cd "$WORK/src/go" && CGO_ENABLED=0 GOARCH=$goarch GOARM=7 "$GO" build -o "$out" main.go 2>&1) ;;
        rust)
            ERR=$("$RUSTC" -O -o "$out" "$WORK/src/rs/hello.rs" 2>&1) ;;
        rust-static)
            ERR=$("$RUSTC" -O -C target-feature=+crt-static -o "$out" "$WORK/src/rs/hello.rs" 2>&1) ;;
        rust-lld)
            command -v clang >/dev/null && [[ -x /usr/bin/ld.lld-16 ]] || { ERR="clang or /usr/bin/ld.lld-16 is not installed"; return 77; }
            ERR=$("$RUSTC" -O -C linker=clang -C link-arg=-fuse-ld=/usr/bin/ld.lld-16 -o "$out" "$WORK/src/rs/hello.rs" 2>&1) ;;
        clang-lld-pie|clang-lld-static)
            command -v clang >/dev/null && [[ -x /usr/bin/ld.lld-16 ]] || { ERR="clang or /usr/bin/ld.lld-16 is not installed"; return 77; }
            local f=(-fPIE -pie)
            [[ $c == clang-lld-static ]] && f=(-static)
            ERR=$(clang -fuse-ld=/usr/bin/ld.lld-16 -O2 -g "${f[@]}" -o "$out" "$FIXTURES/hello.c" 2>&1) ;;
        *) ERR="unknown case $c"; return 1 ;;
    esac
}

# run FILE: its output and exit status (natively or through RUN).
run() {
    local rc
    if [[ ${RUN[0]:-} == none ]]; then return 0; fi
    if ((${#RUN[@]})); then
        timeout -k 5 60 "${RUN[@]}" "$1" </dev/null 2>&1
    else
        timeout -k 5 60 "$1" </dev/null 2>&1
    fi
    rc=$?
    echo "[exit $rc]"
}

bu_loop cases 100 "${#cases[@]}"
while read -r c <&3; do
    bu_more || break
    bu_done
    echo
    echo "== $c"
    dir=$WORK/$c
    mkdir -p "$dir/orig" "$dir/s1" "$dir/s2"
    orig=$dir/orig/hello
    build "$c" "$orig"
    case $? in
        0) ;;
        77) skip "$c: $ERR"; continue ;;
        *) fail "$c: build failed: $ERR"; continue ;;
    esac
    info "$(file -b "$orig" | cut -d, -f1-2,4 | cut -c1-110); $(stat -c %s "$orig") bytes; e_shoff $(LC_ALL=C readelf -hW "$orig" | awk -F: '/Start of section headers/ { print $2 + 0 }')"
    want_run=""
    if [[ ${RUN[0]:-} == none ]]; then
        skip "$c: run checks: ${RUN[1]}"
    else
        want_run=$(run "$orig")
        if [[ $want_run != *"[exit 0]" ]]; then
            skip "$c: the UNSTAMPED program does not run here${RUN:+ under ${RUN[*]}}; run checks left out"
            head -n 3 <<<"$want_run" | sed 's/^/      | /'
            want_run=""
        fi
    fi
    s1=$dir/s1/hello
    cx_stamp_checked "$c" "$orig" "$s1" "$J/main.json" "$want" || continue
    expect_empty "$c: no new eu-elflint --gnu-ld complaints" "$(elflint_new_complaints "$orig" "$s1")"
    [[ -n $want_run ]] && expect_eq "$c: prints what the unstamped one prints" "$(run "$s1")" "$want_run"
    cp -p "$s1" "$dir/s2/hello"
    if out=$("$PKGNOTE" stamp --json "$J/main.json" "$dir/s2/hello" 2>&1); then
        expect_ok "$c: stamping again with the same JSON changes no byte" cmp "$s1" "$dir/s2/hello"
    else
        fail "$c: re-stamping failed: $out"
    fi
done 3< <(printf '%s\n' "${cases[@]}" | bu_shuffle)
bu_end
bu_report

tl_finish
