# The browser benchmarks' loopback site and config (sourced by browser.sh and browser-soak.sh, not run).

# browser_site PORT: serves, in the background, /page/N: an HTML shell whose script fetches /api/products and renders
# 40 products ("Anvil 1" .. "Anvil 40"), the page a plain http check cannot judge. The caller stops it ($!).
browser_site() {
  python3 - "$1" <<'PY' &
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
}

# browser_config CHECKS PORT [EVERY]: CHECKS browser checks of /page/1 .. /page/CHECKS, each expecting the rendered
# "Anvil 40" (EVERY: the checks' interval; the browser kind's default 5m if omitted).
browser_config() {
  local checks=$1 port=$2 every=${3:-} k
  echo "tiers: {standard: {outage: warning, degraded: info}}"
  echo "sites:"
  echo "  - id: shop"
  echo "    tier: standard"
  echo "    checks:"
  for k in $(seq 1 "$checks"); do
    echo "      - {id: page-$k, browser: \"http://127.0.0.1:$port/page/$k\",${every:+ every: $every,} expect: {contains: [\"Anvil 40\"]}}"
  done
}

# browser_bench_start: what both browser benchmarks begin with: a temp folder and the cleanup of every process started,
# the probe to measure (PROBE=PATH, or built per PROBE_BUILD), Chromium, and the loopback site on a free port.
# Sets work, pids, probe, chromium and port.
browser_bench_start() {
  work=$(mktemp -d)
  pids=()
  trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
  build=${PROBE_BUILD:-release}
  probe=${PROBE:-$(build_probe)}
  # The tables name the build they measured: a given binary is named by its path.
  [ -z "${PROBE:-}" ] || build="given $PROBE"
  chromium=${LOOKOUT_CHROMIUM:-$(command -v chromium || command -v chromium-browser)}
  port=$(free_port)
  browser_site "$port"
  pids+=($!)
  wait_http "http://127.0.0.1:$port/page/0"
}
