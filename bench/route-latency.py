#!/usr/bin/env python3
"""Latency from an incident line entering `route` to its webhook arriving at a loopback receiver.

Runs the built route with a webhook sink (no grouping, no pacing) and an on-disk outbox, writes one incident every
200 ms to its stdin, and reports the median and worst time until the receiver saw it.
Usage: bench/route-latency.py [COUNT]   (ROUTE=path to the executable; default .build/release or .build/debug)
"""
import http.server, json, os, socketserver, statistics, subprocess, sys, tempfile, threading, time, datetime

count = int(sys.argv[1]) if len(sys.argv) > 1 else 50
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
route = os.environ.get("ROUTE") or next(p for p in (f"{root}/.build/release/route", f"{root}/.build/debug/route") if os.path.exists(p))
arrived = {}

class Receiver(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        arrived[json.loads(body)["incident"]["id"]] = time.monotonic()
        self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")  # one write: no Nagle delay
    def log_message(self, *a): pass

server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Receiver)
threading.Thread(target=server.serve_forever, daemon=True).start()
work = tempfile.mkdtemp()
config = f"""tiers:
  enhanced: {{outage: critical, ticket: true}}
sites:
  - id: s1
    tier: enhanced
    checks: [{{id: s1-home, tcp: "127.0.0.1:9"}}]
routing:
  sinks:
    hook: {{kind: webhook, url: "${{BENCH_HOOK}}"}}
  routes:
    - {{sinks: [hook]}}
"""
open(f"{work}/config.yaml", "w").write(config)
env = dict(os.environ, BENCH_HOOK=f"http://127.0.0.1:{server.server_address[1]}/hook/bench")
proc = subprocess.Popen([route, "--config", f"{work}/config.yaml", "--state", f"{work}/outbox.sqlite"],
                        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, env=env)
time.sleep(1)
sent = {}
for k in range(count):
    since = 1795593600 + k * 60
    ts = lambda s: datetime.datetime.fromtimestamp(s, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    ident = f"s1-home/{since}000"
    line = ('{"v":1,"type":"incident","id":"%s","event":"opened","check":"s1-home","site":"s1","tier":"enhanced",'
            '"severity":"critical","at":"%s","since":"%s","reason":"r","maintenance":null}\n') % (ident, ts(since + 90), ts(since))
    sent[ident] = time.monotonic()
    proc.stdin.write(line.encode()); proc.stdin.flush()
    time.sleep(0.2)
proc.stdin.close()
proc.wait(timeout=60)
server.shutdown()
lat = sorted((arrived[i] - t) * 1000 for i, t in sent.items() if i in arrived)
print(f"{len(lat)}/{count} delivered; latency median {statistics.median(lat):.1f} ms, p90 {lat[int(len(lat) * 0.9) - 1]:.1f} ms, max {lat[-1]:.1f} ms ({os.path.basename(os.path.dirname(os.path.dirname(route)))}/{os.path.basename(os.path.dirname(route))} build)")
