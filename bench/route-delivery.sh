#!/usr/bin/env bash
# Measures route's delivery rate: N incidents (opened + resolved) to one webhook sink on a loopback receiver,
# with the SQLite outbox on disk (--state, synchronous=FULL) and in memory. Usage: bench/route-delivery.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000}
ROUTE=${ROUTE:-.build/release/route}
[ -x "$ROUTE" ] || ROUTE=.build/debug/route
work=$(mktemp -d)
trap 'kill $receiver 2>/dev/null || true; rm -rf "$work"' EXIT
python3 - "$work/port" <<'PY' &
import http.server, sys, socketserver
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        # One write: separate small writes meet Nagle and delayed ACKs and cost 40 ms a request.
        self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    def log_message(self, *a): pass
s = socketserver.ThreadingTCPServer(("127.0.0.1", 0), H)
open(sys.argv[1], "w").write(str(s.server_address[1]))
s.serve_forever()
PY
receiver=$!
while [ ! -s "$work/port" ]; do sleep 0.05; done
port=$(cat "$work/port")
cat > "$work/config.yaml" <<YAML
tiers:
  enhanced: {outage: critical, ticket: true}
sites:
  - id: s1
    tier: enhanced
    checks: [{id: s1-home, tcp: "127.0.0.1:9"}]
routing:
  sinks:
    hook: {kind: webhook, url: "\${BENCH_HOOK}"}
  routes:
    - {sinks: [hook]}
YAML
python3 - "$N" > "$work/in.ndjson" <<'PY'
import sys
n = int(sys.argv[1])
for k in range(n):
    since = 1795593600 + k * 60
    for ev, at in (("opened", since + 90), ("resolved", since + 400)):
        print('{"v":1,"type":"incident","id":"s1-home/%d000","event":"%s","check":"s1-home","site":"s1","tier":"enhanced","severity":"critical","at":"%s","since":"%s","reason":"r","maintenance":null}'
              % (since, ev, __import__("datetime").datetime.utcfromtimestamp(at).strftime("%Y-%m-%dT%H:%M:%SZ"),
                 __import__("datetime").datetime.utcfromtimestamp(since).strftime("%Y-%m-%dT%H:%M:%SZ")))
PY
export BENCH_HOOK="http://127.0.0.1:$port/hook/bench"
for mode in memory disk; do
  args=(--config "$work/config.yaml" --input "$work/in.ndjson")
  [ $mode = disk ] && args+=(--state "$work/outbox-$mode.sqlite")
  start=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$work/rss" "$ROUTE" "${args[@]}" > "$work/out" 2> "$work/err"
  end=$(date +%s.%N)
  sent=$(grep -c '"outcome":"sent"' "$work/out")
  awk -v s="$start" -v e="$end" -v n="$sent" -v m="$mode" -v rss="$(cat "$work/rss")" 'BEGIN {
    printf "%-6s %d deliveries in %.2fs = %.0f/s, peak RSS %.0f MiB\n", m, n, e - s, n / (e - s), rss / 1024 }'
done
