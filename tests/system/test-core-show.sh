#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# System test: pkgnote show on a real core file, checked against
# systemd-analyze inspect-elf reading the same core.
#
# fixtures/core-main.c is linked against libcrashhelper (stamped) and
# libgreet (left unstamped) and crashes inside libcrashhelper.  With all
# three binaries moved away:
#  - pkgnote show --json lists core-main and libcrashhelper with exactly
#    their JSON, read from the core, and libgreet with no metadata;
#  - every module systemd-analyze inspect-elf reports with metadata is
#    reported by pkgnote under the same name, field by field the same, with
#    the same build-id, and pkgnote reports metadata for no other module;
#  - the text view names each module "from TYPE NAME-VERSION";
#  - --use-files finds libgreet's metadata on disk once a stamped file with
#    the same build-id is back at its path, and refuses a file whose
#    build-id differs.
# The same comparison runs on a core of the same programs linked with
# ld --package-metadata (no pkgnote stamp at all).  pkgnote does not map libdw
# until it reads a core: in a mount namespace where libdw.so.1 is empty,
# show on a core fails saying so, while stamp, show and check of a binary
# work.  A truncated core gives an answer or an error, never a crash or a
# hang.
#
# Exit: 0 all passed, 1 a check failed, 77 skipped (reason printed).
set -uo pipefail
: "${SOURCE_ROOT:?}"
. "$SOURCE_ROOT/tests/lib/testlib.sh"

tl_need_pkgnote
tl_need_core_files inspect-elf
command -v python3 >/dev/null || { echo "SKIP: python3 (to read JSON) is not installed"; exit 77; }
tl_setup
F=$FIXTURES
MAIN_JSON='{"type":"deb","name":"core-main","version":"1.0-2","architecture":"amd64"}'
LIB_JSON='{"type":"rpm","name":"crashhelper","version":"2.0-1.fc40","architecture":"x86_64","osCpe":"cpe:/o:fedoraproject:fedora:40","debugInfoUrl":"https://debuginfod.example/x"}'
printf '%s\n' "$MAIN_JSON" >"$WORK/main.json"
printf '%s\n' "$LIB_JSON" >"$WORK/lib.json"

# build DIR [LINKER_JSON_MAIN LINKER_JSON_LIB]: the three binaries in DIR.
build() {
    local dir=$1 m=() l=()
    [[ $# -ge 3 ]] && m=(-Xlinker "--package-metadata=$2") l=(-Xlinker "--package-metadata=$3")
    mkdir -p "$dir"
    gcc -O1 -g -fPIC -shared -o "$dir/libcrashhelper.so" "$F/libcrashhelper.c" "${l[@]}" &&
    gcc -O1 -g -fPIC -shared -I"$F" -o "$dir/libgreet.so" "$F/libgreet.c" &&
    gcc -O1 -g -I"$F" -o "$dir/core-main" "$F/core-main.c" -L"$dir" -lcrashhelper -lgreet \
        -Wl,-rpath,"$dir" "${m[@]}"
}

# crash DIR: run it to a core; move the binaries to DIR.away; print the core.
crash() {
    local dir=$1
    (cd "$dir" && ulimit -c unlimited && ./core-main crash >/dev/null 2>&1)
    mkdir -p "$dir.away"
    mv "$dir/core-main" "$dir/libcrashhelper.so" "$dir/libgreet.so" "$dir.away/"
    ls "$dir"/core* 2>/dev/null | head -n 1
}

# compare LABEL CORE: pkgnote show --json against inspect-elf, field by field.
compare() {
    local label=$1 core=$2 ours theirs out
    ours=$("$PKGNOTE" show --json "$core")
    expect_eq "$label: show --json exit status" "$?" 0
    theirs=$(systemd-analyze inspect-elf --json=short "$core" 2>/dev/null)
    out=$(python3 - "$ours" "$theirs" "$MAIN_JSON" "$LIB_JSON" <<'EOF'
import json, sys
ours, theirs = json.loads(sys.argv[1]), json.loads(sys.argv[2])
want_main, want_lib = json.loads(sys.argv[3]), json.loads(sys.argv[4])
mods = {m["name"]: m for m in ours["modules"]}
problems = []
def by_suffix(suffix):
    hits = [m for n, m in mods.items() if n.endswith(suffix)]
    return hits[0] if len(hits) == 1 else None
for suffix, want in (("/core-main", want_main), ("libcrashhelper.so", want_lib)):
    m = by_suffix(suffix)
    if m is None:
        problems.append("pkgnote lists no single module ending in %s" % suffix)
    elif m["metadata"] != want or m["source"] != "core":
        problems.append("%s: metadata %r from %r, want %r from the core" % (suffix, m["metadata"], m["source"], want))
g = by_suffix("libgreet.so")
if g is None or g["metadata"] is not None or not g["buildId"]:
    problems.append("libgreet.so must be listed, with a build-id and no metadata: %r" % g)
sd = {k: v for k, v in theirs.items() if isinstance(v, dict)}
for name, fields in sd.items():
    m = mods.get(name)
    if m is None:
        problems.append("systemd lists %s, pkgnote does not" % name)
        continue
    fields = dict(fields)
    bid = fields.pop("buildId", None)
    if bid is not None and bid != m["buildId"]:
        problems.append("%s: build-id %s, systemd says %s" % (name, m["buildId"], bid))
    if fields != (m["metadata"] or {}):
        problems.append("%s: pkgnote %r, systemd %r" % (name, m["metadata"], fields))
for name, m in mods.items():
    if m["metadata"] is not None and name not in sd:
        problems.append("pkgnote has metadata for %s, systemd has none" % name)
if len(sd) != 2:
    problems.append("systemd shows metadata for %d modules, want 2" % len(sd))
print("\n".join(problems))
EOF
)
    expect_empty "$label: pkgnote show --json agrees with the JSON and with systemd-analyze inspect-elf" "$out"
    out=$("$PKGNOTE" show "$core")
    expect_ok "$label: text view: core-main from deb core-main-1.0-2" grep -q "^Module .*core-main from deb core-main-1.0-2 (read from the core)$" <<<"$out"
    expect_ok "$label: text view: libcrashhelper from rpm crashhelper-2.0-1.fc40" grep -q "libcrashhelper.so from rpm crashhelper-2.0-1.fc40 (read from the core)$" <<<"$out"
    expect_ok "$label: text view: libgreet without package metadata" grep -q "libgreet.so without package metadata$" <<<"$out"
}

echo "== stamped by pkgnote"
dir=$WORK/stamped
if ! err=$(build "$dir" 2>&1); then
    fail "build: $err"
    tl_finish
fi
expect_ok "stamp core-main" tl_stamp "$WORK/main.json" "$dir/core-main"
expect_ok "stamp libcrashhelper.so" tl_stamp "$WORK/lib.json" "$dir/libcrashhelper.so"
core=$(crash "$dir")
if [[ -z $core ]]; then
    echo "SKIP: the crash wrote no core file"
    exit 77
fi
compare "stamped" "$core"

echo "== --use-files"
ours=$("$PKGNOTE" show --json "$core")
expect_eq "without --use-files, libgreet has no metadata" \
    "$(python3 -c 'import json,sys; print([m["metadata"] for m in json.loads(sys.argv[1])["modules"] if m["name"].endswith("libgreet.so")])' "$ours")" "[None]"
cp -p "$dir.away/libgreet.so" "$dir/libgreet.so"
tl_stamp "$WORK/main.json" "$dir/libgreet.so"
ours=$("$PKGNOTE" show --json --use-files "$core")
expect_eq "--use-files: libgreet's metadata read from the file whose build-id matches" \
    "$(python3 -c 'import json,sys; print([(m["source"], m["metadata"]["name"]) for m in json.loads(sys.argv[1])["modules"] if m["name"].endswith("libgreet.so")])' "$ours")" \
    "[('file', 'core-main')]"
# Another build of libgreet: same path, other build-id.
gcc -O2 -fPIC -shared -I"$F" -DOTHER_BUILD -o "$dir/libgreet.so" "$F/libgreet.c" -Wl,--build-id=sha1 -Wl,-z,norelro
tl_stamp "$WORK/main.json" "$dir/libgreet.so"
out=$("$PKGNOTE" show --json --use-files "$core" 2>&1)
expect_eq "--use-files: a file with another build-id is not used" \
    "$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print([m["source"] for m in d["modules"] if m["name"].endswith("libgreet.so")], any("not the one in the core" in w for w in d["warnings"]))' "$out")" \
    "[None] True"

echo "== linked with --package-metadata"
dir=$WORK/linked
if err=$(build "$dir" "$MAIN_JSON" "$LIB_JSON" 2>&1); then
    core=$(crash "$dir")
    [[ -n $core ]] && compare "linked" "$core" || fail "linked: no core file"
else
    fail "build with --package-metadata: $err"
fi

echo "== libdw is opened for cores only"
expect_eq "pkgnote maps no libdw at start (ldd)" "$(ldd "$PKGNOTE" | grep -c 'libdw\.so')" 0
libdw=$(ldconfig -p | awk '$1 == "libdw.so.1" { print $NF; exit }')
if [[ $(id -u) != 0 || -z $libdw ]] || ! unshare -m true 2>/dev/null; then
    skip "without libdw: needs root, unshare -m and libdw.so.1 in ldconfig's cache"
else
    # A mount namespace where libdw.so.1 is an empty file.
    nodw() { unshare -m sh -c 'mount --bind /dev/null "$1" && shift && exec "$@"' sh "$libdw" "$@"; }
    out=$(nodw "$PKGNOTE" show --json "$core" 2>&1)
    rc=$?
    expect_ok "without libdw, show on a core fails (exit $rc)" test "$rc" -ne 0
    expect_ok "without libdw, the error says why" grep -q "cannot read core files: .*libdw" <<<"$out"
    cp -p "$WORK/stamped.away/libgreet.so" "$WORK/nodw.so"
    expect_ok "without libdw, stamp works" nodw "$PKGNOTE" stamp -q --json "$WORK/lib.json" "$WORK/nodw.so"
    expect_eq "without libdw, show on the stamped file prints its JSON" \
        "$(nodw "$PKGNOTE" show --json "$WORK/nodw.so")" "$LIB_JSON"
    expect_ok "without libdw, check passes the stamped file" nodw "$PKGNOTE" check "$WORK/nodw.so"
fi

echo "== truncated core"
head -c $(( $(stat -c %s "$core") / 3 )) "$core" >"$WORK/truncated.core"
out=$(timeout 20 "$PKGNOTE" show --json "$WORK/truncated.core" 2>"$WORK/trunc.err")
rc=$?
expect_ok "truncated core: no crash and no hang (exit $rc)" test "$rc" -le 7
expect_ok "truncated core: the answer warns that the core is truncated" grep -q "the core is truncated" <<<"$out$(cat "$WORK/trunc.err")"
tl_finish
