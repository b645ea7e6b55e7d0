#!/usr/bin/env python3
"""Workload "route" for bench/run: route beside Alertmanager.

1. Latency: COUNT incidents (default 30), one every 200 ms, from the moment the line is written to route's stdin
   (webhook sink, outbox on disk with --state: WAL, synchronous=FULL, so every queued delivery is fsynced) to the
   moment a loopback receiver in this process has read the request. The same for Alertmanager: one alert per POST to
   /api/v2/alerts, group_wait 0s, grouped by a per-alert label so every alert is a new group, a webhook receiver.
2. Rate: RATE_N incidents (default 10,000) in one file through route --state to nginx (return 200), BENCH_RUNS
   runs, deliveries/s = `sent` delivery lines / wall time of the whole process (start-up and drain included); and
   the same number of alerts posted to Alertmanager in batches of 500, counted as they arrive at nginx, in every
   round between route's runs (new alert names each round).

ROUTE_BEFORE_BIN=DIR (with ROUTE_BEFORE_LABEL) measures a second `route` in the same run, interleaved, for a
before/after beside the same Alertmanager runs: the shared disk's fsync latency moves by 20x within an hour here.

Environment: BENCH_BIN, BENCH_WORK, BENCH_OUT, BENCH_RUNS (set by bench/run); ROUTE_LATENCY_COUNT, ROUTE_RATE_N.
Writes $BENCH_OUT/route.md.
"""
import datetime, http.server, json, os, socketserver, statistics, subprocess, sys, threading, time, urllib.request
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.dont_write_bytecode = True   # no __pycache__ left in bench/
from benchlib import free_port, hwm_kib, start_nginx, stop_all, ticks, wait_http

BIN, WORK, OUT = os.environ["BENCH_BIN"], os.environ["BENCH_WORK"], os.environ["BENCH_OUT"]
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
COUNT = int(os.environ.get("ROUTE_LATENCY_COUNT", "30"))
RATE_N = int(os.environ.get("ROUTE_RATE_N", "10000"))
# The executables measured: this build, and optionally another one (before a change) in the same run.
ROUTES = [("`route --state`", BIN)] + ([(os.environ.get("ROUTE_BEFORE_LABEL", "before"), os.environ["ROUTE_BEFORE_BIN"])]
                                       if os.environ.get("ROUTE_BEFORE_BIN") else [])
work = os.path.join(WORK, "route"); os.makedirs(work, exist_ok=True)
children = []
arrived = {}

def log(msg): print(f"route: {msg}", file=sys.stderr, flush=True)

class Receiver(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        now = time.monotonic()
        if "alerts" in body:
            for a in body["alerts"]: arrived.setdefault(a["labels"]["bench_id"], now)
        elif "incident" in body:
            arrived.setdefault(body["incident"]["id"], now)
        # One write: headers and body in separate writes meet Nagle and delayed ACKs (40 ms per request).
        self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    def log_message(self, *a): pass

socketserver.ThreadingTCPServer.daemon_threads = True
receiver = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Receiver)
threading.Thread(target=receiver.serve_forever, daemon=True).start()
hook = f"http://127.0.0.1:{receiver.server_address[1]}/hook"

def stamp(s): return datetime.datetime.fromtimestamp(s, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

def incident(k, event="opened"):
    since = 1795593600 + k * 60
    return ('{"v":1,"type":"incident","id":"bench-%d/%d000","event":"%s","check":"s1-home","site":"s1","tier":"enhanced",'
            '"severity":"critical","at":"%s","since":"%s","reason":"down: status 503","maintenance":null}\n'
            % (k, since, event, stamp(since + 90), stamp(since)))

def route_config(url):
    path = os.path.join(work, "route.yaml")
    open(path, "w").write(f"""tiers:
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
""")
    return path, dict(os.environ, BENCH_HOOK=url)

def percentiles(lat):
    lat = sorted(lat)
    return statistics.median(lat), lat[max(0, int(len(lat) * 0.9) - 1)], lat[-1]

def start_alertmanager(url):
    port = free_port()
    cfg = os.path.join(work, "alertmanager.yml")
    open(cfg, "w").write(f"""route:
  receiver: hook
  group_by: [bench_id]
  group_wait: 0s
  group_interval: 1m
  repeat_interval: 4h
receivers:
  - name: hook
    webhook_configs:
      - url: {url}
        send_resolved: false
""")
    storage = os.path.join(work, f"am-{port}"); os.makedirs(storage)
    p = subprocess.Popen(["prometheus-alertmanager", f"--config.file={cfg}", f"--storage.path={storage}",
                          f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address=", "--log.level=warn"],
                         stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "alertmanager.log"), "a"))
    children.append(p)
    wait_http(f"http://127.0.0.1:{port}/-/ready", "route")
    return p, port

def post_alerts(port, ids):
    now = datetime.datetime.now(datetime.timezone.utc).isoformat()
    body = json.dumps([{"labels": {"alertname": "SiteDown", "bench_id": i, "severity": "critical"},
                        "annotations": {"summary": "down: status 503"}, "startsAt": now} for i in ids]).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v2/alerts", data=body, headers={"Content-Type": "application/json"})
    urllib.request.urlopen(req, timeout=10).read()

def wait_arrivals(ids, limit=10.0):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and not all(i in arrived for i in ids): time.sleep(0.005)

def latency(label, bindir, first):
    """COUNT incidents one at a time into a running route; incident numbers from `first` on (new ids per route)."""
    log(f"latency: {COUNT} incidents through {label} (webhook sink)")
    cfg, env = route_config(hook)
    state = os.path.join(work, f"outbox-{first}.sqlite")
    p = subprocess.Popen([f"{bindir}/route", "--config", cfg, "--state", state], stdin=subprocess.PIPE,
                         stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "route.log"), "a"), env=env)
    children.append(p)
    time.sleep(1.0)
    sent = {}
    for k in range(first, first + COUNT):
        ident = f"bench-{k}/{1795593600 + k * 60}000"
        sent[ident] = time.monotonic()
        p.stdin.write(incident(k).encode()); p.stdin.flush()
        wait_arrivals([ident], 2.0)
        time.sleep(0.2)
    hwm = hwm_kib(p.pid)
    p.stdin.close(); p.wait(timeout=60)
    return [(arrived[i] - t) * 1000 for i, t in sent.items() if i in arrived], hwm

try:
    # 1. Latency, route (and the route measured beside it).
    lats = [latency(label, bindir, n * 10_000) for n, (label, bindir) in enumerate(ROUTES)]
    route_lat, route_hwm = lats[0]
    route_delivered = len(route_lat)

    # 1. Latency, Alertmanager.
    log(f"latency: {COUNT} alerts through Alertmanager (group_wait 0s)")
    am, am_port = start_alertmanager(hook)
    am_sent = {}
    for k in range(COUNT):
        ident = f"am-{k}"
        am_sent[ident] = time.monotonic()
        post_alerts(am_port, [ident])
        wait_arrivals([ident], 10.0)
        time.sleep(0.2)
    am_hwm = hwm_kib(am.pid)
    am.terminate(); am.wait(timeout=10)
    am_lat = [(arrived[i] - t) * 1000 for i, t in am_sent.items() if i in arrived]

    # 2. Rate: nginx answers 200 to every POST and logs it.
    ngx = os.path.join(work, "nginx")
    nport = free_port()
    access = os.path.join(ngx, "logs", "access.log")
    start_nginx(ngx, nport, f'access_log {access}; location / {{ client_body_buffer_size 64k; return 200 "ok"; }}',
                children, "route")
    def posts(): return sum(1 for l in open(access) if '"POST ' in l)

    # The shared disk's fsync latency right now: every route transaction pays one, so the rate follows it.
    import sqlite3
    probe_db = os.path.join(work, "fsync.sqlite")
    conn = sqlite3.connect(probe_db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL"); conn.execute("PRAGMA synchronous=FULL"); conn.execute("CREATE TABLE t (a)")
    commits = []
    for i in range(200):
        t0 = time.monotonic(); conn.execute("BEGIN"); conn.execute("INSERT INTO t VALUES (?)", (i,)); conn.execute("COMMIT")
        commits.append((time.monotonic() - t0) * 1000)
    conn.close()
    commit_ms = statistics.median(commits)
    log(f"rate: an fsynced SQLite commit takes {commit_ms:.2f} ms (median of 200)")

    inp = os.path.join(work, "rate.ndjson")
    with open(inp, "w") as f:
        for k in range(RATE_N): f.write(incident(k))
    cfg, env = route_config(f"http://127.0.0.1:{nport}/hook")
    am, am_port = start_alertmanager(f"http://127.0.0.1:{nport}/am")
    runs = {label: [] for label, _ in ROUTES}
    am_runs = []
    for r in range(RUNS):
        for label, bindir in ROUTES:
            log(f"rate: {RATE_N} incidents through {label} to nginx, run {r + 1}/{RUNS}")
            state = os.path.join(work, f"rate-{len(runs[label])}-{bindir.replace('/', '_')}.sqlite")
            tfile = os.path.join(work, "rate.time")
            before = posts()
            start = time.monotonic()
            subprocess.run(["/usr/bin/time", "-o", tfile, "-f", "%e %U %S %M", f"{bindir}/route", "--config", cfg, "--input", inp,
                            "--state", state], stdout=open(os.path.join(work, "rate.out"), "w"),
                           stderr=open(os.path.join(work, "rate.err"), "w"), env=env, check=True)
            wall = time.monotonic() - start
            ok = sum(1 for l in open(os.path.join(work, "rate.out")) if '"outcome":"sent"' in l)
            w, u, s, m = open(tfile).read().split()[-4:]
            runs[label].append({"wall": wall, "cpu": float(u) + float(s), "rss": int(m), "sent": ok, "received": posts() - before})
        # Alertmanager, the same round: the same number of alerts (new names) in batches of 500.
        log(f"rate: {RATE_N} alerts through Alertmanager to nginx, run {r + 1}/{RUNS}")
        before = posts(); t0 = ticks(am.pid); start = time.monotonic()
        for b in range(0, RATE_N, 500):
            post_alerts(am_port, [f"rate{r}-{k}" for k in range(b, min(RATE_N, b + 500))])
        deadline = start + 180
        while time.monotonic() < deadline and posts() - before < RATE_N: time.sleep(0.05)
        wall = time.monotonic() - start
        am_runs.append({"wall": wall, "got": posts() - before, "cpu": (ticks(am.pid) - t0) / os.sysconf("SC_CLK_TCK")})
    am_rate_hwm = hwm_kib(am.pid)
    am.terminate(); am.wait(timeout=10)
    rate_runs = runs[ROUTES[0][0]]
finally:
    stop_all(children)

rm, r90, rmax = percentiles(route_lat)
am_m, a90, amax = percentiles(am_lat)
med = lambda key, rr=rate_runs: statistics.median(r[key] for r in rr)
rate = statistics.median(r["sent"] / r["wall"] for r in rate_runs)
am_rate = statistics.median(r["got"] / r["wall"] for r in am_runs)
am_rate_got = int(statistics.median(r["got"] for r in am_runs))
am_rate_wall = statistics.median(r["wall"] for r in am_runs)
am_rate_cpu = statistics.median(r["cpu"] for r in am_runs)
def lat_row(label, lat, hwm):
    m, p90, mx = percentiles(lat)
    return f"| {label} (webhook sink) | {len(lat)}/{COUNT} | {m:.1f} ms | {p90:.1f} ms | {mx:.1f} ms | {hwm // 1024} MiB |"
def rate_row(label, rr):
    rt = statistics.median(r["sent"] / r["wall"] for r in rr)
    each = ", ".join("%s" % f"{r['sent'] / r['wall']:,.0f}" for r in rr)
    return (f"| {label} | {int(med('sent', rr)):,} sent, {int(med('received', rr)):,} received | {med('wall', rr):.2f} s | {rt:,.0f} | "
            f"{med('cpu', rr):.2f} s | {int(med('rss', rr)) // 1024} MiB | {each} |")
others_lat = "".join("\n" + lat_row(label, *lats[n]) for n, (label, _) in enumerate(ROUTES) if n > 0)
others_rate = "".join("\n" + rate_row(label, runs[label]) for label, _ in ROUTES[1:])
beside = "".join(f"\n- Measured beside it in the same run, {label}: median latency {percentiles(lats[n][0])[0]:.1f} ms, "
                 f"{statistics.median(r['sent'] / r['wall'] for r in runs[label]):,.0f} deliveries/s; this build against it: latency "
                 f"{rm / percentiles(lats[n][0])[0]:.2f}x, rate {rate / statistics.median(r['sent'] / r['wall'] for r in runs[label]):.2f}x."
                 for n, (label, _) in enumerate(ROUTES) if n > 0)
lat_ok = rm < 50 and route_delivered == COUNT
rate_ok = rate >= 1000 and all(r["sent"] == RATE_N for r in rate_runs)
verdict = lambda ok: "met" if ok else "**not met**"
md = f"""### route: incident to webhook, and 10,000 incidents through the outbox, vs Alertmanager

Latency: {COUNT} incidents, one at a time, each 200 ms after the previous arrived; timed from writing the line to
`route`'s stdin (outbox on disk with `--state`: SQLite WAL, synchronous=FULL, the delivery fsynced before it is sent)
until a Python receiver on 127.0.0.1 (in the measuring process) has read the request. Alertmanager: one alert per
POST to `/api/v2/alerts`, `group_wait: 0s`, `group_by: [bench_id]` (a label unique per alert, so each alert is a new
group and is not held back by `group_interval`), the same receiver.

| | delivered | median | p90 | max | peak RSS |
| --- | ---: | ---: | ---: | ---: | ---: |
| `route --state` (webhook sink) | {route_delivered}/{COUNT} | **{rm:.1f} ms** | {r90:.1f} ms | {rmax:.1f} ms | {route_hwm // 1024} MiB |
| Alertmanager {subprocess.run(["prometheus-alertmanager", "--version"], capture_output=True, text=True).stdout.split()[2]} (group_wait 0s) | {len(am_lat)}/{COUNT} | {am_m:.1f} ms | {a90:.1f} ms | {amax:.1f} ms | {am_hwm // 1024} MiB |
| **ratio** route / Alertmanager (median; under 1 = route faster) | | **{rm / am_m:.2f}** | | | |{others_lat}

Rate: {RATE_N:,} `opened` incidents in one file through `route --state` (on-disk outbox) to nginx answering 200
(webhook sink, default `concurrency` 8), {RUNS} runs, deliveries/s over the whole process lifetime (start-up, queueing,
sending, draining). Alertmanager: the same number of alerts posted in batches of 500, counted as they reach nginx, one
run in each round after route's (each capped at 180 s). The disk at the time: one fsynced SQLite commit (WAL, synchronous=FULL) took {commit_ms:.2f} ms
(median of 200, just before the runs); route pays one per transaction.

| | delivered | wall (median) | deliveries/s (median) | CPU user+sys (median) | peak RSS (median) | runs, deliveries/s |
| --- | ---: | ---: | ---: | ---: | ---: | --- |
| `route --state` | {int(med("sent")):,} sent, {int(med("received")):,} received | {med("wall"):.2f} s | **{rate:,.0f}** | {med("cpu"):.2f} s | {int(med("rss")) // 1024} MiB | {", ".join(f"{r['sent'] / r['wall']:,.0f}" for r in rate_runs)} |
| Alertmanager | {am_rate_got:,} received | {am_rate_wall:.2f} s | {am_rate:,.0f} | {am_rate_cpu:.2f} s | {am_rate_hwm // 1024} MiB | {", ".join(f"{r['got'] / r['wall']:,.0f}" for r in am_runs)} |
| **ratio** route / Alertmanager (over 1 = route faster) | | | **{rate / am_rate:.2f}** | | | |{others_rate}

- Target median latency under 50 ms with the outbox's fsync: {verdict(lat_ok)} ({rm:.1f} ms; Alertmanager {am_m:.1f} ms).
- Target 10,000 incidents through the outbox at 1,000/s or better: {verdict(rate_ok)} ({rate:,.0f}/s).
- Target (issue 21) rate at least 2x Alertmanager's: {verdict(rate_ok and rate >= 2 * am_rate)} ({rate / am_rate:.2f}x: {rate:,.0f}/s against {am_rate:,.0f}/s).
- Target (issue 21) median latency at most Alertmanager's: {verdict(lat_ok and rm <= am_m)} ({rm:.1f} ms against {am_m:.1f} ms).{beside}

```sh
bench/run route      # python3 bench/route/compare.py (route --config route.yaml --state outbox.sqlite; prometheus-alertmanager --config.file=alertmanager.yml)
```
"""
open(os.path.join(OUT, "route.md"), "w").write(md)
log(f"latency median {rm:.1f} ms (Alertmanager {am_m:.1f} ms); rate {rate:,.0f}/s (Alertmanager {am_rate:,.0f}/s)")
