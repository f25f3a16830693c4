#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The static pkgnote (meson -Dstatic_exe=true: pkgnote-static) alone in an
# otherwise empty root: no libc, libelf, libdw or json-c there.  Inside it
# (chroot), pkgnote stamps a copy of the host's true with fields and a
# static test program, shows and checks them, retrofits from a small dpkg
# database of that root (ROOT "/"), and reads the core of the static
# program crashing there: the core names its package.
#
# Exit: 0 all passed, 1 a check failed, 77 skipped (reason printed).
set -uo pipefail
: "${SOURCE_ROOT:?}"
. "$SOURCE_ROOT/tests/lib/testlib.sh"

[[ -n ${PKGNOTE_STATIC:-} && -x ${PKGNOTE_STATIC:-} ]] ||
    { echo "SKIP: no static pkgnote (configure with -Dstatic_exe=true)"; exit 77; }
((EUID == 0)) || { echo "SKIP: chroot needs root"; exit 77; }
command -v cc >/dev/null || { echo "SKIP: no C compiler"; exit 77; }
tl_setup
E=$WORK/empty
mkdir -p "$E/var/lib/dpkg/info" "$E/etc"
cp "$PKGNOTE_STATIC" "$E/pkgnote"
cp /usr/bin/true "$E/true"
cc -static -O2 -o "$E/sleeper" "$SOURCE_ROOT/fixtures/sleeper.c" ||
    { echo "SKIP: cc -static cannot link (no libc6-dev static libc?)"; exit 77; }
expect_empty "pkgnote-static needs no shared library (readelf -d: no NEEDED)" \
    "$(readelf -d "$E/pkgnote" 2>/dev/null | grep NEEDED)"
expect_eq "the root holds nothing else" "$(cd "$E" && find . -type f | sort | tr '\n' ' ')" \
    "./pkgnote ./sleeper ./true "
in_e() { chroot "$E" /pkgnote "$@"; }

expect_ok "stamp (fields) in the empty root" in_e stamp --type deb --name pn-true --version 1 --arch amd64 /true
expect_eq "show in the empty root" "$(in_e show --json /true)" \
    '{"type":"deb","name":"pn-true","version":"1","architecture":"amd64"}'
expect_eq "readelf -n agrees" "$(note_json "$E/true")" \
    '{"type":"deb","name":"pn-true","version":"1","architecture":"amd64"}'
expect_ok "check in the empty root" in_e check /true
expect_ok "the stamped true still runs (on the host)" "$E/true"

# A dpkg database of the empty root: /sleeper belongs to pn-sleeper.
printf 'ID=pkgnote-test\nVERSION_ID=1\n' >"$E/etc/os-release"
printf 'Package: pn-sleeper\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.0-1\n\n' \
    >"$E/var/lib/dpkg/status"
echo /sleeper >"$E/var/lib/dpkg/info/pn-sleeper.list"
out=$(in_e stamp --from-dpkg / 2>&1); rc=$?
expect_eq "stamp --from-dpkg / in the empty root exits 0" "$rc" 0 || sed 's/^/      | /' <<<"$out"
want='{"type":"deb","os":"pkgnote-test","osVersion":"1","name":"pn-sleeper","version":"2.0-1","architecture":"amd64","binaryPackage":"pn-sleeper","binaryVersion":"2.0-1"}'
expect_eq "the static program carries its package's note" "$(note_json "$E/sleeper")" "$want"
expect_ok "check --from-dpkg / in the empty root" in_e check --from-dpkg / /sleeper

if why=$(tl_cores_unavailable); then
    skip "core: $why"
else
    mkfifo "$E/fifo"
    (ulimit -c unlimited && exec chroot "$E" /sleeper /fifo) >/dev/null &
    pid=$!
    tl_wait_exec $pid sleeper
    kill -SEGV $pid
    wait $pid
    rm -f "$E/fifo"
    core=$(tl_core_in "$E")
    if [[ ! -s $core ]]; then
        skip "no core file was written"
    else
        rm "$E/sleeper"
        shown=$(in_e show --json "/${core##*/}" 2>&1)
        expect_eq "show CORE in the empty root (libdw linked in): the program's package" \
            "$(jq -r '.modules[] | select(.name | endswith("sleeper")) | .metadata.name' <<<"$shown" 2>/dev/null)" pn-sleeper ||
            sed 's/^/      | /' <<<"$shown"
    fi
fi
tl_finish
