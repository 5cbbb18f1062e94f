#!/usr/bin/env bash
# SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#
# Builds qpaho_bench (Release, build/bench) and runs it; all arguments go to qpaho_bench.
#
#   bench/run.sh                      # every scenario, 3 repetitions (5 for QoS 0 >= 16 KiB), ~5 min
#   bench/run.sh --quick              # small N, 2 repetitions (about 2 minutes)
#   bench/run.sh --scenario tp-q1,lat --clients rawpaho,qpaho --reps 5
#   bench/run.sh --callgrind --scenario tp-q0-16 --clients rawpaho,qpaho   # instructions/msg
#   bench/run.sh --list               # scenarios and clients
#   bench/run.sh --help
#
# Needs: mosquitto, libpaho-mqtt-dev, libpaho-mqttpp-dev, libmosquitto-dev, qt6-base-dev,
# cmake (ninja optional; valgrind for --callgrind).
# QPAHO_BENCH_STANDALONE=1 builds only bench/ (no QPaho driver), e.g. while QPaho does not build.
# QPAHO_BENCH_BUILD_DIR overrides the build directory, QPAHO_BENCH_JOBS the build parallelism.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
if [[ ${QPAHO_BENCH_STANDALONE:-0} == 1 ]]; then
    src=$here
    build=${QPAHO_BENCH_BUILD_DIR:-$root/build/bench-standalone}
    exe=$build/qpaho_bench
else
    src=$root
    build=${QPAHO_BENCH_BUILD_DIR:-$root/build/bench}
    exe=$build/bench/qpaho_bench
fi

configure=(-DCMAKE_BUILD_TYPE=Release -DQPAHO_BUILD_BENCH=ON -DQPAHO_BUILD_TESTS=OFF
           -DQPAHO_BUILD_EXAMPLES=OFF)
if [[ ! -f $build/CMakeCache.txt ]] && command -v ninja >/dev/null 2>&1; then
    configure+=(-G Ninja)
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! cmake -S "$src" -B "$build" "${configure[@]}" >"$log" 2>&1; then
    cat "$log" >&2
    echo "bench/run.sh: configuring failed (QPAHO_BENCH_STANDALONE=1 builds the bench without QPaho)" >&2
    exit 1
fi
grep -E '^-- qpaho_bench:|Warning' "$log" >&2 || true
cmake --build "$build" --target qpaho_bench -j "${QPAHO_BENCH_JOBS:-2}" >&2
exec "$exe" "$@"
