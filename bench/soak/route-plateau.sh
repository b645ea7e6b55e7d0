#!/usr/bin/env bash
# Where route's memory levels off: INCIDENTS incidents (default 100,000; an opening and a resolve each) appended in
# 40 steps to the file `route --input --follow --state` follows, delivered to a webhook on a local nginx, with
# route's RSS and the state file's size after each step. A leak per delivery would grow with the deliveries; a
# cache grows with the state file until its bound. Prints a markdown table; not part of bench/run (the soak is).
#   bench/soak/route-plateau.sh [INCIDENTS]
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/lib.sh
total=${1:-100000}
step=$((total / 40))
work=$(mktemp -d "${TMPDIR:-/tmp}/lookout-route-plateau.XXXXXX")
chmod 755 "$work"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
bin=${BENCH_BIN:-$(swift build -c release --show-bin-path)}
port=$(free_port)
start_nginx "$work/nginx" "$port" 1 /hook 'location /hook { return 200 "ok"; }'
cat > "$work/route.yaml" <<'YAML'
tiers:
  enhanced: {outage: critical}
sites:
  - {id: s1, tier: enhanced, checks: [{id: s1-home, tcp: "127.0.0.1:9"}]}
routing:
  sinks: {hook: {kind: webhook, url: "${PLATEAU_HOOK}"}}
  routes: [{sinks: [hook]}]
YAML
export PLATEAU_HOOK="http://127.0.0.1:$port/hook"
touch "$work/in.ndjson"
"$bin/route" --config "$work/route.yaml" --input "$work/in.ndjson" --follow --state "$work/state.sqlite" \
  --output "$work/deliveries.ndjson" > /dev/null 2> "$work/route.err" &
route=$!; pids+=($route)
echo "| incidents | deliveries written | route RSS (MiB) | state file (MiB) |"
echo "| ---: | ---: | ---: | ---: |"
for i in $(seq 0 39); do
  python3 - "$((i * step))" "$(((i + 1) * step))" >> "$work/in.ndjson" <<'PY'
import sys, datetime
def stamp(s): return datetime.datetime.fromtimestamp(s, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
lines = []
for k in range(int(sys.argv[1]), int(sys.argv[2])):
    since = 1795593600 + k * 6
    for event, at in (("opened", since + 90), ("resolved", since + 150)):
        lines.append('{"v":1,"type":"incident","id":"p-%d/%d000","event":"%s","check":"s1-home","site":"s1","tier":"enhanced",'
                     '"severity":"critical","at":"%s","since":"%s","reason":"down","maintenance":null}' % (k, since, event, stamp(at), stamp(since)))
print("\n".join(lines))
PY
  sleep 4
  kill -0 "$route" 2>/dev/null || { echo "route exited:" >&2; tail -5 "$work/route.err" >&2; exit 1; }
  if [ $((i % 4)) = 3 ]; then
    echo "| $(((i + 1) * step)) | $(grep -c . "$work/deliveries.ndjson" || true) | $(calc "round($(rss_kib "$route") / 1024, 1)") | $(calc "round($(stat -c %s "$work/state.sqlite") / 1048576, 1)") |"
  fi
done
