# shellcheck shell=bash
# What a sweep (tests/system/test-sweep.sh, tests/cross/test-foreign-sweep.sh)
# stamps, and the verdict on one file.  Needs checks.sh sourced first.

# sweep_list_elf: of the NUL-separated paths on stdin, print (one a line,
# a leading ./ dropped) those of ELF executables and shared objects with
# program headers, either class and byte order, read by magic.
sweep_list_elf() {
    perl -0 -ne '
        chomp; my $f = $_; open(my $h, "<", $f) or next;
        my $n = read($h, my $b, 64); close $h;
        next unless defined $n && $n >= 52 && substr($b, 0, 4) eq "\x7fELF";
        my ($cls, $dat) = unpack("C C", substr($b, 4, 2));
        my $e = $dat == 2 ? "n" : "v";
        my $type = unpack($e, substr($b, 16, 2));
        my $phnum = $cls == 2 ? ($n >= 58 ? unpack($e, substr($b, 56, 2)) : 0)
                              : unpack($e, substr($b, 44, 2));
        $f =~ s{^\./}{};
        print "$f\n" if ($type == 2 || $type == 3) && $phnum > 0;'
}

# sweep_verdict [--bare] [--mode] SRC DST RC JSON LOG
# `pkgnote stamp --json J DST`, DST a copy of SRC, exited RC; J held JSON.
# Prints "STATUS<TAB>DETAIL":
#   ok       exit 0 and every check passed: check_page1; the note holds
#            exactly JSON (readelf -n; with --bare, where DST has no section
#            headers, the PT_NOTE walk, and e_shnum must still be 0); with
#            section headers, no new eu-elflint complaint and every allocated
#            section keeps its bytes (sections_keep_bytes); with --mode, DST
#            kept SRC's permission bits
#   broken   exit 0 but a check failed (DETAIL names the checks), or exit 4
#            or 5 with DST changed
#   refused  exit 4 or 5 (not stampable, no room in page 1) and DST
#            byte-identical to SRC (DETAIL: the exit code)
#   error    any other exit: an engine error or a crash (DETAIL says which,
#            and whether DST changed)
# What a failed check found is appended to LOG.
sweep_verdict() {
    local bare=0 mode=0
    while [[ ${1:-} == --* ]]; do
        case $1 in
        --bare) bare=1 ;;
        --mode) mode=1 ;;
        esac
        shift
    done
    local src=$1 dst=$2 rc=$3 json=$4 log=$5
    local problems=() got new changed shnum detail modes=()
    case $rc in
    0)
        check_page1 "$dst" 2>>"$log" || problems+=(check_page1)
        if ((bare)); then
            got=$(segment_note_json "$dst")
            shnum=$(LC_ALL=C readelf -hW "$dst" 2>/dev/null | awk '/Number of section headers:/ { print $5 }')
            [[ $shnum == 0 ]] || { problems+=(shnum); echo "e_shnum is $shnum" >>"$log"; }
        else
            got=$(note_json "$dst")
        fi
        if [[ $got != "$json" ]]; then
            problems+=(note_json)
            { echo "note_json: want: $json"; echo "note_json: got:"; printf '%s\n' "$got"; } >>"$log"
        fi
        if ((!bare)); then
            new=$(elflint_new_complaints "$src" "$dst")
            if [[ -n $new ]]; then
                problems+=(elflint)
                printf '%s\n' "$new" | sed 's/^/eu-elflint: /' >>"$log"
            fi
            if ! changed=$(sections_keep_bytes "$src" "$dst"); then
                problems+=(section-bytes)
                echo "allocated sections changed: $changed" >>"$log"
            fi
        fi
        if ((mode)); then
            # One stat for both files: a line each.
            mapfile -t modes < <(stat -c %a -- "$src" "$dst")
            if ((${#modes[@]} != 2)) || [[ ${modes[0]} != "${modes[1]}" ]]; then
                problems+=(mode)
                echo "mode: ${modes[0]:-?} became ${modes[1]:-?}" >>"$log"
            fi
        fi
        if ((${#problems[@]} == 0)); then
            printf 'ok\t\n'
        else
            printf 'broken\tstamped, but: %s\n' "${problems[*]}"
        fi
        ;;
    4 | 5)
        if cmp -s "$src" "$dst"; then
            printf 'refused\t%s\n' "$rc"
        else
            printf 'broken\trefused with exit %s but changed the file\n' "$rc"
        fi
        ;;
    *)
        detail="exit $rc"
        ((rc > 128)) && detail="killed by signal $((rc - 128))"
        cmp -s "$src" "$dst" || detail="$detail, file changed"
        printf 'error\tpkgnote %s\n' "$detail"
        ;;
    esac
}
