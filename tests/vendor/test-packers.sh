#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# vendor-packers: executables made by real packers, each stamped
# and still working, or refused untouched:
#   unzipsfx     Info-ZIP self-extractor (zip appended, `zip -A`)
#   node-sea     Node.js single executable application (postject, npm)
#   bun          `bun build --compile` (npm package bun; the binary comes
#                from the registry's @oven/bun-linux-x64)
#   caxa         caxa's Go stub with a tar archive and a JSON footer appended
#   upx-*        UPX (upx-ucl) on PIE, non-PIE and static programs; `upx -t`
#                must pass after
# npm packages are installed once per build into $BUILD_ROOT/vendor-cache.
set -u -o pipefail
. "$SOURCE_ROOT/tests/vendor/vendorlib.sh"
vl_begin

NPM_PACKAGES=(postject@1.0.0-alpha.6 caxa@3.0.1 bun@1.4.5)
B=$WORK/build
mkdir -p "$B"

# -- runners --------------------------------------------------------------

# run_sfx FILE: extract into a fresh directory and print what came out.
run_sfx() {
    local d rc
    d=$(mktemp -d "$WORK/sfx-out.XXXXXX")
    timeout 60 "$1" -qq -o -d "$d"
    rc=$?
    (cd "$d" && find . -type f -printf '%P\n' | sort && cat -- *)
    rm -rf -- "$d"
    return $rc
}

# run_caxa FILE: run with a fresh TMPDIR, so that the stub unpacks its
# archive again instead of reusing an earlier run's.
run_caxa() {
    local d rc
    d=$(mktemp -d "$WORK/caxa-tmp.XXXXXX")
    TMPDIR=$d timeout 60 "$1"
    rc=$?
    rm -rf -- "$d"
    return $rc
}

# run_upx FILE: run the program, then `upx -t` (its status only: its text
# names the file).
run_upx() {
    timeout 60 "$1"
    echo "[exit $?]"
    timeout 60 upx -t -q "$1" >/dev/null 2>&1
    echo "upx -t: exit $?"
}

# -- Info-ZIP unzipsfx ------------------------------------------------------

if ! command -v unzipsfx >/dev/null || ! command -v zip >/dev/null; then
    vl_skip_case unzipsfx "unzipsfx or zip not installed (packages unzip, zip)"
else
    mkdir -p "$B/sfx/in"
    echo "extracted from a self-extracting archive" >"$B/sfx/in/data.txt"
    if (cd "$B/sfx/in" && zip -q ../data.zip data.txt) &&
        cat "$(command -v unzipsfx)" "$B/sfx/data.zip" >"$B/sfx/sfx" &&
        chmod +x "$B/sfx/sfx" && zip -qA "$B/sfx/sfx" 2>/dev/null; then
        vl_case unzipsfx "$B/sfx/sfx" run_sfx
    else
        fail "unzipsfx: building the self-extractor failed"
    fi
fi

# -- npm packers --------------------------------------------------------------

# npm_tools: install NPM_PACKAGES into the cache once; sets NPM_BIN or
# NPM_WHY (why they cannot be had).
npm_tools() {
    local cache dir log
    NPM_BIN='' NPM_WHY=''
    if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
        NPM_WHY="node or npm not installed"; return 1
    fi
    cache=$(vl_cache)
    dir=$cache/npm
    log=$cache/npm-install.log
    (
        flock 9
        [[ -f $dir/.installed && $(cat "$dir/.installed") == "${NPM_PACKAGES[*]}" ]] && exit 0
        rm -rf -- "$dir"
        mkdir -p "$dir"
        timeout 600 npm install --prefix "$dir" --no-audit --no-fund --no-save \
            --loglevel=error "${NPM_PACKAGES[@]}" >"$log" 2>&1 || exit 1
        echo "${NPM_PACKAGES[*]}" >"$dir/.installed"
    ) 9>"$cache/npm.lock" || { NPM_WHY="npm install ${NPM_PACKAGES[*]} failed: $(tail -n 3 "$log" | tr '\n' ' ')"; return 1; }
    NPM_BIN=$dir/node_modules/.bin
}

if ! npm_tools; then
    for c in node-sea bun caxa; do vl_skip_case "$c" "$NPM_WHY"; done
else
    info "npm packages in $(vl_cache)/npm: ${NPM_PACKAGES[*]}"

    # Node.js single executable application: node >= 18.16 with the SEA
    # fuse, the blob injected by postject.
    fuse=NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2
    node=$(command -v node)
    mkdir -p "$B/sea"
    cp "$VENDOR_FIXTURES/hello.js" "$B/sea/hello.js"
    printf '{"main":"hello.js","output":"sea-prep.blob","disableExperimentalSEAWarning":true}\n' >"$B/sea/sea-config.json"
    if ! grep -qa "$fuse" "$node"; then
        vl_skip_case node-sea "$node ($(node --version)) has no single executable application support"
    elif (cd "$B/sea" && node --experimental-sea-config sea-config.json >/dev/null 2>&1 &&
            cp "$node" hello &&
            "$NPM_BIN/postject" hello NODE_SEA_BLOB sea-prep.blob --sentinel-fuse "$fuse" >/dev/null 2>&1) &&
        [[ $("$B/sea/hello" a b) == "hello from packed JavaScript, 2 arguments" ]]; then
        vl_case node-sea "$B/sea/hello" run_exe a b
    else
        fail "node-sea: building the single executable application failed"
    fi

    # Bun: the npm package's postinstall puts the registry's binary in
    # bun/bin/bun.exe; without it, the optional dependency still has it.
    bun=
    for c in "$NPM_BIN/../bun/bin/bun.exe" "$NPM_BIN/../@oven/bun-linux-x64/bin/bun"; do
        if [[ -x $c ]] && "$c" --version >/dev/null 2>&1; then bun=$c; break; fi
    done
    mkdir -p "$B/bun"
    cp "$VENDOR_FIXTURES/hello.js" "$B/bun/hello.js"
    if [[ -z $bun ]]; then
        vl_skip_case bun "the npm package bun brought no binary that runs here"
    elif (cd "$B/bun" && "$bun" build --compile hello.js --outfile hello >/dev/null 2>&1) &&
        [[ $("$B/bun/hello" a) == "hello from packed JavaScript, 1 arguments" ]]; then
        vl_case bun "$B/bun/hello" run_exe a
    else
        fail "bun: bun build --compile failed"
    fi

    # caxa: a shell script (no Node.js copied in: -N; no npm dedupe: -D).
    mkdir -p "$B/caxa/app"
    cp "$VENDOR_FIXTURES/caxa-hello.sh" "$B/caxa/app/hello.sh"
    echo "data packed by caxa" >"$B/caxa/app/data.txt"
    if (cd "$B/caxa" && "$NPM_BIN/caxa" -N -D -i app -o hello -- "{{caxa}}/hello.sh" >/dev/null 2>&1) &&
        [[ $(run_caxa "$B/caxa/hello") == "hello from caxa: data packed by caxa" ]]; then
        vl_case caxa "$B/caxa/hello" run_caxa
    else
        fail "caxa: packing failed"
    fi
fi

# -- UPX ------------------------------------------------------------------------

if ! command -v upx >/dev/null; then
    for k in pie nopie static; do vl_skip_case "upx-$k" "upx not installed (upx-ucl, bookworm-backports)"; done
else
    declare -A LINK=([pie]="-fPIE -pie" [nopie]="-fno-pie -no-pie" [static]="-static")
    for k in pie nopie static; do
        mkdir -p "$B/upx-$k"
        # shellcheck disable=SC2086
        if gcc -O2 ${LINK[$k]} -o "$B/upx-$k/hello" "$FIXTURES/hello.c" &&
            upx -q "$B/upx-$k/hello" >/dev/null 2>&1 &&
            upx -t -q "$B/upx-$k/hello" >/dev/null 2>&1; then
            vl_case "upx-$k" "$B/upx-$k/hello" run_upx
        else
            fail "upx-$k: packing with upx failed"
        fi
    done
fi

vl_finish
