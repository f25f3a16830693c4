# shellcheck shell=bash
# The origins suite's image root: one file of every origin pkgnote names,
# each with the record its own tool writes beside it (source it; needs
# SOURCE_ROOT, BUILD_ROOT and testlib.sh).
#   or_npm_app          print a directory holding the pinned npm application
#                       (fixtures/origins/npm-app, `npm ci --ignore-scripts`),
#                       installed once per build directory; 1 with the reason
#                       on stderr when the registry cannot be reached
#   or_wheel            print the fixture wheel's path (built once, offline)
#   or_is_elf FILE      FILE is an ELF file
#   or_make_root ROOT [NPM_APP]
#                       make ROOT (see below); fills OR_EXPECT (relative path
#                       -> the note's compact JSON; "" for none) and
#                       OR_MAP (the --origins file); OR_REFUSED lists the
#                       files pkgnote refuses (relative paths)
#
# ROOT: merged /usr, Debian's os-release, the host's loader and libc and a
# fixture program, all listed by a small dpkg database (so programs run in
# a chroot); a Debian python3 package whose module a pip RECORD also lists
# (the OS record wins); a wheel installed with pip --target; an egg-info
# install; a conda prefix; a vendor tree under /opt named by the map; the
# npm application when given (its packages and its own addon); a file no
# record names; records that must not be trusted (_or_bad).

OR_FIXTURES=$SOURCE_ROOT/fixtures/origins
OR_CACHE=${PKGNOTE_ORIGINS_CACHE:-${BUILD_ROOT:?}/origins-cache}
OR_PY=/usr/bin/python3          # Debian's, not a version manager's
declare -gA OR_EXPECT=()
OR_REFUSED=()

or_npm_app() {
    local dir=$OR_CACHE/npm key
    key=$(cat "$OR_FIXTURES"/npm-app/package*.json | sha256sum | cut -c1-16)
    command -v npm >/dev/null || { echo "npm is not installed" >&2; return 1; }
    mkdir -p "$dir" || return 1
    (
        flock 9
        [[ -d $dir/$key/node_modules ]] && exit 0
        rm -rf "$dir/$key.tmp" && mkdir -p "$dir/$key.tmp" || exit 1
        cp "$OR_FIXTURES"/npm-app/package*.json "$dir/$key.tmp/"
        if ! (cd "$dir/$key.tmp" && timeout 600 npm ci --ignore-scripts --no-audit --no-fund \
                --cache "$dir/cache" >"$dir/npm.log" 2>&1); then
            echo "the npm registry cannot be reached (npm ci failed; log: $dir/npm.log):" >&2
            tail -2 "$dir/npm.log" >&2
            exit 1
        fi
        mv "$dir/$key.tmp" "$dir/$key"
    ) 9>"$dir/lock" || return 1
    echo "$dir/$key"
}

or_wheel() {
    local dir=$OR_CACHE/wheel
    mkdir -p "$dir" || return 1
    (
        flock 9
        compgen -G "$dir/*.whl" >/dev/null && exit 0
        rm -rf "$dir/src" && cp -a "$OR_FIXTURES/pydemo" "$dir/src" || exit 1
        # Offline, with Debian's setuptools and wheel: no build isolation.
        if ! SETUPTOOLS_USE_DISTUTILS=stdlib PIP_NO_INDEX=1 "$OR_PY" -m pip wheel --no-deps \
                --no-build-isolation --no-index -w "$dir" "$dir/src" >"$dir/pip.log" 2>&1; then
            echo "pip wheel failed (log: $dir/pip.log):" >&2
            tail -3 "$dir/pip.log" >&2
            exit 1
        fi
    ) 9>"$dir/lock" || return 1
    compgen -G "$dir/*.whl" | head -1
}

# or_is_elf FILE: FILE starts with ELF's magic (no process started: the
# test looks at every file of the root).
or_is_elf() {
    local magic=
    LC_ALL=C read -r -N4 magic <"$1" 2>/dev/null
    [[ $magic == $'\x7fELF' ]]
}

_or_deb() { printf '{"type":"deb","os":"debian","osVersion":"12","name":"%s","version":"%s","architecture":"amd64","binaryPackage":"%s","binaryVersion":"%s"}' "$1" "$2" "$1" "$2"; }
_or_pkg() { printf '{"type":"%s","name":"%s","version":"%s"}' "$1" "$2" "$3"; }

# _or_dpkg ROOT PACKAGE VERSION MULTIARCH PATH...: a dpkg status stanza and list.
_or_dpkg() {
    local root=$1 pkg=$2 ver=$3 ma=$4 list p
    shift 4
    printf 'Package: %s\nStatus: install ok installed\nArchitecture: amd64\n%sVersion: %s\n\n' \
        "$pkg" "${ma:+Multi-Arch: $ma$'\n'}" "$ver" >>"$root/var/lib/dpkg/status"
    list=$root/var/lib/dpkg/info/$pkg${ma:+:amd64}.list
    for p in "$@"; do
        echo "$p" >>"$list"
        OR_EXPECT[${p#/}]=$(_or_deb "$pkg" "$ver")
    done
}

_or_os() {
    local r=$1 lib
    mkdir -p "$r"/usr/{bin,lib/x86_64-linux-gnu,lib64} "$r"/var/lib/dpkg/info "$r"/etc
    ln -s usr/bin "$r/bin"; ln -s usr/lib "$r/lib"; ln -s usr/lib64 "$r/lib64"
    printf 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n' \
        >"$r/usr/lib/os-release"
    ln -s ../usr/lib/os-release "$r/etc/os-release"
    for lib in libc.so.6 libm.so.6 ld-linux-x86-64.so.2; do
        cp -L "/usr/lib/x86_64-linux-gnu/$lib" "$r/usr/lib/x86_64-linux-gnu/$lib"
    done
    ln -s ../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$r/usr/lib64/ld-linux-x86-64.so.2"
    : >"$r/var/lib/dpkg/status"
    _or_dpkg "$r" libc6 2.36-9+deb12u9 same /lib/x86_64-linux-gnu/libc.so.6 \
        /lib/x86_64-linux-gnu/libm.so.6 /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2
    # dpkg names the files by their /lib paths: merged /usr makes them
    # /usr/lib's, which is what the notes are checked under.
    local k
    for k in libc.so.6 libm.so.6 ld-linux-x86-64.so.2; do
        OR_EXPECT[usr/lib/x86_64-linux-gnu/$k]=${OR_EXPECT[lib/x86_64-linux-gnu/$k]}
        unset "OR_EXPECT[lib/x86_64-linux-gnu/$k]"
    done
    gcc -O2 -o "$r/usr/bin/hello" "$SOURCE_ROOT/fixtures/hello.c" || return 1
    _or_dpkg "$r" hello-fixture 1.0-1 "" /usr/bin/hello
}

# _or_pyext OUT: the fixture's extension module compiled without setuptools.
_or_pyext() {
    gcc -shared -fPIC -O2 $("$OR_PY-config" --includes) -o "$1" \
        "$OR_FIXTURES/pydemo/src/pkgnote_pydemo/_speed.c"
}

_or_python() {
    local r=$1 wheel=$2 suffix site dist
    suffix=$("$OR_PY" -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')
    # A Debian python3-* package: dpkg and a RECORD both list its module.
    dist=$r/usr/lib/python3/dist-packages
    mkdir -p "$dist/debdemo" "$dist/debdemo-1.0.dist-info"
    _or_pyext "$dist/debdemo/_speed$suffix" || return 1
    printf 'Metadata-Version: 2.1\nName: debdemo\nVersion: 1.0\n' >"$dist/debdemo-1.0.dist-info/METADATA"
    printf 'debdemo/_speed%s,,\n' "$suffix" >"$dist/debdemo-1.0.dist-info/RECORD"
    _or_dpkg "$r" python3-debdemo 1.0-2 "" "/usr/lib/python3/dist-packages/debdemo/_speed$suffix"
    # The wheel, as pip installs it (--target: an application's own directory).
    site=$r/opt/pyapp/site
    SETUPTOOLS_USE_DISTUTILS=stdlib PYTHONDONTWRITEBYTECODE=1 "$OR_PY" -m pip install -q \
        --no-index --no-deps --no-compile --target "$site" "$wheel" 2>/dev/null || return 1
    OR_EXPECT[opt/pyapp/site/pkgnote_pydemo/_speed$suffix]=$(_or_pkg pypi pkgnote-pydemo 1.2.3)
    # setuptools' older layout: NAME.egg-info with installed-files.txt.
    site=$r/usr/local/lib/python3.11/dist-packages
    mkdir -p "$site/pkgnote_eggdemo" "$site/pkgnote_eggdemo-0.9-py3.11.egg-info"
    _or_pyext "$site/pkgnote_eggdemo/_speed$suffix" || return 1
    cp "$OR_FIXTURES/pydemo/src/pkgnote_pydemo/__init__.py" "$site/pkgnote_eggdemo/"
    printf 'Metadata-Version: 1.1\nName: pkgnote-eggdemo\nVersion: 0.9\n' \
        >"$site/pkgnote_eggdemo-0.9-py3.11.egg-info/PKG-INFO"
    printf '../pkgnote_eggdemo/__init__.py\n../pkgnote_eggdemo/_speed%s\nPKG-INFO\n' "$suffix" \
        >"$site/pkgnote_eggdemo-0.9-py3.11.egg-info/installed-files.txt"
    OR_EXPECT[usr/local/lib/python3.11/dist-packages/pkgnote_eggdemo/_speed$suffix]=$(_or_pkg pypi pkgnote-eggdemo 0.9)
}

# _or_greet ROOT DIR: ROOT/DIR/lib/libgreet.so.1 and ROOT/DIR/bin/greet
# finding it through its run path, DIR/lib (absolute: a chroot without /proc
# has no $ORIGIN).
_or_greet() {
    local inroot=$2
    set -- "$1$2"
    mkdir -p "$1/lib" "$1/bin"
    gcc -shared -fPIC -O2 -Wl,-soname,libgreet.so.1 -I"$SOURCE_ROOT/fixtures" \
        -o "$1/lib/libgreet.so.1" "$SOURCE_ROOT/fixtures/libgreet.c" || return 1
    ln -sf libgreet.so.1 "$1/lib/libgreet.so"
    gcc -O2 -I"$SOURCE_ROOT/fixtures" -o "$1/bin/greet" "$SOURCE_ROOT/fixtures/greet-main.c" \
        -L"$1/lib" -lgreet -Wl,-rpath,"$inroot/lib"
}

_or_conda() {
    local p=$1/opt/conda
    _or_greet "$1" /opt/conda || return 1
    mkdir -p "$p/conda-meta"
    printf 'conda-meta/history\n' >"$p/conda-meta/history"
    # conda's layout: NAME-VERSION-BUILD.json, files relative to the prefix.
    cat >"$p/conda-meta/greet-1.0-h1234567_0.json" <<'JSON'
{
  "build": "h1234567_0",
  "build_number": 0,
  "channel": "https://conda.anaconda.org/conda-forge/linux-64",
  "depends": ["libgcc-ng >=12"],
  "files": ["bin/greet", "lib/libgreet.so", "lib/libgreet.so.1"],
  "license": "LGPL-2.1-or-later",
  "name": "greet",
  "subdir": "linux-64",
  "version": "1.0"
}
JSON
    local c='{"type":"conda","name":"greet","version":"1.0","build":"h1234567_0","subdir":"linux-64"}'
    OR_EXPECT[opt/conda/bin/greet]=$c
    OR_EXPECT[opt/conda/lib/libgreet.so.1]=$c
}

_or_vendor() {
    local r=$1
    _or_greet "$r" /opt/vendor || return 1
    gcc -O2 -o "$r/opt/vendor/bin/helper" "$SOURCE_ROOT/fixtures/hello.c" || return 1
    OR_MAP=$r.origins.json
    cat >"$OR_MAP" <<'JSON'
{
  "/opt/vendor/**": {"type": "generic", "name": "vendor-suite", "version": "2.1"},
  "/opt/vendor/bin/helper": {"type": "generic", "name": "vendor-helper", "version": "2.1.1"},
  "/opt/*/share/**": {"type": "generic", "name": "never-matches", "version": "0"}
}
JSON
    OR_EXPECT[opt/vendor/bin/greet]=$(_or_pkg generic vendor-suite 2.1)
    OR_EXPECT[opt/vendor/lib/libgreet.so.1]=$(_or_pkg generic vendor-suite 2.1)
    OR_EXPECT[opt/vendor/bin/helper]=$(_or_pkg generic vendor-helper 2.1.1)
}

# _or_npm ROOT APP: the application at /app, its own addon in build/Release.
_or_npm() {
    local r=$1 app=$2 f pj dir
    mkdir -p "$r/app/build/Release"
    cp -a "$app/package.json" "$app/package-lock.json" "$app/node_modules" "$r/app/"
    gcc -shared -fPIC -O2 -I/usr/include/node -DNODE_GYP_MODULE_NAME=own \
        -o "$r/app/build/Release/own.node" "$OR_FIXTURES/own-addon.c" || return 1
    OR_EXPECT[app/build/Release/own.node]=$(_or_pkg npm origins-app 1.0.0)
    # Every ELF file of node_modules: its nearest package.json's name and version.
    while IFS= read -r f; do
        dir=${f%/*}
        while [[ ! -f $dir/package.json ]] || ! pj=$(jq -ce 'select((.name|type)=="string" and (.version|type)=="string") | {type:"npm",name,version}' "$dir/package.json" 2>/dev/null); do
            dir=${dir%/*}
        done
        OR_EXPECT[${f#"$r"/}]=$pj
        # sharp's libvips: page 1 holds .init and .plt code right after the
        # program headers; no layout frees room without relinking.
        if [[ $f == */libvips-cpp.so.* ]]; then
            OR_EXPECT[${f#"$r"/}]=""
            OR_REFUSED+=("${f#"$r"/}")
        fi
    done < <(find "$r/app/node_modules" -type f | while IFS= read -r f; do or_is_elf "$f" && echo "$f"; done)
}

# _or_unowned ROOT: a program no record names.
_or_unowned() {
    mkdir -p "$1/srv/misc"
    gcc -O2 -o "$1/srv/misc/stray" "$SOURCE_ROOT/fixtures/hello.c"
    OR_EXPECT[srv/misc/stray]=""
}

# _or_bad ROOT: records pkgnote must not trust, under /opt/bad and in the
# conda prefix; OR_WARN lists what each warning says (once each).
_or_bad() {
    local b=$1/opt/bad/py d
    mkdir -p "$b/twin"
    for d in climb-1 evil-1 huge-1 twina-1 twinb-2; do
        mkdir -p "$b/$d.dist-info"
        printf 'Name: %s\nVersion: %s\n' "${d%-*}" "${d##*-}" >"$b/$d.dist-info/METADATA"
    done
    echo '../../../../../../etc/passwd,,' >"$b/climb-1.dist-info/RECORD"
    ln -s /usr/lib "$b/evil"
    echo 'evil/x86_64-linux-gnu/libc.so.6,,' >"$b/evil-1.dist-info/RECORD"
    truncate -s 17M "$b/huge-1.dist-info/RECORD"
    echo 'twin/_twin.so,,' | tee "$b/twina-1.dist-info/RECORD" >"$b/twinb-2.dist-info/RECORD"
    cp "$1/opt/conda/lib/libgreet.so.1" "$b/twin/_twin.so"
    OR_EXPECT[opt/bad/py/twin/_twin.so]=""
    b=$1/opt/bad/js
    mkdir -p "$b/node_modules/broken" "$b/node_modules/noversion"
    echo '{"name": "bad-js-app", "version": "0.1.0"}' >"$b/package.json"
    echo '{oops' >"$b/node_modules/broken/package.json"
    echo '{"name": "noversion"}' >"$b/node_modules/noversion/package.json"
    cp "$1/opt/conda/lib/libgreet.so.1" "$b/node_modules/broken/broken.node"
    cp "$1/opt/conda/lib/libgreet.so.1" "$b/node_modules/noversion/nv.node"
    OR_EXPECT[opt/bad/js/node_modules/broken/broken.node]=$(_or_pkg npm bad-js-app 0.1.0)
    OR_EXPECT[opt/bad/js/node_modules/noversion/nv.node]=$(_or_pkg npm bad-js-app 0.1.0)
    echo '{' >"$1/opt/conda/conda-meta/broken-1-0.json"
    OR_WARN=(
        "climb-1.dist-info/RECORD: line 1: ../../../../../../etc/passwd leads out of ROOT"
        "evil-1.dist-info/RECORD: line 1: evil/x86_64-linux-gnu/libc.so.6 passes through a symbolic link to an absolute path"
        "huge-1.dist-info/RECORD: larger than 16 MiB, not read"
        "broken/package.json: not a JSON object ("
        "noversion/package.json: lacks a string name or version; looking further up"
        "conda-meta/broken-1-0.json: not a JSON object (ends inside a JSON value)"
    )
}

or_make_root() {
    local root=$1 app=${2:-} wheel
    OR_EXPECT=()
    OR_REFUSED=()
    wheel=$(or_wheel) || return 1
    mkdir -p "$root" && _or_os "$root" && _or_python "$root" "$wheel" && _or_conda "$root" &&
        _or_vendor "$root" && _or_unowned "$root" && _or_bad "$root" || return 1
    [[ -z $app ]] || _or_npm "$root" "$app"
}
