#!/usr/bin/env bash
# Makes docs/images/explorer.png: a mosquitto on a free port with some home-automation topics,
# qpaho-explorer under xvfb-run with --screenshot.   bash docs/images/explorer-screenshot.sh [build dir]
set -euo pipefail
cd "$(dirname "$0")/../.."
build="${1:-build/dev}"
dir=$(mktemp -d)
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
printf 'user root\nlistener %s 127.0.0.1\nallow_anonymous true\nsys_interval 2\nlog_dest file %s/log\n' \
  "$port" "$dir" > "$dir/mosquitto.conf"
mosquitto -c "$dir/mosquitto.conf" & broker=$!
trap 'kill $broker; rm -rf "$dir"' EXIT
until grep -q ' running$' "$dir/log" 2>/dev/null; do sleep 0.05; done

pub() { mosquitto_pub -p "$port" -r "$@"; }
for room in kitchen living-room bedroom office garage; do
  pub -t "home/$room/temperature" -m "2$((RANDOM % 4)).$((RANDOM % 10))"
  pub -t "home/$room/humidity" -m "$((40 + RANDOM % 15))"
done
pub -t home/kitchen/light -m '{"state":"ON","brightness":180,"color_temp":370}'
pub -t home/living-room/light -m '{"state":"OFF","brightness":0}'
pub -t home/garage/door -m closed
pub -t home/office/printer/status -m '{"state":"idle","toner":{"black":62,"cyan":40}}'
pub -t zigbee2mqtt/bridge/state -m '{"state":"online"}'
pub -t zigbee2mqtt/bridge/info -m '{"version":"1.35.1","coordinator":{"type":"zStack3x0"}}'
pub -t zigbee2mqtt/hallway-motion -m '{"occupancy":false,"battery":87,"linkquality":102}'
pub -t zigbee2mqtt/front-door -m '{"contact":true,"battery":91}'
pub -t energy/meter/power -m 1432
pub -t energy/meter/total_kwh -m 18234.6
pub -t energy/solar/power -m 2210
pub -t weather/outside/temperature -m 14.2
pub -t weather/outside/wind -m '{"speed":4.1,"direction":"SW"}'

test -x "$build/examples/explorer/qpaho-explorer" # fail early if it is not built
xvfb-run -a -s "-screen 0 1400x1000x24" "$build/examples/explorer/qpaho-explorer" \
  --url "tcp://127.0.0.1:$port" --screenshot "$dir/shot.png" --messages 200 --timeout 20000 \
  --select home/living-room/temperature --expand 1 --size 1200x760 &
explorer=$!
sleep 2 # the explorer connects and subscribes
# A live series for the sparkline and the history (one publish at a time, so the times differ).
python3 -c 'import math
for i in range(60): print("%.1f" % (21 + 1.5*math.sin(i/6) + 0.3*math.sin(i*1.7)))' |
  while read -r value; do mosquitto_pub -p "$port" -t home/living-room/temperature -m "$value"; done
wait $explorer
# Fewer colours, smaller file; the UI has few colours anyway.
if command -v pngquant > /dev/null; then pngquant --force --output docs/images/explorer.png 64 "$dir/shot.png"
else cp "$dir/shot.png" docs/images/explorer.png; fi
ls -l docs/images/explorer.png
