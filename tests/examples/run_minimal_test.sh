#!/usr/bin/env bash
# ctest "example_minimal": runs the README's minimal program (examples/minimal) against a
# private mosquitto and checks that it received its own message and exited with 0.
#   run_minimal_test.sh <source dir> <qpaho-minimal binary>
set -euo pipefail
source_dir=$1
program=$2
out=$(bash "$source_dir/.ci/with-private-mosquitto" timeout 60 "$program" 2>&1)
printf '%s\n' "$out"
grep -qx 'Received "Hello from QPaho" on "hello/qpaho"' <<<"$out" || {
  echo "FAIL: no Received line" >&2
  exit 1
}
