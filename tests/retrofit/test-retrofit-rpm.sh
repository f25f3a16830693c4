#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Retrofit an rpm root: packages built here with rpmbuild (pkgnote's own
# brp hook off: %_pkgnote_enable 0) from two spec files, one with a
# subpackage (pn-greet-libs, whose source rpm is pn-greet's), installed
# into an empty root with rpm --root R --dbpath /var/lib/rpm (--initdb,
# -i --nodeps), then pkgnote stamp --from-rpm R.  Oracles: rpm --root R
# -qf names each file's source rpm, package, version-release and
# architecture: its note (readelf -n) must carry the source rpm's name and
# version-release as name and version, the architecture, the package and
# its version-release as binaryPackage and binaryVersion, and the root's
# osCpe; the programs run; a file no package owns is skipped; rpm -V
# reports the stamped files' digests changed.
#
# Exit: 0 all passed, 1 a check failed, 77 skipped (reason printed).
set -uo pipefail
: "${SOURCE_ROOT:?}"
. "$SOURCE_ROOT/tests/lib/testlib.sh"

tl_need_pkgnote
for tool in rpmbuild rpm readelf cc jq; do
    command -v $tool >/dev/null || { echo "SKIP: $tool is not installed"; exit 77; }
done
tl_setup
F=$SOURCE_ROOT/fixtures
B=$WORK/bin
mkdir -p "$B"
cc -O2 -fPIC -shared -Wl,-soname,libgreet.so.1 -o "$B/libgreet.so.1" "$F/libgreet.c" &&
    cc -O2 -I"$F" -o "$B/greet" "$F/greet-main.c" -L"$B" -l:libgreet.so.1 &&
    cc -O2 -o "$B/hello" "$F/hello.c" || { fail "building the fixtures"; tl_finish; }

# spec NAME VERSION RELEASE FILE...: a binary package of FILEs from $B.
spec() {
    local name=$1 version=$2 release=$3 f
    shift 3
    printf 'Name: %s\nVersion: %s\nRelease: %s\nSummary: pkgnote retrofit test\nLicense: MIT\n' \
        "$name" "$version" "$release"
    printf 'AutoReqProv: no\n%%description\npkgnote retrofit test package.\n%%install\n'
    for f in "$@"; do printf 'install -D -m 755 %s/%s %%{buildroot}%s\n' "$B" "${f##*/}" "$f"; done
    printf '%%files\n'
    printf '%s\n' "$@"
}
{
    spec pn-greet 1.2 3.fc99 /usr/bin/greet /usr/lib64/libgreet.so.1 | sed '/^\/usr\/lib64/d'
    printf '%%package libs\nSummary: the library\n%%description libs\nThe library.\n'
    printf '%%files libs\n/usr/lib64/libgreet.so.1\n'
} >"$WORK/greet.spec"
spec pn-hello 0.5 1 /usr/bin/hello >"$WORK/hello.spec"
for s in greet hello; do
    rpmbuild -bb --quiet --define "_topdir $WORK/top" --define '_pkgnote_enable 0' \
        --define 'debug_package %{nil}' --define '__os_install_post %{nil}' \
        "$WORK/$s.spec" >"$WORK/$s.log" 2>&1 || { fail "rpmbuild $s"; sed 's/^/      | /' "$WORK/$s.log"; tl_finish; }
done
R=$WORK/root
mkdir -p "$R/usr/lib" "$R/usr/local/bin"
rpm --root "$R" --dbpath /var/lib/rpm --initdb &&
    rpm --root "$R" --dbpath /var/lib/rpm -i --nodeps --noscripts "$WORK"/top/RPMS/*/*.rpm ||
    { fail "rpm --root -i"; tl_finish; }
echo "cpe:/o:pkgnote:retrofit-test:1" >"$R/usr/lib/system-release-cpe"
cp "$B/hello" "$R/usr/local/bin/mine"
pass "packages built and installed in $R ($(rpm --root "$R" --dbpath /var/lib/rpm -qa | tr '\n' ' '))"
for f in greet libgreet.so.1 hello; do
    note_json "$B/$f" >/dev/null && fail "rpmbuild stamped $f (the hook is meant to be off)"
done

cp -a "$R" "$WORK/root2"
out=$("$PKGNOTE" stamp --from-rpm "$R" -v 2>"$WORK/err"); rc=$?
expect_eq "stamp --from-rpm exits 0" "$rc" 0 || sed 's/^/      | /' "$WORK/err"
[[ $(tail -n 1 <<<"$out") =~ ^pkgnote:\ 3\ stamped,\ 0\ unchanged,\ [0-9]+\ skipped\ \(1\ owned\ by\ no\ package\),\ 0\ failed$ ]] &&
    pass "summary: 3 stamped, 1 owned by no package" || fail "summary: $(tail -n 1 <<<"$out")"
for f in /usr/bin/greet /usr/lib64/libgreet.so.1 /usr/bin/hello; do
    q=$(rpm --root "$R" --dbpath /var/lib/rpm -qf --qf '%{SOURCERPM}\t%{NAME}\t%{VERSION}-%{RELEASE}\t%{ARCH}' "$f") ||
        { fail "rpm -qf $f"; continue; }
    # The source rpm's file name is NAME-VERSION-RELEASE.src.rpm.
    want=$(IFS=$'\t' read -r srpm n v a <<<"$q"; nvr=${srpm%.src.rpm}
        jq -cn --arg s "${nvr%-*-*}" --arg sv "${nvr#"${nvr%-*-*}"-}" --arg n "$n" --arg v "$v" --arg a "$a" \
        '{type:"rpm",name:$s,version:$sv,architecture:$a,osCpe:"cpe:/o:pkgnote:retrofit-test:1",binaryPackage:$n,binaryVersion:$v}')
    expect_eq "$f carries what rpm -qf says ($q)" "$(note_json "$R$f")" "$want"
done
# --from-packages finds the rpm database by itself and gives the same notes.
out=$("$PKGNOTE" stamp --from-packages "$WORK/root2" -v 2>"$WORK/err2"); rc=$?
expect_eq "stamp --from-packages exits 0" "$rc" 0 || sed 's/^/      | /' "$WORK/err2"
[[ $(tail -n 1 <<<"$out") =~ ^pkgnote:\ 3\ stamped\ \(rpm\ 3\),\ 0\ unchanged,\ [0-9]+\ skipped\ \(1\ owned\ by\ no\ package\),\ 0\ failed$ ]] &&
    pass "--from-packages summary: 3 stamped, all by rpm" || fail "--from-packages summary: $(tail -n 1 <<<"$out")"
grep -q "^$WORK/root2/usr/bin/greet: origin rpm: {\"type\":\"rpm\",\"name\":\"pn-greet\"" <<<"$out" &&
    pass "-v names the origin of each file" || fail "-v origin: $(grep greet <<<"$out")"
for f in /usr/bin/greet /usr/lib64/libgreet.so.1 /usr/bin/hello; do
    cmp -s "$R$f" "$WORK/root2$f" || fail "--from-packages and --from-rpm give different bytes: $f"
done
expect_eq "a subpackage's note names its source rpm's package, and itself as binaryPackage" \
    "$(note_json "$R/usr/lib64/libgreet.so.1" | jq -r '[.name, .version, .binaryPackage, .binaryVersion] | join(" ")')" \
    "pn-greet 1.2-3.fc99 pn-greet-libs 1.2-3.fc99"
note_json "$R/usr/local/bin/mine" >/dev/null && fail "an unowned file was stamped" ||
    pass "an unowned file carries no note"
expect_eq "the stamped program runs with the stamped library" \
    "$(LD_LIBRARY_PATH=$R/usr/lib64 "$R/usr/bin/greet" 2>&1)" "$(LD_LIBRARY_PATH=$B "$B/greet" 2>&1)"
expect_ok "check --from-rpm: the notes agree with the database" "$PKGNOTE" check -r --from-rpm "$R" "$R/usr/bin" "$R/usr/lib64"
# A note naming the subpackage itself (older pkgnote) is accepted too.
"$PKGNOTE" stamp --type rpm --name pn-greet-libs --version 1.2-3.fc99 --arch x86_64 -q "$R/usr/lib64/libgreet.so.1"
expect_ok "check --from-rpm accepts a note naming the binary package" "$PKGNOTE" check --from-rpm "$R" "$R/usr/lib64/libgreet.so.1"
verify=$(rpm --root "$R" --dbpath /var/lib/rpm -V pn-greet 2>&1)
grep -Eq '^S?\.?[.S]*5.* /usr/bin/greet$' <<<"$verify" &&
    pass "rpm -V reports greet's digest changed (as doc/retrofit.md says)" ||
    fail "rpm -V pn-greet: $verify"
tl_finish
