# shellcheck shell=bash
# A real Debian 12 root for tests, made once per build directory and kept
# as a tarball: mmdebstrap --variant=minbase from the machine's own apt
# sources, with perl-base, apt and libc6:i386 (Multi-Arch: two libc6).
#   debroot_tarball     print the tarball's path (make it first if needed;
#                       parallel tests wait for one another on a lock)
#   debroot_unpack DIR  unpack it into DIR (a new directory)
# Kept in $PKGNOTE_DEBROOT_CACHE (default BUILD_ROOT/debroot; .ci/run
# shares one between its builds).  Returns 1 with the reason on stderr when it cannot be
# made (no mmdebstrap, no mirror, not root): the caller skips.

DEBROOT_INCLUDE=${DEBROOT_INCLUDE:-perl-base,apt,libc6:i386}

# The machine's sources (deb822 or one-line), else Debian's mirror.
_debroot_sources() {
    local f
    for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do
        [[ -s $f ]] && { echo "$f"; return; }
    done
    echo "deb http://deb.debian.org/debian bookworm main"
}

debroot_tarball() {
    local dir=${PKGNOTE_DEBROOT_CACHE:-${BUILD_ROOT:?}/debroot} tar
    tar=$dir/bookworm-minbase.tar
    command -v mmdebstrap >/dev/null || { echo "mmdebstrap is not installed" >&2; return 1; }
    ((EUID == 0)) || { echo "making a Debian root needs root" >&2; return 1; }
    mkdir -p "$dir" || return 1
    (
        flock 9
        [[ -s $tar ]] && exit 0
        if ! nice mmdebstrap --quiet --variant=minbase --architectures=amd64,i386 \
                --include="$DEBROOT_INCLUDE" --mode=root --format=tar \
                bookworm "$tar.tmp" "$(_debroot_sources)" >"$dir/mmdebstrap.log" 2>&1; then
            echo "mmdebstrap failed (log: $dir/mmdebstrap.log):" >&2
            tail -3 "$dir/mmdebstrap.log" >&2
            rm -f "$tar.tmp"
            exit 1
        fi
        mv "$tar.tmp" "$tar"
    ) 9>"$dir/lock" || return 1
    echo "$tar"
}

debroot_unpack() {
    local tar
    tar=$(debroot_tarball) || return 1
    mkdir "$1" && tar -C "$1" -xf "$tar"
}
