#!/bin/bash
# Files patchelf rewrote: patchelf moves the sections it grows out of page 1
# and fills the bytes they leave with 'X', which nothing describes any more;
# pkgnote reuses them.  For a PIE and a shared library (fixtures/hello.c,
# fixtures/libgreet.c, GNU ld), each of --set-rpath, --add-needed,
# --replace-needed and --set-interpreter (the PIE; --set-soname for the
# library, which has no interpreter): stamped, the page-1 rule, the JSON,
# no new eu-elflint complaints against the patchelf'd input, runs / loads as
# before, and readelf -d and the interpreter show the patched values.
set -uo pipefail
: "${SOURCE_ROOT:?}"
. "$SOURCE_ROOT/tests/lib/testlib.sh"

command -v patchelf >/dev/null || { echo "SKIP: patchelf is not installed"; exit 77; }
tl_begin
fx_helpers "$WORK/helpers"
want=$JSON_MAIN
libc=$(gcc -print-file-name=libc.so.6)
libc=$(readlink -f "$libc")

# dynamic_and_interp FILE: what patchelf set, as readelf shows it.
dynamic_and_interp() {
    LC_ALL=C readelf -dW "$1" | awk '/\((NEEDED|RUNPATH|RPATH|SONAME)\)/ { print $2, $NF }'
    LC_ALL=C readelf -lW "$1" | sed -n 's/.*Requesting program interpreter: \(.*\)]$/\1/p'
}

for kind in pie shared; do
    fx_build bfd "$kind" "$WORK/$kind/orig"
    case $? in
        0) ;;
        77) skip "$kind: $FX_SKIP"; continue ;;
        *) fail "$kind: build: $FX_ERR"; continue ;;
    esac
    built=$FX_FILE runner=$FX_RUNNER
    # The same dynamic loader under a longer name, so that .interp grows.
    interp=$(readlink -f "$(LC_ALL=C readelf -lW "$built" |
        sed -n 's/.*Requesting program interpreter: \(.*\)]$/\1/p')" 2>/dev/null)
    for op in set-rpath add-needed replace-needed set-interpreter; do
        case $op in
            set-rpath) args=(--set-rpath /opt/vendor/lib:/opt/vendor/lib/private/x86_64-linux-gnu) ;;
            add-needed) args=(--add-needed libm.so.6) ;;
            replace-needed) args=(--replace-needed libc.so.6 "$libc") ;;
            set-interpreter) args=(--set-interpreter "$interp")
                [[ $kind == shared ]] && args=(--set-soname libgreet-vendor-renamed.so) ;;
        esac
        label="$kind patchelf ${args[0]}"
        dir=$WORK/$kind/$op
        mkdir -p "$dir"
        patched=$dir/$(basename "$built")
        cp -p "$built" "$patched"
        if ! out=$(patchelf "${args[@]}" "$patched" 2>&1); then
            fail "$label: patchelf failed: $out"
            continue
        fi
        # A library runs through its runner from its own directory.
        run=$runner
        if fx_is_lib "$kind"; then
            cp -p "$runner" "$dir/../$op-runner"
            run=$dir/../$op-runner
            [[ $op == set-interpreter ]] &&
                ln -sf "$(basename "$patched")" "$dir/libgreet-vendor-renamed.so"
        fi
        if [[ $(fx_run "$kind" "$patched" "$run") != *"[exit 0]"* ]]; then
            fail "$label: the patched file does not run before stamping"
            continue
        fi
        stamped=$dir/stamped/$(basename "$built")
        mkdir -p "$dir/stamped"
        cp -p "$patched" "$stamped"
        if fx_is_lib "$kind" && [[ $op == set-interpreter ]]; then
            ln -sf "$(basename "$stamped")" "$dir/stamped/libgreet-vendor-renamed.so"
        fi
        if ! tl_stamp "$WORK/json/main.json" "$stamped"; then
            fail "$label: pkgnote stamp exited non-zero"
            continue
        fi
        pass "$label: stamped"
        verify_stamped "$label" "$kind" "$patched" "$stamped" "$want" "$run"
        expect_eq "$label: readelf shows the patched values" \
            "$(dynamic_and_interp "$stamped")" "$(dynamic_and_interp "$patched")"
    done
done
tl_finish
