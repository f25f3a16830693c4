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
#                                  and .note.package has its bytes in OUT (cmp)
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

# _pn_u8 FILE OFFSET: one byte as a decimal number.
_pn_u8() {
    od -An -tu1 -j "$2" -N1 -- "$1" | tr -d ' \n'
}

# _pn_zero FILE OFFSET COUNT: overwrite COUNT bytes with zeros, in place.
_pn_zero() {
    dd if=/dev/zero of="$1" bs=1 seek="$2" count="$3" conv=notrunc status=none
}

# _pn_segment_view SRC DST: copy SRC to DST with the section header table
# hidden (e_shoff, e_shnum, e_shstrndx zeroed), so that readelf -n walks the
# PT_NOTE segments instead of the SHT_NOTE sections.  With ALIGN4 set to 1,
# every PT_NOTE's p_align is also set to 4 (see the header comment).
_pn_segment_view() {
    local src=$1 dst=$2 class
    cp -- "$src" "$dst" || return 1
    class=$(_pn_u8 "$src" 4)
    case $class in
        1) _pn_zero "$dst" 32 4; _pn_zero "$dst" 48 4 ;;   # ELFCLASS32
        2) _pn_zero "$dst" 40 8; _pn_zero "$dst" 60 4 ;;   # ELFCLASS64
        *) return 1 ;;
    esac
    if [[ ${ALIGN4:-0} == 1 ]]; then
        _pn_note_align4 "$dst" "$class" || return 1
    fi
}

# _pn_note_align4 FILE CLASS: set p_align of every PT_NOTE (of alignment > 4)
# to 4, in place.  Little- and big-endian files.
_pn_note_align4() {
    local f=$1 class=$2 data phoff phentsize phnum i ent type_off align_off align_len
    data=$(_pn_u8 "$f" 5)
    read -r phoff phentsize phnum < <(LC_ALL=C readelf -hW -- "$f" 2>/dev/null | awk -F: '
        /Start of program headers/ { split($2, a, " "); o = a[1] }
        /Size of program headers/  { split($2, a, " "); s = a[1] }
        /Number of program headers/ { split($2, a, " "); n = a[1] }
        END { print o, s, n }')
    [[ -n $phnum ]] || return 1
    for ((i = 0; i < phnum; i++)); do
        ent=$((phoff + i * phentsize))
        if [[ $class == 2 ]]; then align_off=$((ent + 48)); align_len=8
        else align_off=$((ent + 28)); align_len=4; fi
        local t
        if [[ $data == 1 ]]; then t=$(od -An -tu4 --endian=little -j "$ent" -N4 -- "$f" | tr -d ' ')
        else t=$(od -An -tu4 --endian=big -j "$ent" -N4 -- "$f" | tr -d ' '); fi
        [[ $t == 4 ]] || continue
        _pn_zero "$f" "$align_off" "$align_len"
        if [[ $data == 1 ]]; then type_off=$align_off
        else type_off=$((align_off + align_len - 1)); fi
        printf '\004' | dd of="$f" bs=1 seek="$type_off" conv=notrunc status=none
    done
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
    local file=$1 page=${2:-4096} rc=0 tmp hdr phdrs
    local phoff phentsize phnum phend
    _c1_fail() { echo "check_page1: $file: $*" >&2; rc=1; }

    if [[ ! -f $file ]]; then echo "check_page1: $file: no such file" >&2; return 1; fi
    page=$((page))
    tmp=$(_pn_tmpdir) || return 1

    hdr=$(LC_ALL=C readelf -hW -- "$file" 2>&1) || { _c1_fail "readelf -h failed: $hdr"; rm -rf "$tmp"; return 1; }
    phoff=$(awk -F: '/Start of program headers/ { split($2, a, " "); print a[1] }' <<<"$hdr")
    phentsize=$(awk -F: '/Size of program headers/ { split($2, a, " "); print a[1] }' <<<"$hdr")
    phnum=$(awk -F: '/Number of program headers/ { split($2, a, " "); print a[1] }' <<<"$hdr")
    if [[ -z $phnum || $phnum == 0 ]]; then
        _c1_fail "no program headers"; rm -rf "$tmp"; return 1
    fi
    phend=$((phoff + phnum * phentsize))
    if ((phend > page)); then
        _c1_fail "program header table [$phoff, $phend) ends past the first $page bytes"
    fi

    # Program headers: TYPE OFFSET VADDR FILESZ (flags may hold spaces; the
    # columns before them do not).
    phdrs=$(LC_ALL=C readelf -lW -- "$file" 2>/dev/null | awk '
        /^Program Headers:/ { on = 1; next }
        on && /^ *$/ { on = 0 }
        on && $2 ~ /^0x/ { print $1, $2, $3, $5 }')
    local load0_vaddr="" load0_filesz="" type off vaddr filesz
    while read -r type off vaddr filesz; do
        if [[ $type == LOAD && $((off)) == 0 && -z $load0_filesz ]]; then
            load0_vaddr=$((vaddr)); load0_filesz=$((filesz))
        fi
        if [[ $type == PHDR ]]; then
            if (($((off)) != phoff || $((filesz)) != phnum * phentsize)); then
                _c1_fail "PT_PHDR (offset $off, size $filesz) does not match e_phoff $phoff, $phnum entries of $phentsize"
            fi
        fi
    done <<<"$phdrs"
    if [[ -z $load0_filesz ]]; then
        _c1_fail "no PT_LOAD with p_offset 0"
        load0_filesz=0 load0_vaddr=0
    elif ((phend > load0_filesz)); then
        _c1_fail "program header table ends at $phend, past the PT_LOAD of offset 0 (p_filesz $load0_filesz)"
    fi

    # Notes, as seen through the PT_NOTE segments.
    local view=$tmp/segment-view notes err
    if ! ALIGN4=$([[ ${CHECK_PAGE1_NOTE_ALIGN:-} == 4 ]] && echo 1 || echo 0) _pn_segment_view "$file" "$view"; then
        _c1_fail "cannot make a segment view (not ELF?)"; rm -rf "$tmp"; return 1
    fi
    notes=$(LC_ALL=C readelf -n -- "$view" 2>"$tmp/err")
    # readelf's warnings matter only when they hide the package note (a
    # malformed note before it in its PT_NOTE ends the walk there): they are
    # shown then.  Other PT_NOTEs' quirks (mold's .note.ABI-tag in an align-8
    # PT_NOTE) are not this check's business; elflint_new_complaints sees
    # new ones.
    err=$(grep -v 'Unable to find program interpreter' "$tmp/err")
    local found segs seg_off seg_len
    # One line per PT_NOTE that holds an FDO package note: OFFSET LENGTH.
    segs=$(awk '
        /^Displaying notes found at file offset/ { o = $7; l = $10; sub(/:$/, "", l); next }
        $1 == "FDO" && $3 == "FDO_PACKAGING_METADATA" { print o, l }' <<<"$notes" | sort -u)
    found=0
    while read -r seg_off seg_len; do
        [[ -n $seg_off ]] || continue
        found=1
        local s=$((seg_off)) e=$((seg_off + seg_len)) pvaddr=""
        if ((e > page)); then
            _c1_fail "PT_NOTE with the package note [$s, $e) ends past the first $page bytes"
        fi
        if ((e > load0_filesz)); then
            _c1_fail "PT_NOTE with the package note [$s, $e) is not inside the PT_LOAD of offset 0 (p_filesz $load0_filesz)"
        fi
        while read -r type off vaddr filesz; do
            if [[ $type == NOTE && $((off)) == "$s" && $((filesz)) == $((seg_len)) ]]; then
                pvaddr=$((vaddr)); break
            fi
        done <<<"$phdrs"
        if [[ -z $pvaddr ]]; then
            _c1_fail "no PT_NOTE program header at offset $seg_off, size $seg_len"
        elif ((pvaddr != load0_vaddr + s)); then
            _c1_fail "PT_NOTE at offset $s has p_vaddr $(printf %#x "$pvaddr"), but the first PT_LOAD maps that offset at $(printf %#x $((load0_vaddr + s)))"
        fi
    done <<<"$segs"
    if ((!found)); then
        _c1_fail "no PT_NOTE segment holds an FDO_PACKAGING_METADATA note (owner FDO, type 0xcafe1a7e)"
        [[ -n $err ]] && _c1_fail "readelf, walking the PT_NOTE segments: $(tr '\n' ' ' <<<"$err")"
    fi
    rm -rf "$tmp"
    unset -f _c1_fail
    return $rc
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
    local tmp out
    tmp=$(_pn_tmpdir) || return 1
    if ALIGN4=$([[ ${CHECK_PAGE1_NOTE_ALIGN:-} == 4 ]] && echo 1 || echo 0) _pn_segment_view "$1" "$tmp/v"; then
        out=$(LC_ALL=C readelf -n -- "$tmp/v" 2>/dev/null | _pn_notes_json)
    fi
    rm -rf "$tmp"
    [[ -n $out ]] || return 1
    printf '%s\n' "$out"
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

# _pn_alloc_sections FILE: "NAME OFFSET SIZE" (hex, as readelf prints them)
# of each allocated section with bytes in the file, but .dynamic and
# .note.package.
_pn_alloc_sections() {
    LC_ALL=C readelf -SW -- "$1" 2>/dev/null | sed -n 's/^ *\[ *[0-9]*\] //p' |
        awk '$2 != "NOBITS" && $2 != "NULL" && $7 ~ /A/ && $1 != ".dynamic" && $1 != ".note.package" { print $1, $4, $5 }'
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
    local in=$1 out=$2 grown=${3:-} name off size off2 size2 bad=()
    local -A at=()
    while read -r name off2 size2; do
        [[ -v "at[$name]" ]] || at[$name]="$off2 $size2"
    done < <(_pn_alloc_sections "$out")
    while read -r name off size; do
        off2= size2=
        [[ -v "at[$name]" ]] && read -r off2 size2 <<<"${at[$name]}"
        if [[ -z $off2 ]] || { [[ $name != "$grown" ]] && ((16#$size2 != 16#$size)); } ||
            ((16#$size2 < 16#$size)) ||
            ! cmp -s -i "$((16#$off)):$((16#$off2))" -n "$((16#$size))" -- "$in" "$out"; then
            bad+=("$name")
        fi
    done < <(_pn_alloc_sections "$in")
    ((${#bad[@]} == 0)) && return 0
    printf '%s\n' "${bad[*]}"
    return 1
}

# -- eu-elflint ----------------------------------------------------------------

# _pn_elflint_norm FILE: eu-elflint --gnu-ld FILE, normalised: the file name
# becomes FILE, section and program header indices become N ("section [N]",
# "phdr[N]", "program header entry N"), as does the byte count of "extra N
# bytes after last note" (a PT_NOTE walk that lost step, e.g. mold's notes
# of alignment 4 in a PT_NOTE of alignment 8: its length changes whenever a
# note is replaced); "No errors" dropped.
_pn_elflint_norm() {
    local f=$1 base
    base=$(basename -- "$f")
    LC_ALL=C eu-elflint --gnu-ld -- "$f" 2>&1 |
        awk -v f="$f" -v b="$base" '
            { while ((i = index($0, f)) > 0) $0 = substr($0, 1, i - 1) "FILE" substr($0, i + length(f))
              while ((i = index($0, b)) > 0 && b != "FILE") $0 = substr($0, 1, i - 1) "FILE" substr($0, i + length(b))
              print }' |
        sed -E -e 's/section \[ *[0-9]+\]/section [N]/g' \
               -e 's/phdr\[ *[0-9]+\]/phdr[N]/g' \
               -e 's/program header entry [0-9]+/program header entry N/g' \
               -e 's/section index [0-9]+/section index N/g' \
               -e 's/extra [0-9]+ bytes after last note/extra N bytes after last note/' |
        grep -v -x -e 'No errors' -e '' -e 'FILE:' || true
}

# elflint_new_complaints IN OUT: print every line of eu-elflint --gnu-ld's
# report on OUT that its report on IN does not have (after normalising file
# names and header indices).  Empty output: no new complaints.
elflint_new_complaints() {
    local tmp
    tmp=$(_pn_tmpdir) || return 1
    _pn_elflint_norm "$1" | sort -u >"$tmp/in"
    _pn_elflint_norm "$2" | sort -u >"$tmp/out"
    comm -13 "$tmp/in" "$tmp/out"
    rm -rf "$tmp"
    return 0
}
