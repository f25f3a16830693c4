# shellcheck shell=bash
# Shared plumbing of the cross tests (source it after tests/lib/testlib.sh):
#   architectures  cx_arch NAME: TRIPLET QEMU SYSROOT CLASS ENDIAN DEBARCH
#   running        cx_qrun: a foreign program under qemu-user
#   note bytes     cx_note_hex, cx_page1_has_note, cx_word_hex
#   JSON           cx_json_in / cx_json for an architecture
#   stamping       cx_stamp_checked: stamp a copy, the checks every file gets
#
# Architectures (Debian names where Debian has them): NAME triplet qemu
# class endianness.  The triplet is also the cross gcc's prefix and the
# directory of Debian's libc6-*-cross (/usr/TRIPLET), which qemu's -L uses.
CX_TABLE='
aarch64  aarch64-linux-gnu      aarch64  64 le arm64
armhf    arm-linux-gnueabihf    arm      32 le armhf
i386     i686-linux-gnu         i386     32 le i386
ppc64el  powerpc64le-linux-gnu  ppc64le  64 le ppc64el
s390x    s390x-linux-gnu        s390x    64 be s390x
powerpc  powerpc-linux-gnu      ppc      32 be powerpc
mips     mips-linux-gnu         mips     32 be mips
mips64el mips64el-linux-gnuabi64 mips64el 64 le mips64el
riscv64  riscv64-linux-gnu      riscv64  64 le riscv64
'

# cx_arch NAME: set CX_NAME CX_TRIPLET CX_QEMU (qemu-… command) CX_SYSROOT
# CX_CLASS (32|64) CX_ENDIAN (le|be) CX_DEBARCH.  Returns 1 for an unknown NAME.
cx_arch() {
    local line
    line=$(awk -v n="$1" '$1 == n' <<<"$CX_TABLE")
    [[ -n $line ]] || return 1
    read -r CX_NAME CX_TRIPLET CX_QEMU CX_CLASS CX_ENDIAN CX_DEBARCH <<<"$line"
    CX_QEMU=qemu-$CX_QEMU
    CX_SYSROOT=/usr/$CX_TRIPLET
}

# cx_all_arches: every NAME of the table.
cx_all_arches() { awk 'NF { print $1 }' <<<"$CX_TABLE"; }

# cx_gcc_packages: the Debian packages that give NAME's cross gcc and libc.
cx_gcc_packages() {
    local libc
    case $CX_NAME in
        aarch64) libc=arm64 ;; ppc64el) libc=ppc64el ;; i386) libc=i386 ;;
        *) libc=$CX_DEBARCH ;;
    esac
    echo "gcc-$CX_TRIPLET libc6-dev-$libc-cross"
}

# cx_have_gcc: the cross gcc and its libc are installed (prints why not).
cx_have_gcc() {
    if ! command -v "$CX_TRIPLET-gcc" >/dev/null; then
        echo "$CX_TRIPLET-gcc is not installed (apt-get install $(cx_gcc_packages))"
        return 1
    fi
    if ! compgen -G "$CX_SYSROOT/lib/libc.so*" >/dev/null; then
        echo "$CX_SYSROOT/lib has no libc (apt-get install $(cx_gcc_packages))"
        return 1
    fi
}

# cx_have_qemu: qemu-user for NAME is installed (prints why not).
cx_have_qemu() {
    command -v "$CX_QEMU" >/dev/null || { echo "$CX_QEMU is not installed (apt-get install qemu-user)"; return 1; }
}

# cx_qrun [-r ROOT] [-l LIBDIR] FILE ARGS...: run the foreign program FILE
# under qemu-user with ROOT (default CX_SYSROOT) as its library prefix and
# LD_LIBRARY_PATH=LIBDIR; print its output (stdout and stderr) and a last
# line "[exit N]".
cx_qrun() {
    local root=$CX_SYSROOT libdir="" rc
    while [[ $1 == -r || $1 == -l ]]; do
        case $1 in -r) root=$2 ;; -l) libdir=$2 ;; esac
        shift 2
    done
    timeout -k 5 60 "$CX_QEMU" -L "$root" ${libdir:+-E "LD_LIBRARY_PATH=$libdir"} "$@" </dev/null 2>&1
    rc=$?
    echo "[exit $rc]"
}

# -- note bytes ---------------------------------------------------------------

# cx_word_hex VALUE: one 32-bit word as hex bytes in CX_ENDIAN order.
cx_word_hex() {
    local h
    h=$(printf '%08x' "$1")
    if [[ $CX_ENDIAN == be ]]; then
        echo "$h"
    else
        echo "${h:6:2}${h:4:2}${h:2:2}${h:0:2}"
    fi
}

# cx_note_hex JSON: the bytes of the whole note pkgnote must write for JSON,
# as one lowercase hex string: n_namesz 4, n_descsz strlen+1, n_type
# 0xcafe1a7e (all in CX_ENDIAN order), "FDO\0", the JSON, its NUL, zeros to
# a multiple of 4.
cx_note_hex() {
    local json=$1 n pad hex
    n=$(printf %s "$json" | wc -c)
    hex=$(printf %s "$json" | od -An -v -tx1 | tr -d ' \n')00
    pad=$(( (4 - (n + 1) % 4) % 4 ))
    while ((pad--)); do hex+=00; done
    printf '%s%s%s%s%s\n' "$(cx_word_hex 4)" "$(cx_word_hex $((n + 1)))" \
        "$(cx_word_hex 0xcafe1a7e)" 46444f00 "$hex"
}

# cx_page1_note_offset FILE HEX [PAGESIZE]: print the file offset of the
# first 4-aligned copy of the bytes HEX within the first PAGESIZE (4096)
# bytes of FILE; return 1 when there is none.
cx_page1_note_offset() {
    local file=$1 want=$2 page=${3:-4096}
    head -c "$page" -- "$file" | od -An -v -tx1 | tr -d ' \n' |
        awk -v w="$want" '{
            s = $0; base = 0
            while ((i = index(s, w)) > 0) {
                off = (base + i - 1) / 2
                if ((base + i - 1) % 2 == 0 && off % 4 == 0) { print off; found = 1; exit }
                base += i; s = substr(s, i + 1)
            }
        } END { exit !found }'
}

# -- JSON ---------------------------------------------------------------------

# cx_json_in ARCH / cx_json ARCH: what a test feeds pkgnote (whitespace, an
# escaped slash, non-ASCII) and the compact text that must land in the note.
cx_json_in() {
    printf '{ "type" : "deb", "os" : "debian", "osVersion" : "12",\n  "name" : "pkgnote-cross-fixture", "version" : "1.2.3-1",\n  "architecture" : "%s", "maintainer" : "Zoë",\n  "debugInfoUrl" : "https:\\/\\/debuginfod.debian.net" }\n' "$1"
}
cx_json() {
    printf '{"type":"deb","os":"debian","osVersion":"12","name":"pkgnote-cross-fixture","version":"1.2.3-1","architecture":"%s","maintainer":"Zoë","debugInfoUrl":"https://debuginfod.debian.net"}' "$1"
}

# cx_first_load_align FILE: p_align of the PT_LOAD with p_offset 0 (hex).
cx_first_load_align() {
    LC_ALL=C readelf -lW -- "$1" 2>/dev/null | awk '$1 == "LOAD" && $2 ~ /^0x0+$/ { print $NF; exit }'
}

# cx_shnum FILE: e_shnum as readelf reports it.
cx_shnum() {
    LC_ALL=C readelf -hW -- "$1" 2>/dev/null | awk '/Number of section headers:/ { print $5 }'
}

# cx_stamp_checked LABEL ORIG COPY JSONFILE WANT: copy ORIG to COPY, stamp
# it with JSONFILE and check what every stamped foreign file must show:
# page 1, exactly WANT through readelf -n and through the PT_NOTE walk, one
# FDO package note, the gABI n_descsz.  Returns 1 when pkgnote failed (its
# message, ORIG's program headers, and whether it changed COPY reported).
cx_stamp_checked() {
    local label=$1 orig=$2 s1=$3 json=$4 want=$5 out
    cp -p -- "$orig" "$s1"
    if ! out=$("$PKGNOTE" stamp --json "$json" "$s1" 2>&1); then
        fail "$label: pkgnote stamp exited non-zero: $out"
        LC_ALL=C readelf -lW "$orig" | sed -n '/^Program Headers:/,/^$/p' | sed 's/^/      | /'
        cmp -s -- "$orig" "$s1" || fail "$label: pkgnote failed AND changed the file"
        return 1
    fi
    pass "$label: stamped: ${out##*: }"
    expect_ok "$label: check_page1 (page 4096)" check_page1 "$s1" 4096
    expect_eq "$label: readelf -n shows exactly the compact JSON" "$(note_json "$s1")" "$want"
    expect_eq "$label: the PT_NOTE walk finds exactly the compact JSON" "$(segment_note_json "$s1")" "$want"
    expect_eq "$label: one FDO package note" "$(package_note_count "$s1")" 1
    expect_eq "$label: n_descsz is strlen(JSON)+1" "$(note_descsz "$s1")" "$(json_descsz "$want")"
}
