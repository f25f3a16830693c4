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
# The same checks for a suite with hundreds of files: one perl process for
# all of them (readelf still runs per file).

# check_page1_many FILE...: check_page1 (page 4096) on each FILE; prints
# each problem as check_page1 does, "check_page1: FILE: reason", but on
# stdout.  Returns 1 when there is any.
check_page1_many() {
    CHECK_PAGE1_NOTE_ALIGN=${CHECK_PAGE1_NOTE_ALIGN:-} perl "$_PN_CHECKS_PL" page1-many "$@"
}

# segment_note_json_many FILE...: segment_note_json of each FILE, as lines
# "FILE<TAB>JSON" (none for a FILE without a package note).
segment_note_json_many() {
    CHECK_PAGE1_NOTE_ALIGN=${CHECK_PAGE1_NOTE_ALIGN:-} perl "$_PN_CHECKS_PL" segjson-many "$@"
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
