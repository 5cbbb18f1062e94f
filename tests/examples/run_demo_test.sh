#!/usr/bin/env bash
# ctest "demo": runs examples/demo against a private mosquitto (.ci/with-private-mosquitto) and
# checks its six output lines, those of the README's "Output" block:
#   Connected! / Subscribed to my/test/path / Message published! /
#   Got message: my/test/path Hello, world / Disconnecting... / Disconnected
# "Message published!" (QoS 0: written to the socket) and "Got message" (the broker's copy) may
# arrive in either order; every other line has its place.
#   run_demo_test.sh <source dir> <qpaho-demo binary>
set -euo pipefail
source_dir=$1
demo=$2
out=$(bash "$source_dir/.ci/with-private-mosquitto" timeout 60 "$demo")
printf '%s\n' "$out"
mapfile -t got <<<"$out"
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
[ "${#got[@]}" -eq 6 ] || fail "expected 6 lines, got ${#got[@]}"
[ "${got[0]}" = "Connected!" ] || fail "line 1 is '${got[0]}', expected 'Connected!'"
[ "${got[1]}" = "Subscribed to my/test/path" ] || fail "line 2 is '${got[1]}'"
middle=$(printf '%s\n' "${got[2]}" "${got[3]}" | sort)
expected_middle=$(printf '%s\n' "Got message: my/test/path Hello, world" "Message published!" | sort)
[ "$middle" = "$expected_middle" ] || fail "lines 3-4 are '${got[2]}' and '${got[3]}'"
[ "${got[4]}" = "Disconnecting..." ] || fail "line 5 is '${got[4]}'"
[ "${got[5]}" = "Disconnected" ] || fail "line 6 is '${got[5]}'"
# The README shows these six lines as the demo's output.
readme_block=$'```\nConnected!\nSubscribed to my/test/path\nMessage published!\nGot message: my/test/path Hello, world\nDisconnecting...\nDisconnected\n```'
readme=$(<"$source_dir/README.md")
[[ "$readme" == *"$readme_block"* ]] || fail "README.md does not show these six lines as the output"
echo "demo: all six lines as in the README"
