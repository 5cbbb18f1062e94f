#!/usr/bin/env bash
# SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
# Builds QPaho's libFuzzer targets with clang++ (the main build may use g++, which has no
# libFuzzer) and runs each for SECONDS seconds.
#
#   tests/fuzz/run_fuzz.sh [SECONDS] [TARGET...]     TARGET: fuzz_topic (default), fuzz_properties
#
# Environment:
#   QPAHO_FUZZ_DIR   where binaries and corpora go (default: ./fuzz-build, i.e. the ctest
#                    working directory); the corpus grows across runs.
#   QPAHO_FUZZ_JOBS  libFuzzer -jobs/-workers (default 1).
#   CXX              the compiler (default clang++). Installed with apt-get when missing.
# Exit status: 0 when every target ran its time without a finding, otherwise non-zero; a
# crashing input is saved as fuzz-build/<target>/crash-* and printed by libFuzzer.
set -euo pipefail

seconds=${1:-20}
shift || true
targets=("$@")
[[ ${#targets[@]} -eq 0 ]] && targets=(fuzz_topic)

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${QPAHO_FUZZ_DIR:-$PWD/fuzz-build}
jobs=${QPAHO_FUZZ_JOBS:-1}
cxx=${CXX:-clang++}
# CXX may be g++ in a developer's environment: libFuzzer needs clang.
[[ $cxx == *clang* ]] || cxx=clang++

fuzzer_runtime_ok() {
    echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char *, unsigned long) { return 0; }' \
        | "$cxx" -x c++ -fsanitize=fuzzer - -o /dev/null 2>/dev/null
}

if ! command -v "$cxx" >/dev/null 2>&1 || ! fuzzer_runtime_ok; then
    echo "run_fuzz.sh: $cxx with libFuzzer not found; installing clang" >&2
    if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
        echo "run_fuzz.sh: cannot install clang (need root and apt-get)" >&2
        exit 2
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends clang libclang-rt-dev \
        >&2 || { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive \
            apt-get install -y --no-install-recommends clang libclang-rt-dev >&2; }
    cxx=clang++
    fuzzer_runtime_ok || { echo "run_fuzz.sh: clang++ still cannot link libFuzzer" >&2; exit 2; }
fi

qt_flags=$(pkg-config --cflags --libs Qt6Core)
moc=$(pkg-config --variable=libexecdir Qt6Core 2>/dev/null)/moc
[[ -x $moc ]] || moc=/usr/lib/qt6/libexec/moc
common=(-std=c++17 -g -O1 -fPIC -fno-omit-frame-pointer "-fsanitize=fuzzer,address,undefined"
    -fno-sanitize-recover=undefined -I"$root/include" -I"$root/src" -DQPAHO_BUILDING_LIBRARY)
# The generated <QPaho/qpahoversion.h>: the CMake build directory's include/ (ctest passes it).
if [[ -n ${QPAHO_GENERATED_INCLUDE_DIR:-} ]]; then
    common+=(-I"$QPAHO_GENERATED_INCLUDE_DIR")
fi

# True when the binary $1 exists and is newer than every other argument (its sources).
up_to_date() {
    local binary=$1 src
    shift
    [[ -x $binary ]] || return 1
    for src in "$@"; do
        [[ $src -nt $binary ]] && return 1
    done
    return 0
}

mkdir -p "$out"
status=0
for target in "${targets[@]}"; do
    dir=$out/$target
    mkdir -p "$dir/corpus"
    binary=$dir/$target
    case $target in
    fuzz_topic)
        sources=("$here/fuzz_topic.cpp" "$root/src/values/topic.cpp" "$root/include/QPaho/topic.h")
        if ! up_to_date "$binary" "${sources[@]}"; then
            echo "run_fuzz.sh: building $target" >&2
            # shellcheck disable=SC2086
            "$cxx" "${common[@]}" "$here/fuzz_topic.cpp" "$root/src/values/topic.cpp" -o "$binary" \
                $qt_flags
        fi
        ;;
    fuzz_properties)
        sources=("$here/fuzz_properties.cpp" "$root/src/values/properties.cpp" "$root/src/values/properties_p.h"
            "$root/src/paho/pahoproperties.cpp" "$root/src/paho/pahoproperties_p.h"
            "$root/include/QPaho/properties.h")
        if ! up_to_date "$binary" "${sources[@]}"; then
            echo "run_fuzz.sh: building $target" >&2
            # properties.h has Q_GADGET/Q_ENUM: its meta-object comes from moc.
            "$moc" "$root/include/QPaho/properties.h" -o "$dir/moc_properties.cpp"
            # shellcheck disable=SC2086
            "$cxx" "${common[@]}" "$here/fuzz_properties.cpp" "$root/src/values/properties.cpp" "$root/src/paho/pahoproperties.cpp" \
                "$dir/moc_properties.cpp" -o "$binary" $qt_flags -lpaho-mqtt3as
        fi
        ;;
    *)
        echo "run_fuzz.sh: unknown target $target" >&2
        exit 2
        ;;
    esac
    echo "run_fuzz.sh: running $target for ${seconds}s" >&2
    # -rss_limit_mb: Qt and ASan together stay far below it; a leak or blow-up does not.
    args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1)
    # -jobs makes libFuzzer write fuzz-N.log files instead of printing: only when asked for.
    [[ $jobs -gt 1 ]] && args+=(-jobs="$jobs" -workers="$jobs")
    if ! (cd "$dir" && "$binary" "${args[@]}" corpus); then
        echo "run_fuzz.sh: $target FAILED (see the crash-* file in $dir)" >&2
        status=1
    fi
done
exit $status
