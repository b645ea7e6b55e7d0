#!/usr/bin/env bash
# Benchmark: what a browser check costs. `probe --once` over N browser checks of a script-rendered page (a shell, a
# script, an API call) on a loopback server, beside `chromium --headless --dump-dom` run once per URL, the plain way to
# render a page from a script. Prints markdown rows on stdout (bench/RESULTS.md is written by bench/run alone).
#
#   bench/probe/browser.sh [CHECKS]      default 20
#
# CPU: user+sys of the process and every descendant it reaped (wait4's rusage): the probe stops its Chromium with
# SIGTERM, so the browser's renderers, GPU and utility processes are reaped and counted. Memory: the peak, sampled every
# 100 ms, of the summed RSS and PSS of the whole process tree (one RSS figure from GNU time would be one process's).
# "per check" divides by CHECKS and includes starting the browser once; the 1-check run gives the start's share.
# Builds probe in release mode into .build-release (PROBE_BUILD=debug: a debug build instead).
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/lib.sh
checks=${1:-20}
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT

build=${PROBE_BUILD:-release}
probe=$(build_probe)
chromium=${LOOKOUT_CHROMIUM:-$(command -v chromium || command -v chromium-browser)}

# The site: /page/N is the HTML shell; its script fetches /api/products and renders 40 products.
port=$(free_port)
python3 - "$port" <<'PY' &
import http.server, sys
shell = b'<!doctype html><html><head><title>Shop</title></head><body><header><h1>Shop</h1></header><main id="p"></main><script src="/app.js"></script></body></html>'
app = b'fetch("/api/products").then(r => r.json()).then(items => { const m = document.getElementById("p"); for (const i of items) { const e = document.createElement("p"); e.textContent = i.name + ": $" + i.price; m.appendChild(e); } });'
api = ("[" + ",".join('{"name":"Anvil %d","price":%d}' % (k, k * 3) for k in range(1, 41)) + "]").encode()
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        body, kind = (app, "text/javascript") if self.path == "/app.js" else (api, "application/json") if self.path == "/api/products" else (shell, "text/html")
        if self.path == "/favicon.ico": body, kind = b"", "image/x-icon"
        self.send_response(200); self.send_header("Content-Type", kind); self.send_header("Content-Length", str(len(body))); self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
pids+=($!)
wait_http "http://127.0.0.1:$port/page/0"

# tree_measure OUT CMD...: runs CMD, samples its process tree every 100 ms, and writes "cpu_s peak_rss_mib peak_pss_mib".
tree_measure() {
  local out=$1; shift
  python3 - "$out" "$@" <<'PY'
import os, resource, subprocess, sys, time
out, cmd = sys.argv[1], sys.argv[2:]
p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
def tree(root):
    kids = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try: kids.setdefault(int(open(f"/proc/{d}/stat").read().rsplit(")", 1)[1].split()[1]), []).append(int(d))
            except OSError: pass
    found, todo = [], [root]
    while todo:
        pid = todo.pop(); found.append(pid); todo += kids.get(pid, [])
    return found
def kib(pid, name, field):
    try:
        for line in open(f"/proc/{pid}/{name}"):
            if line.startswith(field): return int(line.split()[1])
    except OSError: pass
    return 0
peak_rss = peak_pss = 0
while p.poll() is None:
    pids = tree(p.pid)
    peak_rss = max(peak_rss, sum(kib(q, "status", "VmRSS:") for q in pids))
    peak_pss = max(peak_pss, sum(kib(q, "smaps_rollup", "Pss:") for q in pids))
    time.sleep(0.1)
# The child is reaped by poll(); its rusage (with every descendant it reaped) is in RUSAGE_CHILDREN.
r = resource.getrusage(resource.RUSAGE_CHILDREN)
open(out, "w").write(f"{r.ru_utime + r.ru_stime:.2f} {peak_rss / 1024:.0f} {peak_pss / 1024:.0f} {p.returncode}\n")
PY
}

config() {
  echo "tiers: {standard: {outage: warning, degraded: info}}"
  echo "sites:"
  echo "  - id: shop"
  echo "    tier: standard"
  echo "    checks:"
  for k in $(seq 1 "$1"); do
    echo "      - {id: page-$k, browser: \"http://127.0.0.1:$port/page/$k\", expect: {contains: [\"Anvil 40\"]}}"
  done
}

rows=()
for n in 1 "$checks"; do
  config "$n" > "$work/browser-$n.yaml"
  tree_measure "$work/probe-$n.txt" "$probe" --once --config "$work/browser-$n.yaml" --output "$work/out-$n.ndjson"
  read -r cpu rss pss rc < "$work/probe-$n.txt"
  ok=$(grep -c '"ok":true' "$work/out-$n.ndjson" || true)
  [ "$rc" = 0 ] && [ "$ok" = "$n" ] || { echo "probe: exit $rc, $ok of $n checks passed" >&2; head -3 "$work/out-$n.ndjson" >&2; exit 1; }
  rows+=("| probe --once, $n browser checks ($build build) | $n | $cpu s | $(calc "round($cpu / $n, 3)") s | $rss MiB | $pss MiB |")
done

: > "$work/dump.tsv"
for k in $(seq 1 "$checks"); do
  tree_measure "$work/dump.txt" "$chromium" --headless --no-sandbox --disable-gpu --user-data-dir="$work/profile-$k" \
    --virtual-time-budget=5000 --dump-dom "http://127.0.0.1:$port/page/$k"
  cat "$work/dump.txt" >> "$work/dump.tsv"
done
cpu=$(awk '{s += $1} END {printf "%.2f", s}' "$work/dump.tsv")
rss=$(awk '$2 > m {m = $2} END {print m}' "$work/dump.tsv")
pss=$(awk '$3 > m {m = $3} END {print m}' "$work/dump.tsv")
rows+=("| chromium --headless --dump-dom, once per URL | $checks | $cpu s | $(calc "round($cpu / $checks, 3)") s | $rss MiB | $pss MiB |")

machine="$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr), $("$chromium" --version 2>/dev/null | head -1)"
echo "Browser checks, $(date -u +%Y-%m-%dT%H:%MZ), $machine, \`PROBE_BUILD=$build bench/probe/browser.sh $checks\`"
echo
echo "| what | pages | CPU user+sys | CPU per page | peak RSS (tree, summed) | peak PSS (tree) |"
echo "|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
