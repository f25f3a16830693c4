#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# stamp -r --from-packages over an image root that holds a file of every
# origin pkgnote reads (originsroot.sh: dpkg, pip's RECORD, an egg-info,
# conda-meta, npm packages from the registry, the origins map) and records
# it must not trust.  Oracles: readelf -n on every ELF file against the
# record its own tool wrote (npm's package.json read with jq, not by
# pkgnote), the programs run in a chroot of the root, Python imports the
# extension modules, node loads the addons and uses them, the refused file
# is byte-identical, each bad record gives its warning once, and a second
# run changes no byte.
#
# Exit: 0 all passed, 1 a check failed, 77 skipped (reason printed).
set -uo pipefail
: "${SOURCE_ROOT:?}" "${BUILD_ROOT:?}"
. "$SOURCE_ROOT/tests/lib/testlib.sh"
. "$SOURCE_ROOT/tests/origins/originsroot.sh"

tl_need_pkgnote
for tool in readelf gcc jq "$OR_PY"; do
    command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed"; exit 77; }
done
"$OR_PY" -m pip --version >/dev/null 2>&1 || { echo "SKIP: python3-pip is not installed"; exit 77; }
tl_setup
ROOT=$WORK/root

if ! app=$(or_npm_app 2>"$WORK/npm.why"); then
    skip "npm packages: $(head -1 "$WORK/npm.why")"
    app=
fi
if ! or_make_root "$ROOT" "$app" 2>"$WORK/make.err"; then
    fail "making the test root"
    sed 's/^/      | /' "$WORK/make.err"
    tl_finish
fi

elf_files() {
    local f
    while IFS= read -r -d '' f; do or_is_elf "$f" && printf '%s\n' "${f#"$ROOT"/}"; done \
        < <(find "$ROOT" -type f -print0 | sort -z)
}
tree_sums() { (cd "$ROOT" && find . -type f -print0 | sort -z | xargs -0 sha256sum); }
declare -A refused_sum=()
for f in "${OR_REFUSED[@]}"; do refused_sum[$f]=$(sha256sum <"$ROOT/$f"); done

stamp() {
    "$PKGNOTE" stamp -r -v --from-packages "$ROOT" --origins "$OR_MAP" "$ROOT" \
        >"$WORK/$1.out" 2>"$WORK/$1.err"
    echo $? >"$WORK/$1.rc"
}
stamp first
info "$(tail -1 "$WORK/first.out")"

# -- every ELF file: the note its origin gives ------------------------------
declare -A got_kind=() want_kind=()
bad=
nfiles=0
while IFS= read -r rel; do
    nfiles=$((nfiles + 1))
    want=${OR_EXPECT[$rel]-}
    got=$(note_json "$ROOT/$rel" | head -1)
    [[ $got == "$want" ]] || bad+="$rel: got '${got:-none}', want '${want:-none}'"$'\n'
    k=$(jq -r .type <<<"${got:-{\}}" 2>/dev/null); got_kind[${k/null/none}]=$((${got_kind[${k/null/none}]:-0} + 1))
    k=$(jq -r .type <<<"${want:-{\}}" 2>/dev/null); want_kind[${k/null/none}]=$((${want_kind[${k/null/none}]:-0} + 1))
done < <(elf_files)
expect_empty "each of the $nfiles ELF files carries its origin's note" "$bad"
counts() { local -n c=$1; local k; for k in $(printf '%s\n' "${!c[@]}" | sort); do printf '%s %s  ' "$k" "${c[$k]}"; done; }
info "ELF files per origin: $(counts got_kind)"
expect_eq "ELF files per origin" "$(counts got_kind)" "$(counts want_kind)"
for kind in deb pypi conda generic; do
    [[ ${got_kind[$kind]:-0} -gt 0 ]] && pass "some files are named by $kind records" ||
        fail "no file is named by $kind records"
done

# -- the summary: files per source, the refused ones apart ---------------------
summary=$(tail -1 "$WORK/first.out")
declare -A source_of=([deb]=dpkg [pypi]=python [conda]=conda [npm]=npm [generic]=origins)
for kind in "${!source_of[@]}"; do
    [[ -n ${want_kind[$kind]:-} ]] || continue
    expect_eq "the summary counts ${source_of[$kind]}'s files" \
        "$(grep -o "[(, ]${source_of[$kind]} [0-9]*" <<<"$summary" | grep -o '[0-9]*$')" "${want_kind[$kind]}"
done
expect_eq "the summary counts the refused files apart" \
    "$(grep -o '[0-9]* failed.*' <<<"$summary")" \
    "${#OR_REFUSED[@]} failed$( ((${#OR_REFUSED[@]})) && echo " (${#OR_REFUSED[@]} no room in page 1)")"
expect_eq "exit status: $( ((${#OR_REFUSED[@]})) && echo "5 (no room)" || echo 0)" \
    "$(cat "$WORK/first.rc")" "$( ((${#OR_REFUSED[@]})) && echo 5 || echo 0)"

# -- refused files: unchanged, one line ---------------------------------------
for f in "${OR_REFUSED[@]}"; do
    expect_eq "${f##*/} is left unchanged" "$(sha256sum <"$ROOT/$f")" "${refused_sum[$f]}"
    expect_eq "${f##*/}: one line saying why (no room)" \
        "$(grep -F -- "$f" "$WORK/first.err" | grep -c 'no room')" 1
done

# -- records not trusted: a warning each, once --------------------------------
for w in "${OR_WARN[@]}"; do
    expect_eq "warned once: ${w%%:*}" "$(grep -cF -- "$w" "$WORK/first.err")" 1
done
expect_eq "no other warning (real packages' records all read)" \
    "$(grep -c '^pkgnote: warning:' "$WORK/first.err")" "${#OR_WARN[@]}"
expect_eq "a file two records claim is skipped, naming both" \
    "$(cat "$WORK/first.out" "$WORK/first.err" | grep -F _twin.so | grep -F twina | grep -c twinb)" 1

# -- the programs still run ---------------------------------------------------
if ((EUID == 0)) && command -v chroot >/dev/null; then
    expect_eq "dpkg's program runs in a chroot" "$(chroot "$ROOT" /usr/bin/hello 2>&1)" "hello from the pkgnote fixture"
    for p in /opt/conda/bin/greet /opt/vendor/bin/greet; do
        expect_eq "$p runs in a chroot" "$(chroot "$ROOT" "$p" 2>&1 | head -1)" \
            "Hello, world! (ctor ran)"
    done
    expect_eq "the map's most specific entry's program runs" \
        "$(chroot "$ROOT" /opt/vendor/bin/helper 2>&1)" "hello from the pkgnote fixture"
else
    skip "programs in a chroot: needs root"
fi
py_import() {
    PYTHONPATH=$1 PYTHONDONTWRITEBYTECODE=1 "$OR_PY" -c "import $2; print($2.triple(14))" 2>&1
}
expect_eq "the wheel's extension module imports" "$(py_import "$ROOT/opt/pyapp/site" pkgnote_pydemo)" 42
expect_eq "the egg-info's extension module imports" \
    "$(py_import "$ROOT/usr/local/lib/python3.11/dist-packages" pkgnote_eggdemo)" 42

if [[ -n $app ]]; then
    a=$ROOT/app
    expect_eq "node loads the application's own addon" \
        "$(cd "$a" && node -e 'console.log(require("./build/Release/own.node").answer())' 2>&1)" 42
    expect_eq "rollup parses a file with its native parser" \
        "$(cd "$a" && node -e 'const {parseAst} = require("rollup/parseAst");
            console.log(parseAst("export const x = 1 + 2;").body[0].type)' 2>&1)" \
        ExportNamedDeclaration
    expect_eq "swc transforms a file" \
        "$(cd "$a" && node -e 'const swc = require("@swc/core");
            console.log(swc.transformSync("const x: number = 1", {jsc: {parser: {syntax: "typescript"}}}).code.trim())' 2>&1)" \
        "var x = 1;"
    expect_eq "sharp resizes an image (through libvips)" \
        "$(cd "$a" && node -e 'require("sharp")({create: {width: 64, height: 48, channels: 3, background: "red"}})
            .resize(16).png().toBuffer({resolveWithObject: true})
            .then(r => console.log(r.info.width + "x" + r.info.height))' 2>&1)" 16x12
    expect_eq "esbuild --version runs (and in a chroot)" \
        "$("$a/node_modules/@esbuild/linux-x64/bin/esbuild" --version 2>&1)" \
        "$(jq -r .version "$a/node_modules/@esbuild/linux-x64/package.json")"
    ((EUID == 0)) && expect_eq "esbuild runs in a chroot" \
        "$(chroot "$ROOT" /app/node_modules/@esbuild/linux-x64/bin/esbuild --version 2>&1)" \
        "$(jq -r .version "$a/node_modules/@esbuild/linux-x64/package.json")"
fi

# -- a second run changes nothing ---------------------------------------------
before=$(tree_sums)
stamp second
expect_eq "a second run changes no byte" "$(tree_sums)" "$before"
info "$(tail -1 "$WORK/second.out")"
expect_eq "the second run stamps nothing" "$(tail -1 "$WORK/second.out" | grep -c '^pkgnote: 0 stamped')" 1

# -- check --from-packages: notes against the records ------------------------
check_root() {
    "$PKGNOTE" check -r --from-packages "$ROOT" --origins "$OR_MAP" "$ROOT" 2>/dev/null
}
problems=$(check_root | grep -v '^pkgnote: ' | sed "s|^$ROOT/||")
expect_eq "check finds only the files left without a note" "$(sort <<<"$problems")" \
    "$(for f in "${!OR_EXPECT[@]}"; do [[ -z ${OR_EXPECT[$f]} ]] && echo "$f: no package note"; done | sort)"
wheel_so=$(cd "$ROOT" && echo opt/pyapp/site/pkgnote_pydemo/_speed*.so)
"$PKGNOTE" stamp --json - "$ROOT/$wheel_so" >/dev/null 2>&1 <<<'{"type":"pypi","name":"pkgnote-pydemo","version":"9.9"}'
expect_eq "check reports a note that disagrees with RECORD" \
    "$(check_root | grep -c "^$ROOT/$wheel_so: .*disagree")" 1

tl_finish
