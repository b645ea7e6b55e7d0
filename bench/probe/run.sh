#!/usr/bin/env bash
# Benchmark: `probe --once` over N local HTTP checks with content assertions, measuring the probe process's CPU
# (user+sys) per check and its peak RSS with /usr/bin/time -v. Prints one markdown row on stdout: bench/RESULTS.md is
# written by bench/run alone.
#
#   bench/probe/run.sh [CHECKS] [HOSTS]      defaults: 1000 checks over 50 loopback hosts (127.0.0.1-127.0.0.50)
#
# The target is nginx (Debian's nginx-light, run unprivileged from a temp dir) serving a 20 KB page; without nginx
# it falls back to Python's threading HTTP server. Only the probe's own CPU is counted, so the server's speed only
# changes the wall time. Builds probe in release mode into .build-release (PROBE_BUILD=debug: a debug build instead).
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/lib.sh
checks=${1:-1000}
hosts=${2:-50}
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT

build=${PROBE_BUILD:-release}
probe=$(build_probe)

port=$(free_port)
mkdir -p "$work/www"
python3 - "$work/www/page.html" <<'PY'
import sys
rows = "".join(f'<li class="product">Product {i}: a fine thing at a fair price</li>' for i in range(1, 260))
page = f"<!doctype html><html><head><title>Bench</title></head><body><header>Bench</header><main><ul>{rows}</ul></main><footer>&copy; 2026</footer></body></html>"
open(sys.argv[1], "w").write(page)
PY

if command -v nginx >/dev/null; then
  server="nginx $(nginx -v 2>&1 | sed 's/.*nginx\///')"
  start_nginx "$work" "$port" "$hosts" / 'location / { default_type text/html; try_files /page.html =404; }'
else
  server="python3 http.server (ThreadingHTTPServer)"
  # One server per loopback address the checks use (127.0.0.1 to 127.0.0.HOSTS), never a wildcard address.
  (cd "$work/www" && exec python3 -c '
import http.server, sys, threading
class H(http.server.SimpleHTTPRequestHandler):
    def translate_path(self, path): return "page.html"
    def log_message(self, *a): pass
servers = [http.server.ThreadingHTTPServer((f"127.0.0.{h}", int(sys.argv[1])), H) for h in range(1, int(sys.argv[2]) + 1)]
for s in servers[1:]: threading.Thread(target=s.serve_forever, daemon=True).start()
servers[0].serve_forever()' "$port" "$hosts") &
  pids+=($!)
  wait_http "http://127.0.0.1:$port/"
fi

probe_config 30s "$checks" "$hosts" "$port" > "$work/bench.yaml"

cmd="probe --once --config bench.yaml --concurrency 64 --per-host 4"
/usr/bin/time -v "$probe" --once --config "$work/bench.yaml" --concurrency 64 --per-host 4 \
  > "$work/out.ndjson" 2> "$work/time.txt"
lines=$(wc -l < "$work/out.ndjson")
okcount=$(grep -c '"ok":true' "$work/out.ndjson" || true)
user=$(awk -F': ' '/User time/ {print $2}' "$work/time.txt")
sys=$(awk -F': ' '/System time/ {print $2}' "$work/time.txt")
wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time.txt")
rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
per=$(python3 -c "print(f'{($user + $sys) * 1000 / $checks:.3f}')")
rssmb=$(python3 -c "print(f'{$rss / 1024:.1f}')")
machine="$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr)"
echo "checks=$checks results=$lines ok=$okcount user=${user}s sys=${sys}s wall=$wall cpu_per_check=${per}ms peak_rss=${rssmb}MiB" >&2
[ "$lines" -eq "$checks" ] || { echo "expected $checks results, got $lines" >&2; exit 1; }
[ "$okcount" -eq "$checks" ] || { echo "only $okcount of $checks checks passed; first failure:" >&2; grep -m1 '"ok":false' "$work/out.ndjson" >&2; exit 1; }

echo "| date (UTC) | checks | hosts | ok | CPU user+sys | CPU per check | wall | peak RSS | server | machine | command |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
echo "| $(date -u +%Y-%m-%dT%H:%MZ) | $checks | $hosts | $okcount | ${user}s + ${sys}s | ${per} ms | $wall | ${rssmb} MiB | $server | $machine | \`PROBE_BUILD=$build bench/probe/run.sh $checks $hosts\` ($cmd, $build build) |"
