#!/usr/bin/env bash
# SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#
# Jobs per second through examples/worker-pool: 1, 2 and 4 worker processes sharing
# $share/workers/jobs/# on a private mosquitto, one producer publishing QoS 1 jobs. The time runs
# from the producer's start until the workers together reported every job handled; each figure
# is the median of the repetitions.
#
#   bench/worker-pool.sh [build-dir] [jobs] [repetitions]   # defaults: build/dev 20000 3
#
# Needs mosquitto and a build with the examples (cmake --build --preset dev).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=${1:-$here/../build/dev}
jobs=${2:-20000}
reps=${3:-3}
pool=$build/examples/worker-pool/qpaho-worker-pool
[[ -x $pool ]] || { echo "Error: $pool not found: build the examples first" >&2; exit 1; }
command -v mosquitto >/dev/null || { echo "Error: mosquitto is not installed" >&2; exit 1; }

dir=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT

# A free loopback port (the kernel picks it; mosquitto binds it right after).
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$dir/mosquitto.conf" <<EOF
listener $port 127.0.0.1
allow_anonymous true
persistence false
max_queued_messages 0
set_tcp_nodelay true
EOF
mosquitto -c "$dir/mosquitto.conf" >"$dir/mosquitto.log" 2>&1 &
broker=$!
pids+=("$broker")
for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.05
done
uri=tcp://127.0.0.1:$port

handled() { cat "$dir"/w*.out 2>/dev/null | grep -c '^handled ' || true; }

run_once() { # $1 = workers; prints jobs/s
    local n=$1 i start end workers=()
    rm -f "$dir"/w*.out
    # A fresh group per run: the killed workers of earlier runs keep their persistent sessions,
    # and mosquitto goes on assigning a share of the group's jobs to them.
    local group=g$RANDOM$RANDOM
    for ((i = 0; i < n; i++)); do
        "$pool" --worker --broker "$uri" --id "$group-$i" --group "$group" >"$dir/w$i.out" 2>&1 &
        workers+=($!)
    done
    for ((i = 0; i < n; i++)); do
        until grep -q '^ready' "$dir/w$i.out" 2>/dev/null; do sleep 0.01; done
    done
    start=$(date +%s%N)
    "$pool" --producer --broker "$uri" --jobs "$jobs" >"$dir/producer.out" 2>&1
    until [[ $(handled) -ge $jobs ]]; do sleep 0.01; done
    end=$(date +%s%N)
    for p in "${workers[@]}"; do kill "$p"; done
    wait "${workers[@]}" 2>/dev/null || true
    echo $((jobs * 1000000000 / (end - start)))
}

echo "worker-pool: $jobs QoS 1 jobs, one producer, median of $reps runs ($(nproc) cores)"
printf '%-8s %10s\n' workers 'jobs/s'
for n in 1 2 4; do
    results=()
    for ((r = 0; r < reps; r++)); do results+=("$(run_once "$n")"); done
    median=$(printf '%s\n' "${results[@]}" | sort -n | sed -n "$(((reps + 1) / 2))p")
    printf '%-8s %10s   (runs: %s)\n' "$n" "$median" "${results[*]}"
done
