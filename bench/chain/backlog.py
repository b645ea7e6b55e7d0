#!/usr/bin/env python3
"""Workload "chain" for bench/run: the file-based chain draining a backlog.

After an hour in which the central host's classify and route were down while probe kept writing, the probe output
file holds an hour of results: CHAIN_CHECKS checks (default 1,000) every 30 s from one location for CHAIN_ROUNDS
rounds (default 120), 120,000 lines, written by bench/classify/generate.py. The chain is then started as
pipelines/run starts it, on fresh state:

    classify --input results.ndjson --follow --state classify.sqlite --output classified.ndjson
    route --input classified.ndjson --follow --state route.sqlite --output deliveries.ndjson   (webhook to nginx)

and timed from the start of both until classify has written every line and route has sent every delivery (its
output holds a `sent` line for each): the time for the backlog to drain. What "every" is comes from an untimed
reference: `classify` over the same file in memory (the bytes its follower must write) and `route --dry-run` over
that (one `would_send` line per delivery).

CHAIN_BEFORE_BIN=DIR (with CHAIN_BEFORE_LABEL) measures a second set of executables too, the runs interleaved, for a
before/after in one run. Environment: BENCH_BIN, BENCH_WORK, BENCH_OUT, BENCH_RUNS, BENCH_DATA (set by bench/run).
Writes $BENCH_OUT/chain.md.
"""
import os, shutil, statistics, subprocess, sys, time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.dont_write_bytecode = True   # no __pycache__ left in bench/
from benchlib import free_port, hwm_kib, start_nginx, stop_all, ticks

BIN, WORK, OUT = os.environ["BENCH_BIN"], os.environ["BENCH_WORK"], os.environ["BENCH_OUT"]
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
CHECKS = int(os.environ.get("CHAIN_CHECKS", "1000"))
ROUNDS = int(os.environ.get("CHAIN_ROUNDS", "120"))
DATA = os.environ.get("BENCH_DATA", "/tmp/lookout-bench")
here = os.path.dirname(os.path.abspath(__file__))
work = os.path.join(WORK, "chain"); os.makedirs(work, exist_ok=True)
children = []

def log(msg): print(f"chain: {msg}", file=sys.stderr, flush=True)

# The backlog and its config (the classify corpus's, with a webhook route for every incident).
data = os.path.join(DATA, f"chain-{CHECKS}-{ROUNDS}")
backlog = os.path.join(data, "classify.ndjson")
if not os.path.exists(backlog) or os.path.getsize(backlog) == 0:
    subprocess.run([sys.executable, os.path.join(here, "..", "classify", "generate.py"), data, str(CHECKS), str(ROUNDS), "1"], check=True)
lines = sum(1 for _ in open(backlog, "rb"))
config = os.path.join(work, "chain.yaml")
with open(config, "w") as f:
    f.write(open(os.path.join(data, "classify.config.yaml")).read())
    f.write('routing:\n  sinks:\n    hook: {kind: webhook, url: "${BENCH_HOOK}"}\n  routes:\n    - {sinks: [hook]}\n')

ngx = os.path.join(work, "nginx"); port = free_port()
env = dict(os.environ, BENCH_HOOK=f"http://127.0.0.1:{port}/hook")

bins = [(os.environ.get("CHAIN_BEFORE_LABEL", "before"), os.environ["CHAIN_BEFORE_BIN"])] if os.environ.get("CHAIN_BEFORE_BIN") else []
bins.append((os.environ.get("CHAIN_LABEL", "this checkout"), BIN))

def reference(bindir):
    """What a drained chain holds: classify's output bytes (in memory, read once) and route's delivery count."""
    ref = os.path.join(work, "reference.ndjson")
    with open(ref, "wb") as out:
        subprocess.run([f"{bindir}/classify", "--config", config, "--input", backlog], stdout=out, check=True)
    dry = subprocess.run([f"{bindir}/route", "--config", config, "--input", ref, "--dry-run"], capture_output=True, env=env, check=True)
    return os.path.getsize(ref), dry.stdout.count(b'"type":"would_send"'), sum(1 for l in open(ref, "rb") if b'"type":"incident"' in l), ref

def count_sent(path, state):
    """Counts `sent` lines in route's output, reading only what was added since the last call."""
    try:
        with open(path, "rb") as f:
            f.seek(state["offset"]); chunk = f.read()
    except FileNotFoundError:
        return state["sent"]
    cut = chunk.rfind(b"\n") + 1
    state["offset"] += cut
    state["sent"] += chunk[:cut].count(b'"outcome":"sent"')
    return state["sent"]

def drain(bindir, size, deliveries, ref, run):
    d = os.path.join(work, f"run-{run}")
    shutil.rmtree(d, ignore_errors=True); os.makedirs(d)
    results, classified, delivered = (os.path.join(d, n) for n in ("results.ndjson", "classified.ndjson", "deliveries.ndjson"))
    os.link(backlog, results)
    open(classified, "w").close()
    err = open(os.path.join(d, "stderr"), "w")
    start = time.monotonic()
    c = subprocess.Popen([f"{bindir}/classify", "--config", config, "--input", results, "--follow", "--state", os.path.join(d, "classify.sqlite"),
                          "--output", classified], stderr=err, env=env)
    r = subprocess.Popen([f"{bindir}/route", "--config", config, "--input", classified, "--follow", "--state", os.path.join(d, "route.sqlite"),
                          "--output", delivered], stderr=err, env=env)
    children.extend([c, r])
    sent = {"offset": 0, "sent": 0}
    t_classify = t_route = None
    deadline = start + 900
    while time.monotonic() < deadline and (t_classify is None or t_route is None):
        now = time.monotonic()
        if t_classify is None and os.path.getsize(classified) >= size: t_classify = now - start
        if t_route is None and count_sent(delivered, sent) >= deliveries: t_route = now - start
        if c.poll() is not None or r.poll() is not None: break
        time.sleep(0.005)
    hz = os.sysconf("SC_CLK_TCK")
    cpu_c, cpu_r, rss_c, rss_r = ticks(c.pid) / hz, ticks(r.pid) / hz, hwm_kib(c.pid), hwm_kib(r.pid)
    for p in (c, r): p.terminate()
    for p in (c, r): p.wait(timeout=30)
    same = open(classified, "rb").read() == open(ref, "rb").read()
    if t_classify is None or t_route is None or not same:
        raise SystemExit(f"chain: run {run} with {bindir} did not drain (classify {t_classify}, route {t_route}, {sent['sent']}/{deliveries} sent, "
                         f"classified output {'identical to' if same else 'different from'} the reference); see {d}/stderr")
    shutil.rmtree(d, ignore_errors=True)
    return {"classify": t_classify, "drained": max(t_classify, t_route), "cpu_c": cpu_c, "cpu_r": cpu_r, "rss_c": rss_c, "rss_r": rss_r}

try:
    start_nginx(ngx, port, 'location / { client_body_buffer_size 64k; return 200 "ok"; }', children, "chain")
    refs = {}
    for label, bindir in bins:
        refs[label] = reference(bindir)
        log(f"{label}: {lines} lines -> {refs[label][0]} bytes classified, {refs[label][2]} incidents, {refs[label][1]} deliveries")
    results = {label: [] for label, _ in bins}
    for run in range(RUNS):
        for label, bindir in bins:
            size, deliveries, _, ref = refs[label]
            r = drain(bindir, size, deliveries, ref, run)
            results[label].append(r)
            log(f"{label} run {run + 1}/{RUNS}: classify {r['classify']:.2f} s, drained {r['drained']:.2f} s, CPU classify {r['cpu_c']:.2f} s, route {r['cpu_r']:.2f} s")
finally:
    stop_all(children)

med = lambda label, key: statistics.median(r[key] for r in results[label])
rows = []
for label, bindir in bins:
    size, deliveries, incidents, _ = refs[label]
    rows.append(f"| {label} | {incidents:,} / {deliveries:,} | {med(label, 'classify'):.2f} s | **{med(label, 'drained'):.2f} s** | "
                f"{lines / med(label, 'drained'):,.0f} | {med(label, 'cpu_c'):.2f} s | {med(label, 'cpu_r'):.2f} s | "
                f"{med(label, 'rss_c') / 1024:.0f} / {med(label, 'rss_r') / 1024:.0f} MiB | "
                + ", ".join("%.2f" % r["drained"] for r in results[label]) + " |")
ratio = ""
if len(bins) == 2:
    a, b = bins[0][0], bins[1][0]
    ratio = f"\nDrain time {b} / {a}: **{med(b, 'drained') / med(a, 'drained'):.2f}** (under 1 = faster).\n"
md = f"""### chain: an hour's backlog of {CHECKS:,} checks ({lines:,} lines) through classify and route following files

After an hour in which classify and route were down and probe kept writing: `bench/classify/generate.py` with
{CHECKS} checks, {ROUNDS} rounds every 30 s, one location ({os.path.getsize(backlog) // 1_000_000} MB). Both stages start together on fresh
state, as `pipelines/run` starts them (`classify --input results.ndjson --follow --state --output classified.ndjson`,
`route --input classified.ndjson --follow --state --output deliveries.ndjson`, a webhook sink to nginx answering 200),
and the backlog has drained when classify's output holds every line (byte for byte what `classify` writes reading the
file once) and route's holds a `sent` line for every delivery (as many as `route --dry-run` plans). Medians of {RUNS}
runs, the executables interleaved; CPU user+sys and peak RSS of each stage from /proc.

| executables | incidents / deliveries | classify done | drained | lines/s | CPU classify | CPU route | peak RSS classify / route | runs, drained s |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |
{chr(10).join(rows)}
{ratio}
```sh
bench/run chain      # python3 bench/chain/backlog.py; CHAIN_BEFORE_BIN=DIR adds a second set of executables, interleaved
```
"""
open(os.path.join(OUT, "chain.md"), "w").write(md)
log("drained in " + ", ".join(f"{label} {med(label, 'drained'):.2f} s" for label, _ in bins))
