#!/usr/bin/env bash
# bench/probe/tls.sh: the tls kind beside blackbox_exporter: `probe --once` over N tls checks (ca_file = a private CA)
# against nginx with TLS on 127.0.0.1-127.0.0.HOSTS, CPU (user+sys) per check and peak RSS from /usr/bin/time -v;
# then blackbox_exporter's tcp prober with tls: true (same CA file, same server, same N targets) driven via curl,
# its CPU from /proc/PID/stat before/after and its VmHWM. Prints one line per measured thing.
#
#   bench/probe/tls.sh PROBE_BIN[,PROBE_BIN...] [CHECKS] [HOSTS] [RUNS]        defaults: 1000 checks, 50 hosts, 3 runs
#   env: KEY=ec|rsa (default ec: P-256 CA and leaf), BLACKBOX=0 skips the exporter, KEEP=DIR keeps the work dir,
#        PROBE_ARGS="--concurrency 64 --per-host 4" (the probe's defaults), WRAP="heaptrack -o FILE" runs the probe under a tool (time then measures the tool too),
#        LONG_SECONDS=N also runs the checks every 5 s in one long-running probe for N s and prints CPU per result.
# Only loopback addresses are ever targets. Every process started here is stopped by the EXIT trap.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
probe=${1:?probe binary}; checks=${2:-1000}; hosts=${3:-50}; runs=${4:-3}
key=${KEY:-ec}
work=${KEEP:-$(mktemp -d)}; mkdir -p "$work"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; [ -n "${KEEP:-}" ] || rm -rf "$work"; }
trap cleanup EXIT

# A private CA and a server certificate naming every loopback address used.
cd "$work"
: > runs.tsv; : > blackbox.tsv
bench_ca "$hosts" "$key"

# nginx, one worker, TLS on each loopback address.
port=$(free_port)
nginx_conf "$work" "$port" "$hosts" "ssl_certificate $work/srv.pem; ssl_certificate_key $work/srv.key;" ssl
echo ok > www/index.html
nginx -e "$work/logs/error.log" -c "$work/nginx.conf" -p "$work" & pids+=($!)
for _ in $(seq 100); do curl -fs --cacert ca.pem -o /dev/null "https://127.0.0.1:$port/" && break; sleep 0.1; done
curl -fs --cacert ca.pem -o /dev/null "https://127.0.0.1:$port/" || { echo "nginx did not answer" >&2; exit 1; }

# The probe config: check N -> 127.0.0.(N mod HOSTS + 1):PORT, ca_file ca.pem.
{
  echo "tiers: {standard: {outage: warning, degraded: info}}"
  echo "defaults: {every: 30s, timeout: 10s}"
  echo "sites:"
  for s in $(seq "$hosts"); do
    echo "  - id: site$s"; echo "    tier: standard"; echo "    checks:"
    for c in $(seq "$s" "$hosts" "$checks"); do
      echo "      - {id: check$c, tls: \"127.0.0.$s:$port\", ca_file: ca.pem}"
    done
  done
} > tls.yaml
for c in $(seq "$checks"); do echo "127.0.0.$(( (c - 1) % hosts + 1 )):$port"; done > targets

args=(--once --config "$work/tls.yaml" ${PROBE_ARGS:-})
# PROBE_BIN may be a comma-separated list: the binaries run interleaved (run 1 of each, run 2 of each, ...), so
# machine noise hits them alike; the median of RUNS is printed per binary.
IFS=, read -r -a bins <<< "$probe"
for r in $(seq "$runs"); do
  for b in "${bins[@]}"; do
    tag=$(basename "$b")
    /usr/bin/time -v ${WRAP:-} "$b" "${args[@]}" > out.ndjson 2> time.txt
    n=$(wc -l < out.ndjson); ok=$(grep -c '"ok":true' out.ndjson || true)
    u=$(awk -F': ' '/User time/ {print $2}' time.txt); s=$(awk -F': ' '/System time/ {print $2}' time.txt)
    w=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' time.txt); m=$(awk -F': ' '/Maximum resident set size/ {print $2}' time.txt)
    echo "$tag $u $s $m" >> runs.tsv
    echo "probe $tag run=$r checks=$checks results=$n ok=$ok user=${u}s sys=${s}s wall=$w cpu_per_check_ms=$(python3 -c "print(round(($u+$s)*1000/$checks,3))") peak_rss_mib=$(python3 -c "print(round($m/1024,1))")"
    [ "$ok" -eq "$checks" ] || { grep -m1 '"ok":false' out.ndjson >&2 || true; }
  done
done
for b in "${bins[@]}"; do
  tag=$(basename "$b")
  python3 - "$tag" "$checks" runs.tsv <<'PY'
import statistics, sys
tag, checks, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rows = [l.split() for l in open(path) if l.split()[0] == tag]
cpu = [(float(u) + float(s)) * 1000 / checks for _, u, s, _ in rows]
rss = [int(m) / 1024 for *_, m in rows]
print(f"probe-median {tag} runs={len(rows)} cpu_per_check_ms={statistics.median(cpu):.3f} (min {min(cpu):.3f} max {max(cpu):.3f}) peak_rss_mib={statistics.median(rss):.1f} (max {max(rss):.1f})")
PY
  # The fixed cost: one check (process start, config load of all CHECKS, one handshake).
  /usr/bin/time -v "$b" "${args[@]}" --check check1 > /dev/null 2> time1.txt
  u=$(awk -F': ' '/User time/ {print $2}' time1.txt); s=$(awk -F': ' '/System time/ {print $2}' time1.txt); m=$(awk -F': ' '/Maximum resident set size/ {print $2}' time1.txt)
  echo "probe-1check $tag user=${u}s sys=${s}s peak_rss_mib=$(python3 -c "print(round($m/1024,1))")"
done

# Long-running (LONG_SECONDS=N): the same checks every 5 s in one probe process for N seconds after a 15 s warm-up,
# CPU per result from /proc (what the runner's per-check tasks and timers add to the handshakes), RSS at start and end.
if [ -n "${LONG_SECONDS:-}" ]; then
  sed 's/every: 30s/every: 5s/' tls.yaml > tls-long.yaml
  hz=$(getconf CLK_TCK)
  for b in "${bins[@]}"; do
    tag=$(basename "$b")
    : > long.ndjson
    "$b" --config "$work/tls-long.yaml" --output "$work/long.ndjson" ${PROBE_ARGS:-} 2> long.log & lp=$!; pids+=($lp)
    sleep 15
    c0=$(awk '{print $14 + $15}' /proc/$lp/stat); n0=$(wc -l < long.ndjson); r0=$(awk '/^VmRSS:/ {print $2}' /proc/$lp/status)
    sleep "$LONG_SECONDS"
    c1=$(awk '{print $14 + $15}' /proc/$lp/stat); n1=$(wc -l < long.ndjson); r1=$(awk '/^VmRSS:/ {print $2}' /proc/$lp/status)
    hwm=$(awk '/^VmHWM:/ {print $2}' /proc/$lp/status)
    kill -TERM "$lp"; wait "$lp" 2>/dev/null || true
    ok=$(tail -n +"$((n0 + 1))" long.ndjson | head -n "$((n1 - n0))" | grep -c '"ok":true' || true)
    echo "probe-long $tag seconds=$LONG_SECONDS results=$((n1 - n0)) ok=$ok cpu=$(python3 -c "print(round(($c1 - $c0) / $hz, 2))")s cpu_per_result_ms=$(python3 -c "print(round(($c1 - $c0) * 1000 / $hz / max(1, $n1 - $n0), 3))") rss_mib_start=$(python3 -c "print(round($r0/1024,1))") rss_mib_end=$(python3 -c "print(round($r1/1024,1))") peak_rss_mib=$(python3 -c "print(round($hwm/1024,1))")"
  done
fi

[ "${BLACKBOX:-1}" = 1 ] || exit 0
bb_port=$(free_port)
blackbox_modules "$work/ca.pem" > blackbox.yml
prometheus-blackbox-exporter --config.file="$work/blackbox.yml" --web.listen-address="127.0.0.1:$bb_port" --log.level=warn 2> blackbox.log & bb=$!; pids+=($bb)
for _ in $(seq 100); do curl -fs -o /dev/null "http://127.0.0.1:$bb_port/metrics" && break; sleep 0.1; done
sed "s|^|url = \"http://127.0.0.1:$bb_port/probe?module=tcp_tls\&target=|; s|$|\"|" targets > blackbox.curl
curl -s -K <(head -20 blackbox.curl) > /dev/null
hz=$(getconf CLK_TCK)
for r in $(seq "$runs"); do
  before=$(awk '{print $14 + $15}' /proc/$bb/stat); t0=$(date +%s.%N)
  curl -s --no-progress-meter --parallel --parallel-max 16 -K blackbox.curl > blackbox.out
  t1=$(date +%s.%N); after=$(awk '{print $14 + $15}' /proc/$bb/stat)
  ok=$(grep -c '^probe_success 1' blackbox.out || true); hwm=$(awk '/^VmHWM:/ {print $2}' /proc/$bb/status)
  cpu=$(python3 -c "print(($after - $before) / $hz)")
  echo "$cpu $hwm" >> blackbox.tsv
  echo "blackbox run=$r probes=$checks ok=$ok cpu=${cpu}s wall=$(python3 -c "print(round($t1-$t0,2))")s cpu_per_probe_ms=$(python3 -c "print(round($cpu*1000/$checks,3))") peak_rss_mib=$(python3 -c "print(round($hwm/1024,1))")"
done
python3 - "$checks" blackbox.tsv <<'PY'
import statistics, sys
checks = int(sys.argv[1]); rows = [l.split() for l in open(sys.argv[2])]
cpu = [float(c) * 1000 / checks for c, _ in rows]
print(f"blackbox-median runs={len(rows)} cpu_per_probe_ms={statistics.median(cpu):.3f} (min {min(cpu):.3f} max {max(cpu):.3f}) peak_rss_mib={max(int(h) for _, h in rows) / 1024:.1f}")
PY
