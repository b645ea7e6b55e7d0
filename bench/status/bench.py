#!/usr/bin/env python3
"""Measures the status site (issue 17) over the history bench/status/generate.py wrote, and prints a Markdown section:

1. one-shot `report --status-site DIR FILE`: wall, user+sys CPU, lines/s, peak RSS (GNU time);
2. report's own rate on the same file (`--from FIRST --to LAST --format json`), interleaved with 1, and the ratio;
3. `report --status-site DIR --follow FILE` on the file less its last N lines: once caught up (its read position in
   /proc/PID/fdinfo at the file's end; newer builds also log "caught up"), the last N lines are appended in one
   write and the follower's CPU (/proc/PID/stat utime+stime) is divided by N, with its idle CPU over as long a
   window before subtracted; then an incident line with a fresh `at` is appended REPEATS times and the time until
   summary.json or index.html is replaced is taken (polled every 20 ms). The follower is stopped with SIGTERM.

usage: bench.py BIN_DIR DATA_DIR... (env: STATUS_RUNS=3, STATUS_FOLLOW_LINES=200000, STATUS_REPEATS=5,
       BENCH_BUILD describes BIN_DIR in the record)
"""
import datetime, json, os, re, shutil, signal, statistics, subprocess, sys, time
from zoneinfo import ZoneInfo

bin_dir, data_dirs = sys.argv[1], sys.argv[2:]
report = os.path.join(bin_dir, "report")
runs = int(os.environ.get("STATUS_RUNS", "3"))
follow_n = int(os.environ.get("STATUS_FOLLOW_LINES", "200000"))
repeats = int(os.environ.get("STATUS_REPEATS", "5"))
tick = os.sysconf("SC_CLK_TCK")


def timed(args, stdout=subprocess.DEVNULL, limit=1800):
    """wall, cpu, max RSS KiB of one run under GNU time."""
    out = "/tmp/status-bench.time"
    subprocess.run(["timeout", str(limit), "/usr/bin/time", "-o", out, "-f", "%e %U %S %M", *args],
                   stdout=stdout, stderr=subprocess.DEVNULL, check=True)
    wall, user, sys_, rss = open(out).read().split()[-4:]
    return float(wall), float(user) + float(sys_), int(rss)


def cpu_ticks(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of the whole line)


def hwm_kib(pid):
    return int(re.search(r"VmHWM:\s+(\d+)", open(f"/proc/{pid}/status").read()).group(1))


def read_position(pid, path):
    """The follower's read offset in PATH (its descriptor's pos), or -1 while it has none open."""
    real = os.path.realpath(path)
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") == real:
                return int(re.search(r"pos:\s+(\d+)", open(f"/proc/{pid}/fdinfo/{fd}").read()).group(1))
        except (FileNotFoundError, AttributeError):
            pass
    return -1


def wait_caught_up(proc, path, limit, on_poll=lambda: None):
    """Waits until the follower's read position is the file's length and its CPU stops moving for 0.6 s."""
    deadline = time.monotonic() + limit
    size = os.path.getsize(path)
    while time.monotonic() < deadline:
        on_poll()
        if proc.poll() is not None:
            raise SystemExit(f"bench: the follower exited ({proc.returncode})")
        if read_position(proc.pid, path) >= size:
            before = cpu_ticks(proc.pid)
            time.sleep(0.6)  # beyond the 0.5 s page check, so a rewrite the lines caused has started
            if cpu_ticks(proc.pid) == before:
                on_poll()
                return
        else:
            time.sleep(0.05)
    raise SystemExit(f"bench: the follower did not catch up within {limit} s")


def child_of(parent):
    """The pid of a child of PARENT, or None."""
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if int(open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()[1]) == parent:
                    return int(entry)
            except (FileNotFoundError, ProcessLookupError):
                pass
    return None


def page_stamp(site):
    stamp = []
    for name in ("summary.json", "index.html"):
        try:
            st = os.stat(os.path.join(site, name))
            stamp.append((st.st_ino, st.st_mtime_ns, st.st_size))
        except FileNotFoundError:
            stamp.append(None)
    return stamp


def fmt(n):
    return f"{n:,.0f}"


def machine():
    model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    load = " ".join(open("/proc/loadavg").read().split()[:3])
    mem = int(re.search(r"MemTotal:\s+(\d+)", open("/proc/meminfo").read()).group(1)) / 1048576
    return f"{os.cpu_count()} cores, {model}, {mem:.1f} GiB, load average {load} at the start"


def measure(data):
    config, log = os.path.join(data, "status.config.yaml"), os.path.join(data, "status.ndjson")
    tz = ZoneInfo(re.search(r"^timezone:\s*(\S+)", open(config).read(), re.M).group(1))
    with open(log, "rb") as f:
        first = json.loads(f.readline())["at"]
        f.seek(max(0, os.path.getsize(log) - 4096))
        last_line = f.read().splitlines()[-1]
    last = json.loads(last_line)["at"]
    day = lambda at: datetime.datetime.fromisoformat(at.replace("Z", "+00:00")).astimezone(tz).date().isoformat()
    lines = sum(1 for _ in open(log, "rb"))
    size = os.path.getsize(log)
    site = os.path.join(data, "site")
    one, own = [], []
    for _ in range(runs):  # interleaved, so both see the same load
        shutil.rmtree(site, ignore_errors=True)
        one.append(timed([report, "--config", config, "--status-site", site, log]))
        own.append(timed([report, "--config", config, "--from", day(first), "--to", day(last), "--format", "json", log]))
    shutil.rmtree(site, ignore_errors=True)
    med = lambda rows, i: statistics.median(r[i] for r in rows)
    r = {"lines": lines, "bytes": size, "from": day(first), "to": day(last), "runs": runs,
         "one_wall": med(one, 0), "one_cpu": med(one, 1), "one_rss": max(x[2] for x in one),
         "own_wall": med(own, 0), "own_cpu": med(own, 1), "own_rss": max(x[2] for x in own),
         "one_walls": [x[0] for x in one], "own_walls": [x[0] for x in own]}
    r.update(follow(config, log, lines, last))
    return r


def follow(config, log, lines, last_at):
    n = min(follow_n, lines // 10)
    folder = os.path.join(os.path.dirname(log), "follow")
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    path, site, err = os.path.join(folder, "classified.ndjson"), os.path.join(folder, "site"), os.path.join(folder, "stderr")
    with open(log, "rb") as src, open(path, "wb") as head, open(os.path.join(folder, "block"), "wb") as block:
        for i, line in enumerate(src):
            (head if i < lines - n else block).write(line)
    env = dict(os.environ, LOOKOUT_LOG_LEVEL="info")
    started = time.monotonic()
    proc = subprocess.Popen(["timeout", "-s", "TERM", "1800", report, "--config", config, "--status-site", site,
                             "--follow", path], stdout=subprocess.DEVNULL, stderr=open(err, "w"), env=env)
    # timeout(1) runs the report as its child: measure the report itself.
    pid = None
    try:
        for _ in range(200):
            pid = child_of(proc.pid)
            if pid:
                break
            time.sleep(0.05)
        wait_caught_up(_Proc(proc, pid), path, 1200)
        catch_up = time.monotonic() - started
        while page_stamp(site)[0] is None:
            time.sleep(0.05)
        time.sleep(1.0)
        # Idle CPU over a window as long as the block will take, measured first.
        idle_window = 3.0
        t0, c0 = time.monotonic(), cpu_ticks(pid)
        time.sleep(idle_window)
        idle_rate = (cpu_ticks(pid) - c0) / tick / (time.monotonic() - t0)
        block = open(os.path.join(folder, "block"), "rb").read()
        t0, c0 = time.monotonic(), cpu_ticks(pid)
        with open(path, "ab") as f:
            f.write(block)
        # Counts the page rewrites while the block is read (summary.json is replaced by a rename each time).
        seen = {"stamp": page_stamp(site), "rewrites": 0}
        def count():
            now = page_stamp(site)
            if now != seen["stamp"]:
                seen["stamp"], seen["rewrites"] = now, seen["rewrites"] + 1
        wait_caught_up(_Proc(proc, pid), path, 600, count)
        window = time.monotonic() - t0
        cpu = (cpu_ticks(pid) - c0) / tick
        time.sleep(1.0)
        # Rewrite latency: an incident line for c0 with a fresh `at`, opened then resolved in turn.
        base = datetime.datetime.fromisoformat(last_at.replace("Z", "+00:00"))
        latencies, rewrite_cpu = [], []
        since = None
        for i in range(repeats):
            at = base + datetime.timedelta(minutes=1 + i)
            event = "opened" if i % 2 == 0 else "resolved"
            if event == "opened":
                since = at
            stamp = lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ")
            line = (f'{{"v":1,"type":"incident","id":"c0/{int(since.timestamp()) * 1000}","event":"{event}","check":"c0",'
                    f'"site":"site0","tier":"enhanced","severity":"critical","at":"{stamp(at)}","since":"{stamp(since)}",'
                    f'"reason":"connection refused","maintenance":null,"state":"down"}}\n')
            before = page_stamp(site)
            t1, c1 = time.monotonic(), cpu_ticks(pid)
            with open(path, "a") as f:
                f.write(line)
            t = time.monotonic()
            while page_stamp(site) == before and time.monotonic() - t < 30:
                time.sleep(0.02)
            latencies.append(time.monotonic() - t if page_stamp(site) != before else float("inf"))
            time.sleep(1.5)
            rewrite_cpu.append((cpu_ticks(pid) - c1) / tick - idle_rate * (time.monotonic() - t1))
        hwm = hwm_kib(pid)
    finally:
        if pid:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    caught_logged = "caught up" in open(err).read()
    shutil.rmtree(folder, ignore_errors=True)
    return {"follow_base": lines - n, "follow_n": n, "catch_up": catch_up, "follow_cpu": cpu, "follow_window": window,
            "idle_rate": idle_rate, "rewrites": seen["rewrites"],
            "rewrite_cpu": statistics.median(rewrite_cpu), "latencies": latencies, "follow_hwm": hwm, "follow_exit": proc.returncode,
            "caught_logged": caught_logged}


class _Proc:
    """The report under timeout(1): poll() is the wrapper's, pid the report's."""
    def __init__(self, wrapper, pid):
        self.wrapper, self.pid = wrapper, pid

    def poll(self):
        return self.wrapper.poll()


def less_rewrites(r):
    """CPU per appended line once the rewrites seen while reading the block are taken off, at an incident's cost each."""
    net = r["follow_cpu"] - r["idle_rate"] * r["follow_window"] - r["rewrites"] * r["rewrite_cpu"]
    return max(0.0, net) / r["follow_n"] * 1e6


def main():
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%MZ")
    who = machine()
    build = os.environ.get("BENCH_BUILD", bin_dir)
    rows = [(os.path.basename(d.rstrip("/")), measure(d)) for d in data_dirs]
    out = [f"Run {stamp} by `bench/status/run.sh` on {who}; binaries: {build}.", "",
           "| history | lines | one-shot status site: wall / CPU | lines/s (wall / CPU) | peak RSS | report json, same file: wall / CPU | lines/s (wall / CPU) | peak RSS | status site / report, by wall / by CPU |",
           "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, r in rows:
        out.append(f"| {name} ({r['from']} to {r['to']}) | {fmt(r['lines'])} ({r['bytes'] / 2**30:.2f} GiB) | "
                   f"{r['one_wall']:.2f} s / {r['one_cpu']:.2f} s | {fmt(r['lines'] / r['one_wall'])} / {fmt(r['lines'] / r['one_cpu'])} | "
                   f"{r['one_rss'] / 1024:.0f} MiB | {r['own_wall']:.2f} s / {r['own_cpu']:.2f} s | "
                   f"{fmt(r['lines'] / r['own_wall'])} / {fmt(r['lines'] / r['own_cpu'])} | {r['own_rss'] / 1024:.0f} MiB | "
                   f"{r['own_wall'] / r['one_wall']:.2f}x / {r['own_cpu'] / r['one_cpu']:.2f}x |")
    out += ["", f"Medians of {runs} interleaved runs (walls: " + "; ".join(
        f"{name} status {', '.join(f'{w:.2f}' for w in r['one_walls'])}, report {', '.join(f'{w:.2f}' for w in r['own_walls'])}"
        for name, r in rows) + "); peak RSS is the largest of the runs.", "",
        "| history | follower started on | caught up after | appended block | CPU for the block (idle subtracted) | CPU per line | idle CPU | page rewrites while reading it | CPU per rewrite (median, an incident line's) | CPU per line less those rewrites (estimate) | rewrite latency after an incident line: median / max (runs) | follower peak RSS |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, r in rows:
        net = max(0.0, r["follow_cpu"] - r["idle_rate"] * r["follow_window"])
        lat = r["latencies"]
        out.append(f"| {name} | {fmt(r['follow_base'])} lines | {r['catch_up']:.1f} s | {fmt(r['follow_n'])} lines, read in {r['follow_window']:.2f} s | "
                   f"{r['follow_cpu']:.2f} s ({net:.2f} s) | {r['follow_cpu'] / r['follow_n'] * 1e6:.2f} µs ({net / r['follow_n'] * 1e6:.2f} µs) | "
                   f"{r['idle_rate'] * 100:.1f}% of a core | {r['rewrites']} | {r['rewrite_cpu']:.2f} s | {less_rewrites(r):.2f} µs | {statistics.median(lat):.2f} s / {max(lat):.2f} s ({', '.join(f'{x:.2f}' for x in lat)}) | "
                   f"{r['follow_hwm'] / 1024:.0f} MiB |")
    out += ["", "Targets (issue 17), per history:", ""]
    for name, r in rows:
        net = max(0.0, r["follow_cpu"] - r["idle_rate"] * r["follow_window"]) / r["follow_n"] * 1e6
        ok = lambda b: "met" if b else "**not met**"
        out.append(f"- {name}: one-shot at least report's rate: {ok(r['one_wall'] <= r['own_wall'])} by wall "
                   f"({r['own_wall'] / r['one_wall']:.2f}x), {ok(r['one_cpu'] <= r['own_cpu'])} by CPU ({r['own_cpu'] / r['one_cpu']:.2f}x); "
                   f"peak RSS under 200 MiB: {ok(r['one_rss'] < 200 * 1024)} ({r['one_rss'] / 1024:.0f} MiB); "
                   f"follow CPU per line under 2 µs: {ok(r['follow_cpu'] / r['follow_n'] * 1e6 < 2)} gross "
                   f"({r['follow_cpu'] / r['follow_n'] * 1e6:.2f} µs), {ok(net < 2)} idle subtracted ({net:.2f} µs), "
                   f"{ok(less_rewrites(r) < 2)} for reading alone, less its {r['rewrites']} page rewrites (estimate {less_rewrites(r):.2f} µs); "
                   f"page within 2 s of an incident line: {ok(max(r['latencies']) <= 2)} (max {max(r['latencies']):.2f} s); "
                   f"follower exit {r['follow_exit']} on SIGTERM; \"caught up\" logged: {'yes' if r['caught_logged'] else 'no (this build does not log it; the read position was watched)'}.")
    print("\n".join(out))


main()
