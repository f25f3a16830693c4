#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tools/post-install.sh LIBDIR PKGNOTE: the last step of `meson install`
# into the real root (meson skips it when DESTDIR is set).
#
# The dynamic linker finds libraries through its cache, /etc/ld.so.cache, and
# a library new to a directory such as /usr/local/lib/x86_64-linux-gnu is
# only in the cache once ldconfig has run.  Debian's meson 1.0 does not run
# it, so without this step the installed pkgnote (and with it brp-pkgnote in
# every rpmbuild) fails with "libpkgnote.so.0: cannot open shared object
# file".  libtool's install does the same.  An RPATH would also work, but
# distributions strip or reject RPATHs to system directories; the cache is
# the mechanism they use.
#
# Root refreshes the cache.  Then the installed pkgnote must start; if it
# cannot (not root, or LIBDIR is not a directory the dynamic linker searches,
# e.g. a prefix under /opt), the script says why and how to fix it, and fails
# so that meson shows it (meson 1.0 prints an install script's output only
# when it fails).  The files are in place by then.

libdir=$1
pkgnote=$2

if [ "$(id -u)" = 0 ]; then
	if ! ldconfig; then
		echo "post-install: ldconfig failed: $pkgnote may not find libpkgnote.so.0" >&2
		exit 1
	fi
fi

if err=$("$pkgnote" --version 2>&1 >/dev/null); then
	exit 0
fi
echo "post-install: the installed $pkgnote does not start:" >&2
printf '    %s\n' "$err" >&2
if [ "$(id -u)" != 0 ]; then
	echo "post-install: run ldconfig as root, or set LD_LIBRARY_PATH=$libdir" >&2
else
	echo "post-install: $libdir is not searched by the dynamic linker: list it in a file" \
		"of /etc/ld.so.conf.d/ and run ldconfig, or set LD_LIBRARY_PATH=$libdir" >&2
fi
exit 1
