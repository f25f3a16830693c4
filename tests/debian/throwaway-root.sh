#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# throwaway-root.sh XCHG SCRIPT: run XCHG/SCRIPT with /bin/sh, as root, in
# a chroot of a throwaway copy of this machine's root filesystem, with XCHG
# (a directory) seen there as /xchg.
#
# The copy is an overlay: this machine's / below, an upper directory on a
# tmpfs above, mounted in a private mount namespace (unshare -m) together
# with a fresh /proc and this machine's /dev.  Whatever the script changes
# (dpkg -i, dpkg --purge, its database, ldconfig's cache) lands in the
# tmpfs, and all of it goes away with the namespace: the machine itself is
# never changed, and a package installs against the machine's own dpkg
# database and libraries, with no download.  Only XCHG is shared.
#
# Exit: the script's status; 77 (with the reason) when this cannot be done
# here (not root, no unshare, no overlay file system).

set -u

xchg=${1:?usage: throwaway-root.sh XCHG SCRIPT}
script=${2:?usage: throwaway-root.sh XCHG SCRIPT}

if [[ $(id -u) != 0 ]]; then
    echo "skip: a throwaway root needs root (chroot, mounts)"
    exit 77
fi
if ! command -v unshare >/dev/null 2>&1 || ! unshare -m true 2>/dev/null; then
    echo "skip: no private mount namespace here (unshare -m)"
    exit 77
fi
if ! grep -qw overlay /proc/filesystems && ! modprobe overlay 2>/dev/null; then
    echo "skip: the kernel has no overlay file system"
    exit 77
fi
xchg=$(realpath -- "$xchg") || exit 1
mkdir -p "$xchg/.mnt" || exit 1

# shellcheck disable=SC2016  # $1 and $2 are the inner shell's
unshare -m --propagation private bash -c '
    set -eu
    x=$1 m=$1/.mnt
    mount -t tmpfs -o mode=0755 pkgnote-throwaway "$m"
    mkdir "$m/upper" "$m/work" "$m/root"
    if ! mount -t overlay pkgnote-throwaway \
        -o "lowerdir=/,upperdir=$m/upper,workdir=$m/work" "$m/root"; then
        echo "skip: cannot mount an overlay of / here"
        exit 77
    fi
    mount -t proc proc "$m/root/proc"
    mount --bind /dev "$m/root/dev"
    mkdir -p "$m/root/xchg"
    mount --bind "$x" "$m/root/xchg"
    exec chroot "$m/root" /bin/sh "/xchg/$2"
' throwaway-root "$xchg" "$script"
