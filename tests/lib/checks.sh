# shellcheck shell=bash
# Oracles for pkgnote's output, built on binutils and elfutils only (never on
# pkgnote itself).  Source this file from bash:  . tests/lib/checks.sh
#
#   check_page1 FILE [PAGESIZE]    page-1 rule of doc/design.md §2 (readelf only)
#   note_json FILE                 the JSON of each FDO package note (readelf -n)
#   segment_note_json FILE         the same, read through the PT_NOTE segments
#   check_page1_many FILE...       check_page1 of many files, few processes
#   segment_note_json_many FILE... segment_note_json of many, "FILE<TAB>JSON"
#   note_descsz FILE               n_descsz of each FDO package note, decimal
#   package_note_count FILE        number of FDO package notes (readelf -n)
#   note_payload_hex FILE          hex bytes of section .note.package (objdump -s)
#   sections_keep_bytes IN OUT     every allocated section of IN but .dynamic
#                                  and .note.package has its bytes in OUT
#   elflint_new_complaints IN OUT  eu-elflint --gnu-ld lines OUT has and IN lacks
#
# Functions return 0 on success.  check_page1 prints nothing when the file
# passes and one line per problem on stderr ("check_page1: FILE: reason")
# when it does not.
#
# About notes in a PT_NOTE of alignment 8: readelf (like the gABI) walks such
# a segment with 8-byte note alignment.  mold 1.10 puts the 4-aligned
# .note.package into the 8-aligned PT_NOTE of .note.gnu.property, where that
# walk misreads it (libelf's ELF_T_NHDR walk, as systemd uses, does not).
# check_page1 is strict by default; CHECK_PAGE1_NOTE_ALIGN=4 in the
# environment makes it walk every PT_NOTE with 4-byte alignment instead, which
# accepts mold's layout.

# -- helpers -----------------------------------------------------------------

# checks.pl, beside this file, does the byte work and the bookkeeping in one
# process per call (readelf and eu-elflint stay the oracles).
_PN_CHECKS_PL=${BASH_SOURCE[0]%/*}/checks.pl
[[ ${BASH_SOURCE[0]} == */* ]] || _PN_CHECKS_PL=checks.pl
[[ $_PN_CHECKS_PL == /* ]] || _PN_CHECKS_PL=$PWD/$_PN_CHECKS_PL

# _pn_segment_view SRC DST: copy SRC to DST with the section header table
# hidden (e_shoff, e_shnum, e_shstrndx zeroed), so that readelf -n walks the
# PT_NOTE segments instead of the SHT_NOTE sections.  With ALIGN4 set to 1,
# every PT_NOTE's p_align is also set to 4 (see the header comment).
_pn_segment_view() {
    perl "$_PN_CHECKS_PL" view "$1" "$2" "${ALIGN4:-0}"
}

# _pn_tmpdir: a private scratch directory (path on stdout).
_pn_tmpdir() {
    mktemp -d "${TMPDIR:-/tmp}/pkgnote-checks.XXXXXX"
}

# _pn_notes_json: filter readelf -n output down to the package JSON texts.
_pn_notes_json() {
    sed -n 's/^    Packaging Metadata: //p'
}

# -- check_page1 -------------------------------------------------------------

# check_page1 FILE [PAGESIZE]
# Using readelf only, verify doc/design.md §2 on FILE:
#  - the whole program header table lies within the first PAGESIZE bytes and
#    within the file part of the PT_LOAD of p_offset 0;
#  - a PT_PHDR, if any, describes that table exactly;
#  - walking the PT_NOTE segments (section headers hidden from readelf), at
#    least one note is owner FDO, type 0xcafe1a7e (FDO_PACKAGING_METADATA);
#  - every PT_NOTE holding such a note lies entirely within the first PAGESIZE
#    bytes and inside the PT_LOAD with p_offset 0 (within its p_filesz), and
#    is mapped where that PT_LOAD puts those file bytes (p_vaddr matches).
check_page1() {
    CHECK_PAGE1_NOTE_ALIGN=${CHECK_PAGE1_NOTE_ALIGN:-} perl "$_PN_CHECKS_PL" page1 "$1" "$((${2:-4096}))"
}

# -- reading the note --------------------------------------------------------

# note_json FILE: print the JSON text of every FDO package note readelf -n
# shows (its section view; readelf falls back to the segments when FILE has
# no note sections), one per line.  Returns 1 when there is none.
note_json() {
    local out
    out=$(LC_ALL=C readelf -n -- "$1" 2>/dev/null | _pn_notes_json)
    [[ -n $out ]] || return 1
    printf '%s\n' "$out"
}

# segment_note_json FILE: the same, walking the PT_NOTE segments (section
# headers hidden from readelf; CHECK_PAGE1_NOTE_ALIGN=4 as for check_page1).
segment_note_json() {
    CHECK_PAGE1_NOTE_ALIGN=${CHECK_PAGE1_NOTE_ALIGN:-} perl "$_PN_CHECKS_PL" segjson "$1"
}

# -- many files at once ------------------------------------------------------
# The same checks for a suite with hundreds of files: a few processes for
# all of them instead of a dozen per file.  They walk the PT_NOTEs with the
# default note alignment (CHECK_PAGE1_NOTE_ALIGN is not heeded).

# _PN_AWK_HEX: the awk function num(): a 0x... (or decimal) string as a
# number, signed as check_page1's $((...)) reads it (mawk has no strtonum).
_PN_AWK_HEX='function num(s,   i, c, v) {
        if (s !~ /^0[xX]/) return s + 0
        v = 0
        for (i = 3; i <= length(s); i++) {
            c = index("0123456789abcdef", tolower(substr(s, i, 1)))
            if (c == 0) break
            v = v * 16 + c - 1
        }
        # As bash reads it: 64 bits, signed.
        if (v >= 9223372036854775808) v -= 18446744073709551616
        return v
    }'

# _pn_views_many DIR FILE...: DIR/N is FILE number N's segment view (as
# _pn_segment_view makes it); none for a FILE that is not ELF.  One perl
# process (perl-base is essential in Debian).
_pn_views_many() {
    local dir=$1
    shift
    perl -e 'my $d = shift; my $i = 0;
        for my $f (@ARGV) {
            $i++;
            open(my $in, "<:raw", $f) or next;
            local $/; my $b = <$in>; close $in;
            next if length($b) < 64;
            my $c = ord(substr($b, 4, 1));
            if ($c == 1) { substr($b, 32, 4) = "\0" x 4; substr($b, 48, 4) = "\0" x 4 }
            elsif ($c == 2) { substr($b, 40, 8) = "\0" x 8; substr($b, 60, 4) = "\0" x 4 }
            else { next }
            open(my $o, ">:raw", "$d/$i") or die "$d/$i: $!"; print $o $b; close $o;
        }' "$dir" "$@"
}

# _pn_view_notes_many DIR N: readelf -n of DIR/1..DIR/N (those that exist),
# each file's part led by "File: DIR/I".
_pn_view_notes_many() {
    local dir=$1 n=$2 i views=()
    for ((i = 1; i <= n; i++)); do [[ -e $dir/$i ]] && views+=("$dir/$i"); done
    ((${#views[@]})) || return 0
    # With one file readelf names none: name it here.
    ((${#views[@]} == 1)) && echo "File: ${views[0]}"
    LC_ALL=C readelf -n -- "${views[@]}" 2>"$dir/err"
}

# check_page1_many FILE...: check_page1 (page 4096) on each FILE; prints
# each problem as check_page1 does, "check_page1: FILE: reason", but on
# stdout.  Returns 1 when there is any.
check_page1_many() {
    local tmp rc
    tmp=$(_pn_tmpdir) || return 1
    _pn_views_many "$tmp" "$@"
    {
        { (($# == 1)) && echo "File: $1"; LC_ALL=C readelf -hlW -- "$@" 2>/dev/null; } | sed 's/^/H /'
        _pn_view_notes_many "$tmp" "$#" | sed 's/^/N /'
    } | awk -v page=4096 -v tmp="$tmp" -v n="$#" "$_PN_AWK_HEX"'
        function fail(f, msg) { print "check_page1: " f ": " msg; bad = 1 }
        BEGIN { for (i = 1; i < ARGC; i++) { name[i] = ARGV[i]; idx[ARGV[i]] = i }; ARGC = 1 }
        # readelf -hlW: "File: F" leads each file when there are several.
        /^H File: / { cur = idx[substr($0, 9)]; inph = 0; next }
        /^H / {
            line = substr($0, 3)
            if (line ~ /Start of program headers:/) { split(line, a, ":"); split(a[2], b, " "); phoff[cur] = b[1] + 0 }
            if (line ~ /Size of program headers:/) { split(line, a, ":"); split(a[2], b, " "); phent[cur] = b[1] + 0 }
            if (line ~ /Number of program headers:/) { split(line, a, ":"); split(a[2], b, " "); phnum[cur] = b[1] + 0; hasnum[cur] = 1 }
            if (line ~ /^Program Headers:/) { inph = 1; next }
            if (inph && line ~ /^ *$/) inph = 0
            split(line, w, " ")
            if (inph && w[2] ~ /^0x/) { k = ++nph[cur]; ptype[cur, k] = w[1]; poff[cur, k] = num(w[2]); pvad[cur, k] = num(w[3]); pfsz[cur, k] = num(w[5]) }
            next
        }
        # readelf -n of the views: "File: TMP/I".
        /^N File: / { v = substr($0, 9); sub(/.*\//, "", v); cur = v + 0; viewed[cur] = 1; next }
        /^N / {
            split(substr($0, 3), w, " ")
            if (substr($0, 3) ~ /^Displaying notes found at file offset/) { o = w[7]; l = w[10]; sub(/:$/, "", l); next }
            if (w[1] == "FDO" && w[3] == "FDO_PACKAGING_METADATA" && !seen[cur, o, l]++) { k = ++nseg[cur]; so[cur, k] = num(o); sl[cur, k] = num(l) }
            next
        }
        END {
            for (i = 1; i <= n; i++) {
                f = name[i]
                if (!hasnum[i] || phnum[i] == 0) { fail(f, "no program headers"); continue }
                phend = phoff[i] + phnum[i] * phent[i]
                if (phend > page) fail(f, "program header table [" phoff[i] ", " phend ") ends past the first " page " bytes")
                l0 = 0; lv = 0; lf = 0
                for (k = 1; k <= nph[i]; k++) {
                    if (ptype[i, k] == "LOAD" && poff[i, k] == 0 && !l0) { l0 = 1; lv = pvad[i, k]; lf = pfsz[i, k] }
                    if (ptype[i, k] == "PHDR" && (poff[i, k] != phoff[i] || pfsz[i, k] != phnum[i] * phent[i]))
                        fail(f, "PT_PHDR (offset " poff[i, k] ", size " pfsz[i, k] ") does not match e_phoff " phoff[i] ", " phnum[i] " entries of " phent[i])
                }
                if (!l0) fail(f, "no PT_LOAD with p_offset 0")
                else if (phend > lf) fail(f, "program header table ends at " phend ", past the PT_LOAD of offset 0 (p_filesz " lf ")")
                if (!viewed[i]) { fail(f, "cannot make a segment view (not ELF?)"); continue }
                for (s = 1; s <= nseg[i]; s++) {
                    st = so[i, s]; e = st + sl[i, s]; pv = ""
                    if (e > page) fail(f, "PT_NOTE with the package note [" st ", " e ") ends past the first " page " bytes")
                    if (e > lf) fail(f, "PT_NOTE with the package note [" st ", " e ") is not inside the PT_LOAD of offset 0 (p_filesz " lf ")")
                    for (k = 1; k <= nph[i]; k++)
                        if (ptype[i, k] == "NOTE" && poff[i, k] == st && pfsz[i, k] == sl[i, s]) { pv = pvad[i, k]; break }
                    if (pv == "") fail(f, "no PT_NOTE program header at offset " st ", size " sl[i, s])
                    else if (pv != lv + st) fail(f, "PT_NOTE at offset " st " has p_vaddr " sprintf("%#x", pv) ", but the first PT_LOAD maps that offset at " sprintf("%#x", lv + st))
                }
                if (!nseg[i]) fail(f, "no PT_NOTE segment holds an FDO_PACKAGING_METADATA note (owner FDO, type 0xcafe1a7e)")
            }
            exit bad
        }' "$@"
    rc=$?
    rm -rf "$tmp"
    return $rc
}

# segment_note_json_many FILE...: segment_note_json of each FILE, as lines
# "FILE<TAB>JSON" (none for a FILE without a package note).
segment_note_json_many() {
    local tmp
    tmp=$(_pn_tmpdir) || return 1
    _pn_views_many "$tmp" "$@"
    _pn_view_notes_many "$tmp" "$#" | awk '
        BEGIN { for (i = 1; i < ARGC; i++) name[i] = ARGV[i]; ARGC = 1 }
        /^File: / { v = substr($0, 7); sub(/.*\//, "", v); cur = v + 0; next }
        sub(/^    Packaging Metadata: /, "") { print name[cur] "\t" $0 }' "$@"
    rm -rf "$tmp"
}

# note_descsz FILE: n_descsz (decimal) of every FDO package note, one a line.
note_descsz() {
    local out n
    out=$(LC_ALL=C readelf -n -- "$1" 2>/dev/null |
        awk '$1 == "FDO" && $3 == "FDO_PACKAGING_METADATA" { print $2 }')
    [[ -n $out ]] || return 1
    for n in $out; do echo $((n)); done
}

# package_note_count FILE: how many FDO package notes readelf -n shows.
package_note_count() {
    LC_ALL=C readelf -n -- "$1" 2>/dev/null |
        awk '$1 == "FDO" && $3 == "FDO_PACKAGING_METADATA" { n++ } END { print n + 0 }'
}

# note_payload_hex FILE [SECTION]: the bytes of SECTION (default
# .note.package) as one lowercase hex string, from objdump -s (addresses and
# the ASCII column dropped).  Returns 1 when the section is absent or empty.
note_payload_hex() {
    local sec=${2:-.note.package} out
    out=$(LC_ALL=C objdump -s -j "$sec" -- "$1" 2>/dev/null | awk -v sec="$sec" '
        $0 == "Contents of section " sec ":" { on = 1; next }
        /^Contents of section / { on = 0 }
        on && /^ [0-9a-f]+ / {
            line = $0
            sub(/^ [0-9a-f]+ /, "", line)
            hex = substr(line, 1, 35)
            gsub(/ /, "", hex)
            printf "%s", hex
        }')
    [[ -n $out ]] || return 1
    printf '%s\n' "$out"
}

# sections_keep_bytes IN OUT [GROWN]: every allocated section of IN but
# .dynamic and .note.package (which stamping rewrites) has the same size and
# bytes in OUT, wherever OUT put it: cmp at the offsets readelf gives; the
# section named GROWN (a note section widened over the new note) may be
# longer in OUT, its old bytes first.  Prints the names of the sections that
# differ or are missing and returns 1, if any.  (A dynamic symbol defined in
# a moved section would change .dynsym rightly; no file the tests stamp,
# /usr's and Debian's foreign ones included, has one.)
sections_keep_bytes() {
    perl "$_PN_CHECKS_PL" keep "$1" "$2" "${3:-}"
}

# -- eu-elflint ----------------------------------------------------------------

# elflint_new_complaints IN OUT: print every line of eu-elflint --gnu-ld's
# report on OUT that its report on IN does not have, in byte order.  Both
# reports are normalised first: the file name (and its base name) becomes
# FILE, section and program header indices become N ("section [N]",
# "phdr[N]", "program header entry N", "section index N"), as does the byte
# count of "extra N bytes after last note" (a PT_NOTE walk that lost step,
# e.g. mold's notes of alignment 4 in a PT_NOTE of alignment 8: its length
# changes whenever a note is replaced); "No errors" is dropped.  Empty
# output: no new complaints.
elflint_new_complaints() {
    perl "$_PN_CHECKS_PL" elflint "$1" "$2"
}
