#!/usr/bin/env bash
# Workload "probe": 1,000 HTTP checks with content assertions against a local nginx (config written here, stopped at
# the end): CPU per check and peak RSS of `probe --once`, beside blackbox_exporter driven through its /probe endpoint
# (its CPU read from /proc/PID/stat before and after) and check_http (one process per check, CPU of the children);
# then the sustained rate: the same 1,000 checks every 6 s for 60 s with `probe` running forever.
# Run through bench/run (which sets BENCH_*); writes $BENCH_OUT/probe.md.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
checks=${PROBE_CHECKS:-1000}
hosts=${PROBE_HOSTS:-50}
rate_seconds=${PROBE_RATE_SECONDS:-60}
work="$BENCH_WORK/probe"
mkdir -p "$work/www"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT

# The page: about 20 KB of HTML with the markers the assertions look for.
bench_page "$work/www/page.html"
port=$(free_port)
start_nginx "$work" "$port" "$hosts" / 'location / { default_type text/html; try_files /page.html =404; }'

# The same checks for probe (YAML) and for the peers (URL list): check N on host 127.0.0.(N mod HOSTS + 1).
probe_config 30s "$checks" "$hosts" "$port" > "$work/once.yaml"
probe_config 6s "$checks" "$hosts" "$port" > "$work/rate.yaml"
for c in $(seq 1 "$checks"); do echo "http://127.0.0.$(( (c - 1) % hosts + 1 )):$port/page/$c"; done > "$work/urls"

# probe --once
echo "probe: $checks checks, $BENCH_RUNS runs of probe --once" >&2
probe_args=(--once --config "$work/once.yaml" --concurrency 64 --per-host 4)
measure probe-once "$BENCH_RUNS" "$work/once.ndjson" "$BENCH_BIN/probe" "${probe_args[@]}"
ok_us=$(grep -c '"ok":true' "$work/once.ndjson" || true)
# The fixed cost (process start, config load, HTTP client set-up and shutdown): the same run with one check.
measure probe-once-1 "$BENCH_RUNS" /dev/null "$BENCH_BIN/probe" "${probe_args[@]}" --check check1

# blackbox_exporter: one long-running exporter, $checks /probe requests per run through one curl (16 in parallel).
bb_port=$(free_port)
blackbox_modules > "$work/blackbox.yml"
prometheus-blackbox-exporter --config.file="$work/blackbox.yml" --web.listen-address="127.0.0.1:$bb_port" \
  --log.level=warn 2> "$work/blackbox.log" &
bb=$!; pids+=($bb)
wait_http "http://127.0.0.1:$bb_port/metrics"
sed "s|^|url = \"http://127.0.0.1:$bb_port/probe?module=http_content\&target=|; s|$|\"|" "$work/urls" > "$work/blackbox.curl"
curl -s -K <(head -20 "$work/blackbox.curl") > /dev/null   # warm up: connections, first allocations
hz=$(getconf CLK_TCK)
: > "$BENCH_WORK/probe-blackbox.tsv"
echo "probe: $BENCH_RUNS runs of $checks blackbox_exporter probes" >&2
for _ in $(seq "$BENCH_RUNS"); do
  before=$(cpu_ticks "$bb"); start=$(date +%s.%N)
  curl -s --no-progress-meter --parallel --parallel-max 16 -K "$work/blackbox.curl" > "$work/blackbox.out"
  end=$(date +%s.%N); after=$(cpu_ticks "$bb")
  echo "$(calc "round($end - $start, 2)") $(calc "($after - $before) / $hz") 0 $(hwm_kib "$bb")" >> "$BENCH_WORK/probe-blackbox.tsv"
done
ok_bb=$(grep -c '^probe_success 1' "$work/blackbox.out" || true)
kill "$bb"; wait "$bb" 2>/dev/null || true

# check_http: one process per check, as Nagios and Icinga run it; CPU of the children from getrusage.
echo "probe: $BENCH_RUNS runs of $checks check_http" >&2
: > "$BENCH_WORK/probe-check_http.tsv"
for _ in $(seq "$BENCH_RUNS"); do
  python3 - "$work/urls" >> "$BENCH_WORK/probe-check_http.tsv" 2> "$work/check_http.ok" <<'PY'
import resource, subprocess, sys, time, urllib.parse
urls = [urllib.parse.urlsplit(u.strip()) for u in open(sys.argv[1])]
start = time.monotonic(); ok = 0
for u in urls:
    r = subprocess.run(["/usr/lib/nagios/plugins/check_http", "-H", u.hostname, "-p", str(u.port), "-u", u.path,
                        "-e", "200", "-s", "<footer", "-r", "Product 25[0-9]", "-m", "10000", "-w", "3", "-t", "10"],
                       stdout=subprocess.DEVNULL)
    ok += r.returncode == 0
wall = time.monotonic() - start
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{wall:.2f} {ru.ru_utime:.3f} {ru.ru_stime:.3f} {ru.ru_maxrss}")
print(ok, file=sys.stderr)
PY
done
ok_ch=$(cat "$work/check_http.ok")

# Sustained: the checks every 6 s (10,000 a minute) with probe running forever, stopped after $rate_seconds s.
echo "probe: sustained rate, $checks checks every 6 s for $rate_seconds s" >&2
/usr/bin/time -o "$work/rate.time" -f "%e %U %S %M" "$BENCH_BIN/probe" --config "$work/rate.yaml" --concurrency 64 --per-host 4 \
  > "$work/rate.ndjson" 2> "$work/rate.err" &
rate_pid=$!; pids+=($rate_pid)
sleep "$rate_seconds"
pkill -TERM -P "$rate_pid" 2>/dev/null || true   # the probe child of this time process, not any other
wait "$rate_pid" || true
read -r r_wall r_user r_sys r_rss < <(tail -1 "$work/rate.time")
r_lines=$(wc -l < "$work/rate.ndjson"); r_ok=$(grep -c '"ok":true' "$work/rate.ndjson" || true)
expected=$(( checks * rate_seconds / 6 ))

per() { calc "round(($1) * 1000 / $checks, 3)"; }
c_us=$(median probe-once cpu); c_bb=$(median probe-blackbox 2); c_ch=$(median probe-check_http cpu)
c_one=$(median probe-once-1 cpu); marginal=$(calc "round(($c_us - $c_one) * 1000 / ($checks - 1), 3)")
p_us=$(per "$c_us"); p_bb=$(per "$c_bb"); p_ch=$(per "$c_ch")
m_us=$(median probe-once 4); m_bb=$(median probe-blackbox 4); m_ch=$(median probe-check_http 4)
ratio_bb=$(calc "round($p_us / $p_bb, 2)"); ratio_ch=$(calc "round($p_us / $p_ch, 2)")
met_cpu=$(calc "int($p_us <= $p_bb / 2)"); met_rss=$(calc "int($m_us < 64 * 1024)")
met_rate=$(calc "int($r_lines >= 0.99 * $expected and $r_ok == $r_lines)")
cores=$(calc "round(($r_user + $r_sys) / $r_wall, 2)")

cat > "$BENCH_OUT/probe.md" <<MD
### probe: $checks HTTP checks with content assertions vs blackbox_exporter and check_http

Target: nginx $(nginx -v 2>&1 | sed 's/.*nginx\///') on 127.0.0.1-127.0.0.$hosts (one worker, config written by the harness),
serving a $(( $(wc -c < "$work/www/page.html") / 1024 )) KB page. Each check: status 200, body contains \`<footer\` and
matches \`Product 25[0-9]\`, does not contain \`Fatal error\` (probe also: at least 10,000 bytes, under 3 s). CPU per
check = CPU time / $checks, median of $BENCH_RUNS runs. probe's figure includes its start-up (loading $checks checks,
TLS and HTTP client set-up); blackbox's does not (the exporter was already running, only its CPU between the first
and last request counts).

| | CPU per check (median) | runs, CPU s per $checks | peak RSS | ok results | wall per $checks (median) |
| --- | ---: | --- | ---: | ---: | ---: |
| \`probe --once --concurrency 64 --per-host 4\` | **$p_us ms** | $(runs probe-once cpu) | $((m_us / 1024)) MiB | $ok_us / $checks | $(median probe-once 1) s |
| blackbox_exporter $(prometheus-blackbox-exporter --version 2>&1 | head -1 | awk '{print $3}') (/probe via curl, 16 in parallel) | $p_bb ms | $(runs probe-blackbox 2) | $((m_bb / 1024)) MiB | $ok_bb / $checks | $(median probe-blackbox 1) s |
| check_http $(/usr/lib/nagios/plugins/check_http -V | awk '{print $2}') (a process per check) | $p_ch ms | $(runs probe-check_http cpu) | $((m_ch / 1024)) MiB (one process) | $ok_ch / $checks | $(median probe-check_http 1) s |
| \`probe --once --check check1\` (the fixed cost: start, config, client set-up) | $c_one s in all | $(runs probe-once-1 cpu) | $(( $(median probe-once-1 4) / 1024 )) MiB | | $(median probe-once-1 1) s |
| probe, marginal CPU per check ((CPU of $checks - CPU of 1) / $((checks - 1))) | $marginal ms | | | | |
| **ratio** probe / blackbox | **$ratio_bb** (marginal: $(calc "round($marginal / $p_bb, 2)")) | | | | |
| ratio probe / check_http | $ratio_ch | | | | |

- Target CPU per check at most half of blackbox_exporter's: $(verdict "$met_cpu") ($p_us ms vs $p_bb ms, ratio $ratio_bb; the target is 0.5).
- Target peak RSS under 64 MiB: $(verdict "$met_rss") ($((m_us / 1024)) MiB).
- Sustained 10,000 checks a minute: $(verdict "$met_rate"). $checks checks every 6 s, \`probe\` running forever for
  $rate_seconds s then SIGTERM: $r_lines results ($r_ok ok; $expected expected), CPU ${r_user} s user + ${r_sys} s sys
  = $cores cores of 2, peak RSS $((r_rss / 1024)) MiB.

\`\`\`sh
bench/run probe     # nginx + probe --once --config once.yaml; blackbox_exporter + curl -K urls; check_http per URL; probe --config rate.yaml for 60 s
\`\`\`
MD
echo "probe: $p_us ms/check (blackbox $p_bb, check_http $p_ch), RSS $((m_us / 1024)) MiB, rate $r_lines in $rate_seconds s" >&2

# Agency scale (issue 15), long-running: 5,000 sites x (http, tls, tcp) every 30 s for MIXED_SECONDS (default 600),
# beside blackbox_exporter at the same rate; then the tls checks alone (MIXED_TLS_SECONDS, default 120); then the tls
# kind's `--once` comparison. PROBE_MIXED=0 skips all three.
[ "${PROBE_MIXED:-1}" = 1 ] || exit 0
echo "probe: 15,000 mixed checks every 30 s for ${MIXED_SECONDS:-600} s, then blackbox_exporter at the same rate" >&2
mixed=$(bash "$(dirname "$0")/mixed.sh" "$BENCH_BIN/probe")
echo "probe: 5,000 tls checks every 30 s for ${MIXED_TLS_SECONDS:-120} s, then blackbox_exporter at the same rate" >&2
tls_long=$(MIXED_KINDS=tls MIXED_SECONDS=${MIXED_TLS_SECONDS:-120} bash "$(dirname "$0")/mixed.sh" "$BENCH_BIN/probe")
echo "probe: the tls kind, --once, beside blackbox_exporter" >&2
tls_once=$(bash "$(dirname "$0")/tls.sh" "$BENCH_BIN/probe" 1000 50 3)
cat >> "$BENCH_OUT/probe.md" <<MD

#### probe: 15,000 mixed checks every 30 s, long-running, beside blackbox_exporter at the same rate (issue 15)

\`bench/probe/mixed.sh\`: \`probe --config --output\` running for ${MIXED_SECONDS:-600} s, its CPU and memory from /proc every
30 s, every result checked against its target; then blackbox_exporter sent the same 15,000 \`/probe\` requests every
30 s (each at its check's offset in the interval, one curl a second), its CPU and memory from /proc of its own process.
Targets: under 0.3 cores and 150 MiB peak RSS, flat; every result right.

$mixed

#### The tls checks alone: ${MIXED_SITES:-5000} every 30 s

$tls_long

#### The tls kind, \`--once\` (\`bench/probe/tls.sh PROBE 1000 50 3\`)

\`\`\`
$tls_once
\`\`\`
MD
