#!/bin/bash
# Batch mode on a build-root-like tree, checked with readelf, getcap, getfacl
# and stat (not with pkgnote):
#  - every ELF executable and shared library is stamped with the JSON the
#    field options build (--type/--name/--version/--arch/--os-release/--set),
#    and still runs / loads;
#  - relocatable objects, a kernel-module-like .ko, a static archive, a
#    script and separate debug files are left byte-identical, and -v says why;
#  - symbolic links are not followed (an absolute link to a host file leaves
#    the host file alone) and stay links;
#  - hard links: stamped once, every link names the stamped file;
#  - owner, mode with setuid, file capabilities and ACLs survive;
#  - SOURCE_DATE_EPOCH clamps mtimes; --keep-timestamps keeps older ones;
#  - -j 2 and -j 1 give the same bytes; the summary line counts right;
#  - a broken file fails alone: the others are stamped, the exit status says so;
#  - fields combined with --json replace its keys in place;
#  - pkgnote check -r --require passes on the tree, and lists an unstamped
#    file (text and --json) with exit status 1.
set -uo pipefail
: "${SOURCE_ROOT:?}"
. "$SOURCE_ROOT/tests/lib/testlib.sh"

tl_need_pkgnote
fx_have_linker bfd >/dev/null || { echo "SKIP: gcc/ld.bfd not installed"; exit 77; }
tl_setup
fx_helpers "$WORK/helpers"

T=$WORK/root
mkdir -p "$T/usr/bin" "$T/usr/lib64" "$T/usr/lib/debug/usr/bin" "$T/usr/lib/modules"
fx_build bfd pie "$WORK/b/pie" && cp "$FX_FILE" "$T/usr/bin/prog"
fx_build bfd shared "$WORK/b/shared" && cp "$FX_FILE" "$T/usr/lib64/libgreet.so.1"
runner=$FX_RUNNER
fx_build bfd static "$WORK/b/static" && cp "$FX_FILE" "$T/usr/bin/static-prog"
ln "$T/usr/bin/prog" "$T/usr/bin/prog-hardlink"
ln -s libgreet.so.1 "$T/usr/lib64/libgreet.so"
ln -s /usr/bin/true "$T/usr/bin/host-true"
gcc -c -o "$T/usr/lib64/obj.o" "$FIXTURES/hello.c"
cp "$T/usr/lib64/obj.o" "$T/usr/lib/modules/fake.ko"
ar rc "$T/usr/lib64/libstatic.a" "$T/usr/lib64/obj.o"
printf '#!/bin/sh\necho script\n' >"$T/usr/bin/script"
objcopy --only-keep-debug "$T/usr/bin/prog" "$T/usr/lib/debug/usr/bin/prog.debug"
objcopy --only-keep-debug "$T/usr/bin/prog" "$T/usr/bin/prog.dbg"
head -c 200 "$T/usr/bin/prog" >"$T/usr/bin/truncated"
# What a killed run leaves behind: never stamped by a later one.
cp "$T/usr/bin/prog" "$T/usr/bin/.prog.pkgnote-Xy12Z9"

# Attributes that must survive.
chown 1234:2345 "$T/usr/bin/static-prog"
chmod 4755 "$T/usr/bin/static-prog"
have_setcap=0 have_acl=0
if command -v setcap >/dev/null && setcap cap_net_raw+ep "$T/usr/bin/prog" 2>/dev/null; then have_setcap=1; fi
if command -v setfacl >/dev/null && setfacl -m u:4321:r "$T/usr/lib64/libgreet.so.1" 2>/dev/null; then have_acl=1; fi
touch -d @946684800 "$T/usr/lib64/libgreet.so.1"   # 2000-01-01, older than the epoch below

fingerprint() { sha256sum <"$1" | cut -d' ' -f1; }
declare -A BEFORE
for f in usr/lib64/obj.o usr/lib/modules/fake.ko usr/lib64/libstatic.a usr/bin/script \
         usr/lib/debug/usr/bin/prog.debug usr/bin/prog.dbg usr/bin/truncated \
         usr/bin/.prog.pkgnote-Xy12Z9; do
    BEFORE[$f]=$(fingerprint "$T/$f")
done
host_true=$(fingerprint /usr/bin/true)
want_prog=$(fx_run pie "$T/usr/bin/prog" "")
want_static=$(fx_run static "$T/usr/bin/static-prog" "")
want_lib=$(fx_run shared "$T/usr/lib64/libgreet.so.1" "$runner")
inode_before=$(stat -c %i "$T/usr/bin/prog")

cat >"$WORK/os-release" <<'EOF'
NAME="Fedora Linux"
VERSION_ID=40
ID=fedora
CPE_NAME="cpe:/o:fedoraproject:fedora:40"
EOF
WANT='{"type":"rpm","os":"fedora","osVersion":"40","osCpe":"cpe:/o:fedoraproject:fedora:40","name":"demo","version":"1.0-1.fc40","architecture":"x86_64","vendor":"Example Corp"}'

echo "== stamp -r"
out=$(SOURCE_DATE_EPOCH=1000000000 "$PKGNOTE" stamp -r -v -j 2 --keep-timestamps --no-sync \
    --type rpm --name demo --version 1.0-1.fc40 --arch x86_64 --os-release="$WORK/os-release" \
    --set "vendor=Example Corp" "$T" 2>"$WORK/err")
rc=$?
echo "$out"; cat "$WORK/err"
expect_eq "exit status 4 (the truncated file is not a stampable ELF)" "$rc" 4
expect_eq "one error line, for the truncated file" "$(grep -c '' "$WORK/err")" 1
expect_ok "the error names the truncated file and its program headers" grep -q "usr/bin/truncated: program header table .* lies outside the file" "$WORK/err"
expect_ok "summary line" grep -qx "pkgnote: 3 stamped, 0 unchanged, 9 skipped, 1 failed" <<<"$out"
for reason in "obj.o: skipped: relocatable object" "fake.ko: skipped: relocatable object" \
              "libstatic.a: skipped: static archive" "prog.debug: skipped: separate debug file" \
              "prog.dbg: skipped: separate debug file" "host-true: skipped: symbolic link" \
              "libgreet.so: skipped: symbolic link" \
              ".prog.pkgnote-Xy12Z9: skipped: temporary file of an interrupted pkgnote run"; do
    expect_ok "-v says: $reason" grep -q "$reason" <<<"$out"
done

for f in usr/bin/prog usr/bin/prog-hardlink usr/bin/static-prog usr/lib64/libgreet.so.1; do
    expect_eq "$f: readelf -n shows the JSON built from the fields" "$(note_json "$T/$f")" "$WANT"
    expect_ok "$f: check_page1" check_page1 "$T/$f"
done
expect_eq "prog still runs" "$(fx_run pie "$T/usr/bin/prog" "")" "$want_prog"
expect_eq "static-prog still runs" "$(fx_run static "$T/usr/bin/static-prog" "")" "$want_static"
expect_eq "libgreet still loads" "$(fx_run shared "$T/usr/lib64/libgreet.so.1" "$runner")" "$want_lib"
for f in "${!BEFORE[@]}"; do
    expect_eq "$f untouched" "$(fingerprint "$T/$f")" "${BEFORE[$f]}"
done
expect_eq "the host file behind an absolute symlink is untouched" "$(fingerprint /usr/bin/true)" "$host_true"
expect_eq "host-true is still a symlink" "$(stat -c %F "$T/usr/bin/host-true")" "symbolic link"
expect_eq "libgreet.so is still a symlink to libgreet.so.1" "$(readlink "$T/usr/lib64/libgreet.so")" libgreet.so.1
expect_eq "prog and prog-hardlink are still one file" \
    "$(stat -c %i "$T/usr/bin/prog")" "$(stat -c %i "$T/usr/bin/prog-hardlink")"
expect_ok "that file is a new one (stamped once, then linked)" test "$(stat -c %i "$T/usr/bin/prog")" != "$inode_before"
expect_eq "prog has 2 links" "$(stat -c %h "$T/usr/bin/prog")" 2
expect_eq "owner, group and setuid mode kept" "$(stat -c '%u:%g %a' "$T/usr/bin/static-prog")" "1234:2345 4755"
if ((have_setcap)); then
    expect_ok "file capability kept" grep -q "cap_net_raw" <<<"$(getcap "$T/usr/bin/prog")"
else
    skip "setcap unavailable (libcap2-bin)"
fi
if ((have_acl)); then
    expect_ok "ACL kept" grep -q "user:4321:r--" <<<"$(getfacl -p "$T/usr/lib64/libgreet.so.1" 2>/dev/null)"
else
    skip "setfacl unavailable (acl)"
fi
expect_eq "--keep-timestamps keeps an mtime older than SOURCE_DATE_EPOCH" \
    "$(stat -c %Y "$T/usr/lib64/libgreet.so.1")" 946684800
expect_eq "SOURCE_DATE_EPOCH clamps a newer mtime" "$(stat -c %Y "$T/usr/bin/prog")" 1000000000

echo "== again, -j 1: nothing changes"
rm "$T/usr/bin/truncated"
cp -a "$T" "$WORK/copy"
out=$("$PKGNOTE" stamp -r -j 1 --no-sync --type rpm --name demo --version 1.0-1.fc40 --arch x86_64 \
    --os-release="$WORK/os-release" --set "vendor=Example Corp" "$T")
expect_eq "second run: exit 0" "$?" 0
expect_ok "second run: summary says unchanged" grep -qx "pkgnote: 0 stamped, 3 unchanged, 9 skipped, 0 failed" <<<"$out"
expect_ok "second run: no byte changed" diff -r "$WORK/copy" "$T"

echo "== a file and a symbolic link to it, both named, --follow-symlinks"
mkdir -p "$WORK/sl"
cp "$WORK/b/pie/hello" "$WORK/sl/prog"
ln -s prog "$WORK/sl/link"
ln -s link "$WORK/sl/link2"
# Two workers: each name must not go to a worker of its own.
out=$("$PKGNOTE" stamp -j 2 -v --no-sync --follow-symlinks --type deb --name sl \
    "$WORK/sl/link" "$WORK/sl/prog" "$WORK/sl/link2" 2>"$WORK/err")
expect_eq "file and links: exit 0, no error" "$?:$(cat "$WORK/err")" "0:"
expect_ok "file and links: stamped once, the links skipped" \
    grep -qx "pkgnote: 1 stamped, 0 unchanged, 2 skipped, 0 failed" <<<"$out"
expect_ok "file and links: -v says why" grep -q "sl/link2: skipped: the same file as .*sl/prog" <<<"$out"
expect_eq "file and links: link2 is still a link" "$(readlink "$WORK/sl/link2")" link
expect_eq "file and link: the link is still a link" "$(readlink "$WORK/sl/link")" prog
expect_eq "file and link: the file carries the note" "$(note_json "$WORK/sl/prog")" '{"type":"deb","name":"sl"}'

echo "== --json with fields"
printf '{"type":"deb","name":"orig","version":"1","extra":[1,2]}\n' >"$WORK/base.json"
cp "$WORK/b/pie/hello" "$WORK/combo"
"$PKGNOTE" stamp -q --no-sync --json "$WORK/base.json" --name replaced --set added=yes "$WORK/combo"
expect_eq "fields replace --json's keys in place and add new ones last" "$(note_json "$WORK/combo")" \
    '{"type":"deb","name":"replaced","version":"1","extra":[1,2],"added":"yes"}'
expect_eq "a field value that breaks the rules is refused (exit 3)" \
    "$("$PKGNOTE" stamp -q --json "$WORK/base.json" --set "$(printf 'bad=a\tb')" "$WORK/combo" 2>/dev/null; echo $?)" 3

echo "== check"
out=$("$PKGNOTE" check -r --require name,version,osCpe "$T")
expect_eq "check -r on the stamped tree: exit 0" "$?" 0
cp "$WORK/b/pie/hello" "$T/usr/bin/unstamped"
out=$("$PKGNOTE" check -r --require name,version "$T")
expect_eq "check -r with an unstamped file: exit 1" "$?" 1
expect_ok "check names the unstamped file" grep -q "usr/bin/unstamped: no package note" <<<"$out"
out=$("$PKGNOTE" check -r --require vendor,nosuchkey --json "$T")
expect_eq "check --json: exit 1" "$?" 1
expect_eq "check --json: one record per ELF file (hard links once), problems named" \
    "$(python3 -c '
import json, sys
recs = [json.loads(l) for l in sys.stdin if l.strip()]
bad = sorted((r["path"].split("/")[-1], r["problem"], r["missingKeys"]) for r in recs if not r["ok"])
print(len(recs), bad)' <<<"$out")" \
    "4 [('libgreet.so.1', 'package note lacks required keys', 'nosuchkey'), ('prog', 'package note lacks required keys', 'nosuchkey'), ('static-prog', 'package note lacks required keys', 'nosuchkey'), ('unstamped', 'no package note', None)]"
tl_finish
