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
# Builds probe in release mode into .build-release (PROBE_BUILD=debug: a debug build instead; PROBE=PATH: that binary).
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/lib.sh
source bench/probe/browser-site.sh
checks=${1:-20}
browser_bench_start

# tree_measure OUT CMD...: runs CMD, samples its process tree every 100 ms, and writes "cpu_s peak_rss_mib peak_pss_mib".
tree_measure() {
  local out=$1; shift
  python3 - "$out" "$@" <<'PY'
import os, resource, subprocess, sys, time
sys.path.insert(0, "bench/probe"); from proctree import tree, memory_kib, become_subreaper, reap_orphans
become_subreaper()
out, cmd = sys.argv[1], sys.argv[2:]
p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
peak_rss = peak_pss = 0
while p.poll() is None:
    pids = tree(p.pid)
    rss, pss = memory_kib(pids)
    peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
    time.sleep(0.1)
reap_orphans()
# The child is reaped by poll(); its rusage (with every descendant it reaped) is in RUSAGE_CHILDREN.
r = resource.getrusage(resource.RUSAGE_CHILDREN)
open(out, "w").write(f"{r.ru_utime + r.ru_stime:.2f} {peak_rss / 1024:.0f} {peak_pss / 1024:.0f} {p.returncode}\n")
PY
}

rows=()
for n in 1 "$checks"; do
  browser_config "$n" "$port" > "$work/browser-$n.yaml"
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
