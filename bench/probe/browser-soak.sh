#!/usr/bin/env bash
# Benchmark: browser checks over time (issue 20's soak). The long-running probe (`probe --config C --output F --state S`)
# over CHECKS browser checks every 5 minutes for SOAK_SECONDS, beside `chromium --headless --dump-dom` run once per URL
# at the same rate in the same run: one URL every 300 s / CHECKS, so both do CHECKS pages per 5 minutes, spread out
# (the probe spreads its checks over the interval with a stable jitter). Both run at once on the same machine, each
# measured on its own process tree. Prints a markdown section on stdout.
#
#   bench/probe/browser-soak.sh [CHECKS]     default 50; SOAK_SECONDS (default 1800), SOAK_KEEP=DIR keeps the samples
#
# Probe: every second, the tree under probe (probe, Chromium and its zygotes, renderers, GPU and utility processes) is
# read from /proc: CPU = utime+stime+cutime+cstime of every live process (a child that exited and was reaped is in its
# parent's cutime/cstime, so no CPU is lost or counted twice), memory = summed VmRSS and summed Pss (smaps_rollup). A
# row is kept every 10 s; peaks are over the 1 s samples. At the end probe gets SIGTERM and the final CPU is the
# tree's CPU at the last sample before SIGTERM (RUSAGE_CHILDREN after exit misses the renderers: Chromium's zygote is
# orphaned when probe exits and reaped by init). dump-dom: each run's tree sampled every 100 ms for its peak; CPU from
# RUSAGE_CHILDREN of the driver, a child subreaper that reaps the orphaned zygote and renderers of every run. Builds probe like browser.sh (PROBE=PATH: that binary).
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/lib.sh
source bench/probe/browser-site.sh
checks=${1:-50}
seconds=${SOAK_SECONDS:-1800}
period=300
browser_bench_start
browser_config "$checks" "$port" 5m > "$work/soak.yaml"
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date -u +%Y-%m-%dT%H:%MZ)

# The probe's monitor: writes $work/probe.tsv (t cpu_s rss_mib pss_mib procs every 10 s) and $work/probe.txt
# (final cpu_s, peak rss, peak pss, exit code).
python3 - "$work" "$seconds" "$probe" --config "$work/soak.yaml" --output "$work/out.ndjson" --state "$work/state.sqlite" <<'PY' &
import os, resource, signal, subprocess, sys, time
sys.path.insert(0, "bench/probe"); from proctree import tree, memory_kib, cpu_seconds
work, seconds, cmd = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=open(f"{work}/probe.err", "w"))
rows = open(f"{work}/probe.tsv", "w")
open(f"{work}/probe.start", "w").write(f"{time.time()}\n")
t0 = time.monotonic(); peak_rss = peak_pss = cpu = 0; next_row = 0.0; stopping = False
while p.poll() is None:
    t = time.monotonic() - t0
    if t >= seconds and not stopping: p.send_signal(signal.SIGTERM); stopping = True
    if t >= seconds + 60: p.kill()
    pids = tree(p.pid)
    cpu = max(cpu, cpu_seconds(pids))
    rss, pss = memory_kib(pids)
    peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
    if t >= next_row and not stopping:
        rows.write(f"{t:.0f}\t{cpu:.2f}\t{rss / 1024:.0f}\t{pss / 1024:.0f}\t{len(pids)}\n"); rows.flush(); next_row += 10
    time.sleep(1)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
open(f"{work}/probe.txt", "w").write(f"{r.ru_utime + r.ru_stime:.2f} {peak_rss / 1024:.0f} {peak_pss / 1024:.0f} {p.returncode} {cpu:.2f}\n")
PY
monitor=$!
pids+=($monitor)

# The dump-dom driver: one URL every period/checks seconds for the same duration; $work/dump.tsv gets
# "t k cpu_total_s peak_rss_mib peak_pss_mib exit rendered" per run.
python3 - "$work" "$seconds" "$period" "$checks" "$port" "$chromium" <<'PY' &
import os, resource, shutil, subprocess, sys, time
sys.path.insert(0, "bench/probe"); from proctree import tree, memory_kib, become_subreaper, reap_orphans
become_subreaper()
work, seconds, period, checks, port, chromium = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
rows = open(f"{work}/dump.tsv", "w")
t0 = time.monotonic(); i = 0
while i * period / checks < seconds:
    delay = t0 + i * period / checks - time.monotonic()
    if delay > 0: time.sleep(delay)
    k = i % checks + 1; profile = f"{work}/profile-dump"
    dom = open(f"{work}/dom.html", "w")
    p = subprocess.Popen([chromium, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}",
                          "--virtual-time-budget=5000", "--dump-dom", f"http://127.0.0.1:{port}/page/{k}"],
                         stdout=dom, stderr=subprocess.DEVNULL)
    started = time.monotonic(); peak_rss = peak_pss = 0
    while p.poll() is None:
        if time.monotonic() - started > 60: p.kill()
        pids = tree(p.pid)
        rss, pss = memory_kib(pids)
        peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
        time.sleep(0.1)
    reap_orphans(); dom.close(); shutil.rmtree(profile, ignore_errors=True)
    rendered = int("Anvil 40" in open(f"{work}/dom.html").read())
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    rows.write(f"{started - t0:.0f}\t{k}\t{r.ru_utime + r.ru_stime:.2f}\t{peak_rss / 1024:.0f}\t{peak_pss / 1024:.0f}\t{p.returncode}\t{rendered}\n"); rows.flush()
    i += 1
PY
driver=$!
pids+=($driver)
wait "$driver"
wait "$monitor"
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
[ -n "${SOAK_KEEP:-}" ] && mkdir -p "$SOAK_KEEP" && cp "$work"/{probe.tsv,probe.txt,probe.start,probe.err,dump.tsv,out.ndjson,soak.yaml} "$SOAK_KEEP"/

read -r p_rusage p_rss p_pss p_rc p_cpu < "$work/probe.txt"
p_results=$(grep -c '"type":"result"' "$work/out.ndjson" || true)
p_ok=$(grep '"type":"result"' "$work/out.ndjson" | grep -c '"ok":true' || true)
d_runs=$(wc -l < "$work/dump.tsv")
d_ok=$(awk '$6 == 0 && $7 == 1' "$work/dump.tsv" | wc -l)
d_cpu=$(tail -1 "$work/dump.tsv" | cut -f3)
d_rss=$(awk '$4 > m {m = $4} END {print m}' "$work/dump.tsv")
d_pss=$(awk '$5 > m {m = $5} END {print m}' "$work/dump.tsv")

machine="$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr), $("$chromium" --version 2>/dev/null | head -1)"
echo "Browser checks over $((seconds / 60)) minutes, $started, $machine, \`PROBE_BUILD=$build bench/probe/browser-soak.sh $checks\`,"
echo "load average (1, 5, 15 min) $load_start at the start, $load_end at the end; probe exit code $p_rc after SIGTERM."
echo
echo "| what | pages (ok) | CPU user+sys | CPU per page | peak RSS (tree, summed) | peak PSS (tree) |"
echo "|---|---|---|---|---|---|"
echo "| probe, $checks browser checks every 5m ($build build) | $p_results ($p_ok) | $p_cpu s | $(calc "round($p_cpu / max($p_results, 1), 3)") s | $p_rss MiB | $p_pss MiB |"
echo "| chromium --headless --dump-dom, once per URL, same rate | $d_runs ($d_ok) | $d_cpu s | $(calc "round($d_cpu / max($d_runs, 1), 3)") s | $d_rss MiB | $d_pss MiB |"
echo
echo "Same-run ratio, dump-dom / probe: CPU per page $(calc "round(($d_cpu / max($d_runs, 1)) / max($p_cpu / max($p_results, 1), 1e-9), 2)")x."
echo "The probe's CPU is read from /proc at the last sample before SIGTERM (its zygote holds the exited renderers' CPU); RUSAGE_CHILDREN after exit gave $p_rusage s, without the renderers, orphaned when probe exits first."
echo
echo "Per 5-minute window (probe: its tree's CPU in the window and the tree's peak over the 10 s rows; dump-dom: the window's runs):"
echo
echo "| window | probe results (ok) | probe CPU | probe peak RSS | probe peak PSS | probe RSS at window end | dump-dom runs (ok) | dump-dom CPU | dump-dom peak RSS | dump-dom peak PSS |"
echo "|---|---|---|---|---|---|---|---|---|---|"
python3 - "$work" "$period" "$seconds" <<'PY'
import json, sys
work, period, seconds = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
rows = [list(map(float, l.split())) for l in open(f"{work}/probe.tsv")]
dump = [list(map(float, l.split())) for l in open(f"{work}/dump.tsv")]
results = [json.loads(l) for l in open(f"{work}/out.ndjson") if '"type":"result"' in l]
from datetime import datetime
def at(r): return datetime.fromisoformat(r["at"].replace("Z", "+00:00")).timestamp()
first = float(open(f"{work}/probe.start").read())
prev_cpu, prev_dump = 0.0, 0.0
for w in range(int(seconds // period)):
    lo, hi = w * period, (w + 1) * period
    pr = [r for r in rows if lo <= r[0] < hi] or [[hi, prev_cpu, 0, 0, 0]]
    res = [r for r in results if lo <= at(r) - first < hi]
    dr = [d for d in dump if lo <= d[0] < hi]
    cpu = pr[-1][1] - prev_cpu; prev_cpu = pr[-1][1]
    dcpu = (dr[-1][2] - prev_dump) if dr else 0; prev_dump = dr[-1][2] if dr else prev_dump
    print(f"| {int(lo // 60)}-{int(hi // 60)} min | {len(res)} ({sum(1 for r in res if r.get('ok'))}) | {cpu:.2f} s | {max(r[2] for r in pr):.0f} MiB | {max(r[3] for r in pr):.0f} MiB | {pr[-1][2]:.0f} MiB |"
          f" {len(dr)} ({sum(1 for d in dr if d[5] == 0 and d[6] == 1)}) | {dcpu:.2f} s | {max((d[3] for d in dr), default=0):.0f} MiB | {max((d[4] for d in dr), default=0):.0f} MiB |")
PY
