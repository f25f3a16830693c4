#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# stamp -r --from-packages names programs by what they record of their own
# build, with no record beside them (fixtures/buildinfo/):
#   Go    the go command's build info: a module installed at a version
#         (go install MOD@v1.2.3 from a file:// module proxy made here), a
#         local build in a git repository (-buildvcs: vcs.revision, and
#         -dirty with a change), the same program stripped and without
#         section headers, built for s390x and arm (not run), and a cgo
#         PIE without section headers (its build info lies far into the
#         writable segment);
#   Rust  cargo-auditable's .dep-v0: the object it adds to a link (section
#         not loaded, symbol kept with -u) and a #[link_section] static.
# Records not to trust each give one warning line and no note, the file
# untouched: a local Go build without version control ("(devel)"), a Go
# build info whose module info claims more bytes than there are, a cut
# .dep-v0, a .dep-v0 without a root crate.
# Oracles: readelf -n (and the PT_NOTE walk for files without sections)
# against the version installed, git rev-parse HEAD and the generated
# record, which `go version -m` confirms for the Go programs; the programs'
# own output; byte comparison; check --from-packages; a second run changes
# no byte.
#
# Exit: 0 all passed, 1 a check failed, 77 skipped (reason printed).
set -uo pipefail
: "${SOURCE_ROOT:?}"
. "$SOURCE_ROOT/tests/lib/testlib.sh"

tl_need_pkgnote
command -v readelf >/dev/null || { echo "SKIP: readelf is not installed"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 is not installed"; exit 77; }
FX=$SOURCE_ROOT/fixtures/buildinfo
GO=$(command -v go || true)
RUSTC=""
if [[ -x /usr/bin/rustc ]]; then RUSTC=/usr/bin/rustc
elif command -v rustc >/dev/null; then RUSTC=$(command -v rustc); fi
OBJCOPY=$(command -v llvm-objcopy-16 || command -v llvm-objcopy || true)
[[ -n $GO || -n $RUSTC ]] || { echo "SKIP: neither go (golang-go) nor rustc is installed"; exit 77; }
echo "go: $([[ -n $GO ]] && "$GO" version || echo not installed)"
echo "rustc: $([[ -n $RUSTC ]] && echo "$RUSTC, $("$RUSTC" --version)" || echo not installed)"
tl_setup
ROOT=$WORK/root
BIN=$ROOT/usr/local/bin
mkdir -p "$BIN" "$WORK/src"

declare -A want=()       # in-root path -> the JSON its note must be
declare -A warned=()     # in-root path -> a phrase its one warning line holds
declare -A runs=()       # in-root path -> what it prints before stamping
declare -A foreign=()    # in-root path -> 1: built for another machine, not run
MOD=example.com/pkgnote/hello

golang() { printf '{"type":"golang","name":"%s","version":"%s"}' "$1" "$2"; }
cargo() { printf '{"type":"cargo","name":"%s","version":"%s"}' "$1" "$2"; }

# -- Go -----------------------------------------------------------------------
# Offline: no network proxy, no checksum database, a private module cache.
export GOPATH=$WORK/gopath GOCACHE=$WORK/gocache GOFLAGS=-modcacherw GOPROXY=off \
    GOSUMDB=off GOTOOLCHAIN=local GO111MODULE=on GIT_CONFIG_GLOBAL=/dev/null

# go_proxy DIR VERSION: the fixture module as a file:// module proxy serves it.
go_proxy() {
    python3 - "$FX/go" "$1" "$MOD" "$2" <<'EOF'
import os, sys, zipfile
src, proxy, mod, ver = sys.argv[1:]
d = os.path.join(proxy, mod, "@v")
os.makedirs(d, exist_ok=True)
with open(os.path.join(d, "list"), "w") as f:
    f.write(ver + "\n")
with open(os.path.join(d, ver + ".info"), "w") as f:
    f.write('{"Version":"%s","Time":"2026-01-02T03:04:05Z"}\n' % ver)
with open(os.path.join(src, "go.mod")) as f, open(os.path.join(d, ver + ".mod"), "w") as g:
    g.write(f.read())
with zipfile.ZipFile(os.path.join(d, ver + ".zip"), "w") as z:
    for top, _, files in os.walk(src):
        for name in sorted(files):
            path = os.path.join(top, name)
            z.write(path, "%s@%s/%s" % (mod, ver, os.path.relpath(path, src)))
EOF
}

go_cases() {
    local g=$WORK/src/go out
    cp -r "$FX/go" "$g"
    # A module at a release version, as `go install MOD@VERSION` builds it.
    go_proxy "$WORK/proxy" v1.2.3
    if out=$(cd "$WORK" && GOPROXY=file://$WORK/proxy GOBIN=$BIN CGO_ENABLED=0 \
            "$GO" install "$MOD@v1.2.3" 2>&1); then
        mv "$BIN/hello" "$BIN/go-release"
        want[/usr/local/bin/go-release]=$(golang "$MOD" v1.2.3)
    else
        fail "go install $MOD@v1.2.3 from a file:// proxy"; info "$out"
    fi
    # Built outside version control: "(devel)", nothing to name it by.
    if out=$(cd "$g" && CGO_ENABLED=0 "$GO" build -buildvcs=false -o "$BIN/go-devel" . 2>&1); then
        warned[/usr/local/bin/go-devel]="has version (devel) and no vcs.revision"
    else
        fail "go build -buildvcs=false"; info "$out"
    fi
    if ! command -v git >/dev/null; then
        skip "Go builds in a git repository: git is not installed"
        return
    fi
    git -C "$g" init -q && git -C "$g" add . &&
        git -C "$g" -c user.name=t -c user.email=t@example.com commit -qm fixture || {
        fail "a git repository of the Go fixture"; return; }
    local rev
    rev=$(git -C "$g" rev-parse HEAD)
    if out=$(cd "$g" && CGO_ENABLED=0 "$GO" build -buildvcs=true -o "$BIN/go-rev" . 2>&1); then
        want[/usr/local/bin/go-rev]=$(golang "$MOD" "$rev")
        cp "$BIN/go-rev" "$BIN/go-rev-stripped"
        strip "$BIN/go-rev-stripped"
        want[/usr/local/bin/go-rev-stripped]=${want[/usr/local/bin/go-rev]}
        if [[ -n $OBJCOPY ]] && "$OBJCOPY" --strip-sections "$BIN/go-rev" "$BIN/go-rev-noshdr"; then
            want[/usr/local/bin/go-rev-noshdr]=${want[/usr/local/bin/go-rev]}
        else
            skip "Go without section headers: llvm-objcopy (llvm-16) is not installed"
        fi
        # A module info that claims more bytes than the build info holds.
        cp "$BIN/go-rev" "$BIN/go-cut"
        python3 - "$BIN/go-cut" <<'EOF' || fail "corrupting go-cut's build info"
import subprocess, sys
path = sys.argv[1]
out = subprocess.run(["readelf", "-SW", path], capture_output=True, text=True).stdout
line = next(l for l in out.splitlines() if ".go.buildinfo" in l)
off = int(line.split("]")[1].split()[3], 16)
with open(path, "r+b") as f:
    f.seek(off + 32)
    vlen = f.read(1)[0]          # the toolchain version: one length byte
    f.seek(off + 32 + 1 + vlen)
    f.write(b"\xff\x7f")         # the module info's length: 16383 bytes
EOF
        warned[/usr/local/bin/go-cut]="module info is truncated"
    else
        fail "go build -buildvcs=true in a git repository"; info "$out"
    fi
    echo "// a change not committed" >>"$g/main.go"
    if out=$(cd "$g" && CGO_ENABLED=0 "$GO" build -buildvcs=true -o "$BIN/go-dirty" . 2>&1); then
        want[/usr/local/bin/go-dirty]=$(golang "$MOD" "$rev-dirty")
    else
        fail "go build -buildvcs=true with a change"; info "$out"
    fi
    git -C "$g" checkout -q main.go
    # Other machines: s390x (64-bit big-endian) and arm (32-bit); their
    # notes are read, they are not run here.  (Without section headers Go's
    # own layout for them leaves no room for a note: that is the stamp's
    # refusal, not the reading's.)
    local arch
    for arch in s390x arm; do
        if out=$(cd "$g" && CGO_ENABLED=0 GOARCH=$arch GOARM=7 "$GO" build -buildvcs=true \
                -o "$BIN/go-$arch" . 2>&1); then
            want[/usr/local/bin/go-$arch]=$(golang "$MOD" "$rev")
            foreign[/usr/local/bin/go-$arch]=1
        else
            fail "GOARCH=$arch go build"; info "$out"
        fi
    done
    # cgo, linked by gcc as a PIE, then without section headers.
    if ! command -v gcc >/dev/null || [[ -z $OBJCOPY ]]; then
        skip "cgo without section headers: gcc or llvm-objcopy is not installed"
    elif out=$(cd "$g" && CGO_ENABLED=1 "$GO" build -buildvcs=true -buildmode=pie \
            -o "$WORK/go-cgo" ./cgo 2>&1) &&
            "$OBJCOPY" --strip-sections "$WORK/go-cgo" "$BIN/go-cgo-noshdr"; then
        want[/usr/local/bin/go-cgo-noshdr]=$(golang "$MOD" "$rev")
    else
        fail "go build of the cgo fixture as a PIE"; info "$out"
    fi
}

# -- Rust ---------------------------------------------------------------------
rust_cases() {
    local r=$WORK/src/rs out name
    mkdir -p "$r"
    cp "$FX"/rust/* "$r/"
    # rs-auditable: cargo-auditable's object and -u, as its rustc wrapper links.
    # rs-cut / rs-noroot: the same with a cut record, a record without a root.
    for name in rs-auditable rs-cut rs-noroot; do
        mkdir -p "$r/$name"
        case $name in
            rs-auditable) python3 "$FX/gen-dep-v0.py" "$r/$name/dep-v0.z" hello-rs 0.3.1 ;;
            rs-cut) python3 "$FX/gen-dep-v0.py" "$r/$name/dep-v0.z" hello-rs 0.3.1 --cut 40 ;;
            rs-noroot) python3 "$FX/gen-dep-v0.py" "$r/$name/dep-v0.z" hello-rs 0.3.1 --no-root ;;
        esac
        if ! out=$(gcc -c -I "$r/$name" -o "$r/$name/dep-v0.o" "$r/dep-v0.s" 2>&1 &&
                "$RUSTC" -O -C link-arg="$r/$name/dep-v0.o" \
                    -C link-arg=-Wl,-u,AUDITABLE_VERSION_INFO -o "$BIN/$name" "$r/hello.rs" 2>&1); then
            fail "$name: build"; info "$out"
            continue
        fi
        if ! [[ $(LC_ALL=C readelf -SW "$BIN/$name") =~ \.dep-v0\ +PROGBITS ]]; then
            fail "$name: the link kept section .dep-v0"
        fi
    done
    want[/usr/local/bin/rs-auditable]=$(cargo hello-rs 0.3.1)
    warned[/usr/local/bin/rs-cut]="the compressed data is truncated"
    warned[/usr/local/bin/rs-noroot]="0 root packages"
    cp "$BIN/rs-auditable" "$BIN/rs-auditable-stripped" && strip "$BIN/rs-auditable-stripped" &&
        want[/usr/local/bin/rs-auditable-stripped]=$(cargo hello-rs 0.3.1)
    # rs-static: the record in a static of section .dep-v0 (hello-static.rs).
    python3 "$FX/gen-dep-v0.py" "$r/dep-v0.z" static-rs 2.0.0-beta.1
    if out=$("$RUSTC" -O -C link-arg=-Wl,-u,AUDITABLE_VERSION_INFO -o "$BIN/rs-static" \
            "$r/hello-static.rs" 2>&1); then
        want[/usr/local/bin/rs-static]=$(cargo static-rs 2.0.0-beta.1)
    else
        fail "rs-static: build"; info "$out"
    fi
}

# go_oracle FILE: the note the go command's own reader implies for FILE
# (go version -m): the main module, its version or revision (-dirty).
go_oracle() {
    "$GO" version -m "$1" | awk -F'\t' '
        $2 == "mod" { path = $3; version = $4 }
        $2 == "build" && $3 ~ /^vcs.revision=/ { rev = substr($3, 14) }
        $2 == "build" && $3 == "vcs.modified=true" { dirty = "-dirty" }
        END {
            if (version == "(devel)") version = rev dirty
            printf "{\"type\":\"golang\",\"name\":\"%s\",\"version\":\"%s\"}", path, version
        }'
}

if [[ -n $GO ]]; then
    go_cases
    # The expected notes agree with the go command's reading (where it can
    # read: it searches only the start of the data of a file without sections).
    for f in /usr/local/bin/go-release /usr/local/bin/go-rev /usr/local/bin/go-dirty \
             /usr/local/bin/go-rev-stripped; do
        [[ -n ${want[$f]:-} ]] &&
            expect_eq "${f##*/}: go version -m reads the same" "$(go_oracle "$ROOT$f")" "${want[$f]}"
    done
else
    skip "Go cases: go is not installed (apt-get install golang-go)"
fi
if [[ -n $RUSTC ]] && command -v gcc >/dev/null; then rust_cases
else skip "Rust cases: rustc or gcc is not installed (apt-get install rustc gcc)"; fi

for f in "${!want[@]}" "${!warned[@]}"; do
    [[ -n ${foreign[$f]:-} ]] || runs[$f]=$("$ROOT$f" 2>&1; echo "exit $?")
done
declare -A sum_before=()
for f in "${!warned[@]}"; do sum_before[$f]=$(sha256sum <"$ROOT$f"); done
tree_sums() { (cd "$ROOT" && find . -type f -print0 | sort -z | xargs -0 sha256sum); }

"$PKGNOTE" stamp -r -v --from-packages "$ROOT" "$ROOT" >"$WORK/first.out" 2>"$WORK/first.err"
rc=$?
expect_eq "stamp -r --from-packages exits 0" "$rc" 0 || sed 's/^/      | /' "$WORK/first.err"
info "$(tail -1 "$WORK/first.out")"

# -- each program: its note, and it still runs --------------------------------
for f in $(printf '%s\n' "${!want[@]}" | sort); do
    file=$ROOT$f
    if [[ $(LC_ALL=C readelf -hW "$file" | awk '/Number of section headers:/ { print $5 }') == 0 ]]; then
        got=$(segment_note_json "$file")
    else
        got=$(note_json "$file")
    fi
    expect_eq "${f##*/}: the note names what its build recorded" "$got" "${want[$f]}"
    [[ -n ${foreign[$f]:-} ]] ||
        expect_eq "${f##*/}: runs as before" "$("$file" 2>&1; echo "exit $?")" "${runs[$f]}"
done

# check reads the same build info and finds each note agrees with it.
named=()
for f in "${!want[@]}"; do named+=("$ROOT$f"); done
out=$("$PKGNOTE" check --from-packages "$ROOT" "${named[@]}" 2>&1)
expect_eq "check --from-packages: every note agrees with its build info (exit 0)" "$?" 0 ||
    sed 's/^/      | /' <<<"$out"

# -- records not to trust: one warning each, no note, the file untouched ------
for f in $(printf '%s\n' "${!warned[@]}" | sort); do
    lines=$(grep -F -- "$ROOT$f:" "$WORK/first.err")
    if [[ $(grep -c . <<<"$lines") == 1 && $lines == *"${warned[$f]}"* ]]; then
        pass "${f##*/}: one warning: ${lines#pkgnote: warning: "$ROOT"}"
    else
        fail "${f##*/}: one warning line with '${warned[$f]}'"
        sed 's/^/      | /' "$WORK/first.err"
    fi
    expect_eq "${f##*/}: no note, not a byte changed" "$(sha256sum <"$ROOT$f")" "${sum_before[$f]}"
done

# -- a second run changes nothing --------------------------------------------
before=$(tree_sums)
"$PKGNOTE" stamp -r --from-packages "$ROOT" "$ROOT" >"$WORK/second.out" 2>"$WORK/second.err"
expect_eq "second run exits 0" "$?" 0
expect_eq "second run changes no byte" "$(tree_sums)" "$before"

tl_finish
