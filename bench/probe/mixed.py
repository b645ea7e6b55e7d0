"""bench/probe/mixed.py: the long-running half of bench/probe/mixed.sh (which makes the CA, the page and nginx, then
calls this). For each probe binary: `probe --config mixed.yaml --output FILE` running for SECONDS, its CPU (utime +
stime) and memory (VmRSS, VmHWM) read from /proc every SAMPLE seconds, then every result checked against what its
target must give. Then blackbox_exporter driven at the same rate: each target's /probe request sent at the same
offset within the interval as the probe's jitter puts that check (one curl per second for the targets due in it),
blackbox's CPU and memory read from /proc of its own process only, the driver's (this script and its curls) from
os.times(). Prints a Markdown section on stdout, progress on stderr."""
import argparse, datetime, json, os, re, signal, subprocess, sys, time, urllib.request

HZ = os.sysconf("SC_CLK_TCK")
MIB = 1024.0


def log(*parts):
    print("mixed:", *parts, file=sys.stderr, flush=True)


def fnv(text):
    """ProbeRunner.jitter's hash (FNV-1a 64 of the id), so the driver sends each target when probe runs its check."""
    h = 14695981039346656037
    for b in text.encode():
        h = ((h ^ b) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h


def targets(a):
    """Every check: id, kind, whether it must pass, the probe config line and the blackbox module and target.
    Site s (of SITES) is on host 127.0.0.((s - 1) mod HOSTS + 1); every 101st site is built to fail: its page is
    missing (404), its certificate is checked for a name it does not carry, its tcp port is closed."""
    out = []
    for s in range(1, a.sites + 1):
        h = f"127.0.0.{(s - 1) % a.hosts + 1}"
        bad = s % 101 == 0
        site = []
        if "http" in a.kinds:
            url = f"http://{h}:{a.http_port}/{'missing' if bad else 'page'}/{s}"
            site.append(dict(id=f"site{s}-http", kind="http", ok=not bad, module="http_content", target=url,
                             yaml=f'{{id: site{s}-http, http: "{url}", expect: {{status: [200], contains: ["<footer", '
                                  f'"/Product 25[0-9]/"], not_contains: ["Fatal error"], min_bytes: 10000, max_ms: 3000}}}}'))
        if "tls" in a.kinds:
            t = f"{h}:{a.tls_port}"
            extra = ", server_name: wrong.example" if bad else ""
            site.append(dict(id=f"site{s}-tls", kind="tls", ok=not bad, module="tcp_tls_wrong_name" if bad else "tcp_tls",
                             target=t, yaml=f'{{id: site{s}-tls, tls: "{t}", ca_file: "{a.work}/ca.pem"{extra}}}'))
        if "tcp" in a.kinds:
            t = f"{h}:{a.closed_port if bad else a.http_port}"
            site.append(dict(id=f"site{s}-tcp", kind="tcp", ok=not bad, module="tcp_connect", target=t,
                             yaml=f'{{id: site{s}-tcp, tcp: "{t}"}}'))
        out.append((s, site))
    return out


def write_config(a, sites):
    path = os.path.join(a.work, "mixed.yaml")
    with open(path, "w") as f:
        f.write("tiers: {standard: {outage: warning, degraded: info}}\n")
        f.write(f"defaults: {{every: {a.every}s, timeout: 10s}}\n")
        f.write("sites:\n")
        for s, checks in sites:
            f.write(f"  - id: site{s}\n    tier: standard\n    checks:\n")
            for c in checks:
                f.write(f"      - {c['yaml']}\n")
    return path


def proc(pid):
    """(CPU seconds, VmRSS KiB, VmHWM KiB) of one process, from /proc."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / HZ
    rss = hwm = 0
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"): rss = int(line.split()[1])
        elif line.startswith("VmHWM:"): hwm = int(line.split()[1])
    return cpu, rss, hwm


def driver_cpu():
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


class LineCounter:
    """Counts the lines appended to a file so far, reading only what is new."""
    def __init__(self, path):
        self.f = open(path, "rb"); self.n = 0

    def count(self):
        while True:
            chunk = self.f.read(1 << 20)
            if not chunk: return self.n
            self.n += chunk.count(b"\n")


def monitor(pid, a, done_so_far, step=None, perf=None):
    """Samples pid every a.sample seconds for a.seconds; `step(now)` is called about every 50 ms in between (the
    blackbox driver's sends). Returns the rows (t, window cores, RSS KiB, HWM KiB, done in window) and the totals."""
    t0 = time.monotonic(); cpu0, _, _ = proc(pid); d0 = done_so_far()
    rows, last_t, last_cpu, last_done = [], t0, cpu0, d0
    next_sample = t0 + a.sample; end = t0 + a.seconds
    perf_proc = None
    while True:
        now = time.monotonic()
        if perf and perf_proc is None and now - t0 >= perf[1]:
            log(f"perf record -g on pid {pid} for {perf[2]} s into {perf[0]}")
            perf_proc = subprocess.Popen(["perf", "record", "-g", "-p", str(pid), "-o", perf[0], "--", "sleep", str(perf[2])],
                                         stdout=subprocess.DEVNULL, stderr=open(perf[0] + ".log", "w"))
        if now >= next_sample or now >= end:
            cpu, rss, hwm = proc(pid); done = done_so_far()
            rows.append((round(now - t0), (cpu - last_cpu) / (now - last_t), rss, hwm, done - last_done))
            log(f"t={now - t0:.0f}s cores={(cpu - last_cpu) / (now - last_t):.3f} rss={rss / MIB:.1f}MiB hwm={hwm / MIB:.1f}MiB done={done - last_done}")
            last_t, last_cpu, last_done = now, cpu, done
            next_sample += a.sample
            if now >= end: break
        if step: step(now)
        time.sleep(0.05 if step else max(0.0, min(next_sample, end) - time.monotonic()))
    if perf_proc: perf_proc.wait(timeout=perf[2] + 120)
    cpu, rss, hwm = proc(pid)
    return rows, dict(wall=time.monotonic() - t0, cpu=cpu - cpu0, hwm=hwm, done=done_so_far() - d0)


def run_probe(a, binary, label, config, checks, perf):
    out = os.path.join(a.work, f"{label}.ndjson"); open(out, "w").close()
    err = os.path.join(a.work, f"{label}.log")
    cmd = [binary, "--config", config, "--output", out, "--heartbeat", str(a.sample)] + a.probe_args.split()
    log(f"{label}: {' '.join(cmd)} for {a.seconds} s")
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=open(err, "w"))
    counter = LineCounter(out)
    rows, total = monitor(p.pid, a, counter.count, perf=perf)
    stopped_ms = int(time.time() * 1000)
    p.send_signal(signal.SIGTERM)
    try: p.wait(timeout=60)
    except subprocess.TimeoutExpired: p.kill(); p.wait()
    # Every result against its check's expected verdict.
    want = {c["id"]: c for c in checks}
    got = dict(results=0, ok=0, failed=0, wrong=0, degraded=0, unknown=0, by_kind={})
    first_wrong = None
    every_ms = a.every * 1000
    start_ms = None   # the runner's start: the earliest (at - jitter) of any result (at is a run's start, at or after its slot)
    for line in open(out, "rb"):
        r = json.loads(line)
        if r.get("type") != "result": continue
        got["results"] += 1
        c = want.get(r["check"])
        if c is None: got["unknown"] += 1; continue
        at = int(datetime.datetime.fromisoformat(r["at"].replace("Z", "+00:00")).timestamp() * 1000)
        start_ms = min(start_ms or at, at - c["jitter"])
        k = got["by_kind"].setdefault(c["kind"], [0, 0, 0])
        k[0] += 1; k[1 if r["ok"] else 2] += 1
        got["ok" if r["ok"] else "failed"] += 1
        got["degraded"] += bool(r.get("degraded"))
        if r["ok"] != c["ok"]:
            got["wrong"] += 1
            first_wrong = first_wrong or line.decode().strip()
    if first_wrong: log(f"{label}: first wrong result: {first_wrong}")
    # The runs whose slot fell between the runner's start and the SIGTERM: each must have written one result.
    got["due"] = sum(max(0, (stopped_ms - 1 - start_ms - c["jitter"]) // every_ms + 1) for c in checks) if start_ms else 0
    late = [float(m) for m in re.findall(r"late_max=([0-9.]+)s", open(err).read())]
    got["late_max"] = max(late) if late else None
    return rows, total, got


class BlackboxDriver:
    """Sends each target's /probe request at its check's offset within the interval: every second, one curl with the
    requests due in that second (32 at once), its output counted (probe_success 1 / 0) when it exits."""
    def __init__(self, a, port, checks):
        self.ticks = [[] for _ in range(a.every)]
        for c in checks:
            self.ticks[c["jitter"] // 1000].append(c)
        self.files = []
        os.makedirs(os.path.join(a.work, "bb"), exist_ok=True)
        for i, due in enumerate(self.ticks):
            path = os.path.join(a.work, "bb", f"tick{i}.curl")
            with open(path, "w") as f:
                for c in due:
                    f.write(f'url = "http://127.0.0.1:{port}/probe?module={c["module"]}&target={c["target"]}"\n')
            self.files.append(path)
        self.a, self.running, self.sent, self.n = a, [], 0, 0
        self.want_ok = self.want_failed = self.ok = self.failed = 0
        self.max_running = 0
        self.start = None

    def step(self, now):
        if self.start is None: self.start = now
        due = int(now - self.start)   # seconds since the start: tick `due` of the interval is due
        while self.n <= due and self.n < self.a.seconds:
            i = self.n % self.a.every
            out = os.path.join(self.a.work, "bb", f"out{self.n}")
            f = open(out, "wb")
            p = subprocess.Popen(["curl", "-s", "--no-progress-meter", "--parallel", "--parallel-max", "32", "-K", self.files[i]],
                                 stdout=f, stderr=subprocess.DEVNULL)
            self.running.append((p, f, out, i))
            self.sent += len(self.ticks[i])
            self.want_ok += sum(c["ok"] for c in self.ticks[i]); self.want_failed += sum(not c["ok"] for c in self.ticks[i])
            self.n += 1
        self.max_running = max(self.max_running, len(self.running))
        self.reap(block=False)

    def reap(self, block):
        still = []
        for p, f, out, i in self.running:
            if p.poll() is None and not block: still.append((p, f, out, i)); continue
            p.wait(); f.close()
            body = open(out, "rb").read(); os.unlink(out)
            self.ok += body.count(b"\nprobe_success 1\n"); self.failed += body.count(b"\nprobe_success 0\n")
        self.running = still

    def done(self):
        return self.ok + self.failed


def run_blackbox(a, checks):
    port = a.blackbox_port
    cmd = ["prometheus-blackbox-exporter", f"--config.file={a.work}/blackbox.yml", f"--web.listen-address=127.0.0.1:{port}",
           "--log.level=warn"]
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=open(os.path.join(a.work, "blackbox.log"), "w"))
    try:
        for _ in range(100):
            try: urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=1).read(); break
            except OSError: time.sleep(0.1)
        driver = BlackboxDriver(a, port, checks)
        log(f"blackbox_exporter: {len(checks)} probes every {a.every} s for {a.seconds} s")
        d0 = driver_cpu()
        rows, total = monitor(p.pid, a, driver.done, step=driver.step)
        driver.reap(block=True)
        total["driver_cpu"] = driver_cpu() - d0
        got = dict(results=driver.done(), sent=driver.sent, ok=driver.ok, failed=driver.failed, want_ok=driver.want_ok,
                   want_failed=driver.want_failed, max_running=driver.max_running)
        return rows, total, got
    finally:
        p.terminate(); p.wait(timeout=30)


def main():
    ap = argparse.ArgumentParser()
    for k in ("work", "probe", "kinds", "probe-args", "perf"): ap.add_argument(f"--{k}", default="")
    for k in ("sites", "hosts", "every", "seconds", "sample", "http-port", "tls-port", "closed-port", "blackbox-port", "perf-at", "perf-seconds"):
        ap.add_argument(f"--{k}", type=int, default=0)
    a = ap.parse_args()
    a.kinds = a.kinds.split(",")
    sites = targets(a)
    checks = [c for _, site in sites for c in site]
    for c in checks: c["jitter"] = fnv(c["id"]) % (a.every * 1000)
    config = write_config(a, sites)
    load0 = open("/proc/loadavg").read().split()[:3]; started = time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime())
    want_ok = sum(c["ok"] for c in checks)
    runs = []
    for n, binary in enumerate(a.probe.split(",")):
        label = f"probe{n + 1}"
        perf = (a.perf, a.perf_at, a.perf_seconds) if a.perf and n == 0 else None
        runs.append((binary, run_probe(a, binary, label, config, checks, perf)))
    bb = run_blackbox(a, checks) if a.blackbox_port else None
    load1 = open("/proc/loadavg").read().split()[:3]

    # The Markdown section.
    rate = len(checks) / a.every
    print(f"Checks: {a.sites:,} sites x ({', '.join(a.kinds)}) = {len(checks):,} checks every {a.every} s ({rate:,.0f}/s), "
          f"{want_ok:,} built to pass and {len(checks) - want_ok} to fail (every 101st site: a missing page, a wrong "
          f"certificate name, a closed port), on 127.0.0.1-127.0.0.{a.hosts}. Started {started}, load average "
          f"{' '.join(load0)} at the start and {' '.join(load1)} at the end; {a.seconds} s per process, sampled every {a.sample} s.\n")
    head = "| t (s) |"; sep = "| ---: |"
    for n, _ in enumerate(runs):
        head += f" probe{n + 1} cores | probe{n + 1} RSS MiB | probe{n + 1} results |"; sep += " ---: | ---: | ---: |"
    if bb:
        head += " blackbox cores | blackbox RSS MiB | blackbox probes |"; sep += " ---: | ---: | ---: |"
    print(head); print(sep)
    all_rows = [r[1][0] for r in runs] + ([bb[0]] if bb else [])
    for i in range(max(len(r) for r in all_rows)):
        line = f"| {all_rows[0][i][0] if i < len(all_rows[0]) else ''} |"
        for rows in all_rows:
            if i < len(rows): line += f" {rows[i][1]:.3f} | {rows[i][2] / MIB:.1f} | {rows[i][4]:,} |"
            else: line += " | | |"
        print(line)
    print()
    print("| process | CPU over the run | cores (mean) | cores after the first window (max window) | peak RSS (VmHWM) | RSS after the first minute -> end | results | ok / failed (expected per result) | wrong | other |")
    print("| --- | ---: | ---: | ---: | ---: | --- | ---: | --- | ---: | --- |")

    def flat(rows):
        later = [r for r in rows if r[0] >= 60] or rows
        return f"{later[0][2] / MIB:.1f} -> {rows[-1][2] / MIB:.1f} MiB (min {min(r[2] for r in later) / MIB:.1f}, max {max(r[2] for r in later) / MIB:.1f})"

    def after_first(rows):
        later = rows[1:] or rows
        return f"{sum(r[1] for r in later) / len(later):.3f} ({max(r[1] for r in later):.3f})"

    for n, (binary, (rows, total, got)) in enumerate(runs):
        kinds = ", ".join(f"{k} {v[0]:,} ({v[1]:,} ok)" for k, v in sorted(got["by_kind"].items()))
        print(f"| probe{n + 1} `{binary}` | {total['cpu']:.1f} s in {total['wall']:.0f} s | {total['cpu'] / total['wall']:.3f} | "
              f"{after_first(rows)} | {total['hwm'] / MIB:.1f} MiB | {flat(rows)} | {got['results']:,} of {got['due']:,} due | "
              f"{got['ok']:,} / {got['failed']:,} | {got['wrong']} | {kinds}; degraded {got['degraded']}; unknown ids {got['unknown']}; "
              f"heartbeat late_max {got['late_max']} s |")
    if bb:
        rows, total, got = bb
        print(f"| blackbox_exporter (its process only) | {total['cpu']:.1f} s in {total['wall']:.0f} s | {total['cpu'] / total['wall']:.3f} | "
              f"{after_first(rows)} | {total['hwm'] / MIB:.1f} MiB | {flat(rows)} | {got['results']:,} of {got['sent']:,} sent | "
              f"{got['ok']:,} / {got['failed']:,} ({got['want_ok']:,} / {got['want_failed']:,}) | "
              f"{abs(got['ok'] - got['want_ok']) + abs(got['failed'] - got['want_failed'])} (by count) | "
              f"driver (this script + its curls): {total['driver_cpu']:.1f} s = {total['driver_cpu'] / total['wall']:.3f} cores; "
              f"at most {got['max_running']} curls at once |")
    print()
    for n, (binary, (rows, total, got)) in enumerate(runs):
        cores = total["cpu"] / total["wall"]
        print(f"- probe{n + 1}: under 0.3 cores: {'met' if cores < 0.3 else '**not met**'} ({cores:.3f}); peak RSS under "
              f"150 MiB: {'met' if total['hwm'] < 150 * 1024 else '**not met**'} ({total['hwm'] / MIB:.1f} MiB); every result "
              f"right: {'yes' if got['wrong'] == 0 and got['unknown'] == 0 else '**no**'} ({got['wrong']} wrong); "
              f"{got['results']:,} results for the {got['due']:,} runs due"
              + (f"; {cores / (bb[1]['cpu'] / bb[1]['wall']):.2f}x blackbox_exporter's cores" if bb else "") + ".")


if __name__ == "__main__":
    main()
