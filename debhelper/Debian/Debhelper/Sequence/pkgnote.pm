# SPDX-License-Identifier: LGPL-2.1-or-later
#
# dh sequence addon "pkgnote": runs dh_pkgnote once the files are in
# debian/<package>/ (after dh_missing) and before dh_dwz and dh_strip, so
# that the -dbgsym packages are split from the stamped files.  Enabled by
# "Build-Depends: dh-sequence-pkgnote" or "dh $@ --with pkgnote".

use strict;
use warnings;

# dh_dwz runs first of the ELF tools (before dh_strip) from compat 12 on;
# before that it is only there with the dwz addon.  A source package with
# no architecture-dependent binary package may have neither.
insert_before('dh_dwz', 'dh_pkgnote')
	or insert_before('dh_strip', 'dh_pkgnote')
	or insert_after('dh_missing', 'dh_pkgnote');

1;
