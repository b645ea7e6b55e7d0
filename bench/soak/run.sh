#!/usr/bin/env bash
# Workload "soak" for bench/run: the long-running stages, 1,000 checks every 30 s against a local nginx where 10% of
# the pages flap, 10% go down for 4 minutes in every 10 (classify opens and resolves incidents, route delivers them
# to a webhook on the same nginx) and 1% are always down. Samples every stage's RSS every 30 s for SOAK_SECONDS
# (default 600; the 1-hour figure is SOAK_SECONDS=3600 bench/run soak). SOAK_CHAIN=files (default) runs the chain as
# pipelines/run does, on message files with state (probe --output, classify and route --input --follow --state
# --output); SOAK_CHAIN=pipe runs probe | classify | route --state. Writes $BENCH_OUT/soak.md.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
seconds=${SOAK_SECONDS:-600}
interval=${SOAK_SAMPLE_SECONDS:-30}
checks=${SOAK_CHECKS:-1000}
chain=${SOAK_CHAIN:-files}
hosts=50
work="$BENCH_WORK/soak"
mkdir -p "$work/www"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
python3 -c "open('$work/www/page.html','w').write('<html><body>' + 'x' * 12000 + '<footer>ok</footer></body></html>')"
port=$(free_port)
# /flap/ fails with 503 when the epoch second's tens digit is even: a check every 30 s alternates (flapping).
# /outage/ fails during minutes ending in 0-3: 8 failures in a row every 10 minutes (an incident opens and resolves).
start_nginx "$work" "$port" "$hosts" /page/1 '
    location /page/ { default_type text/html; try_files /page.html =404; }
    location /flap/ { default_type text/html; if ($msec ~ "[02468][0-9]\.[0-9]+$") { return 503; } try_files /page.html =404; }
    location /outage/ { default_type text/html; if ($time_iso8601 ~ "T[0-9][0-9]:[0-9][0-3]:") { return 503; } try_files /page.html =404; }
    location /down/ { return 404; }
    location /hook { return 200 "ok"; }'

{
  echo "tiers: {standard: {outage: warning, degraded: info}}"
  echo "defaults: {every: 30s, timeout: 10s}"
  echo "sites:"
  for s in $(seq 1 "$hosts"); do
    echo "  - {id: site$s, tier: standard, checks: ["
    for c in $(seq "$s" "$hosts" "$checks"); do
      if [ $((c % 100)) = 1 ]; then path=down; elif [ $((c % 10)) = 0 ]; then path=flap; elif [ $((c % 10)) = 5 ]; then path=outage; else path=page; fi
      echo "      {id: check$c, http: \"http://127.0.0.$s:$port/$path/$c\", expect: {contains: [\"<footer\"]}},"
    done
    echo "    ]}"
  done
  echo "routing:"
  echo "  sinks: {hook: {kind: webhook, url: \"\${BENCH_HOOK}\"}}"   # a webhook URL is a secret: from the environment
  echo "  routes: [{sinks: [hook]}]"
} > "$work/soak.yaml"

export BENCH_HOOK="http://127.0.0.1:$port/hook"
if [ "$chain" = pipe ]; then
  mkfifo "$work/probe.out" "$work/classify.out"
  "$BENCH_BIN/probe" --config "$work/soak.yaml" --concurrency 64 --per-host 4 > "$work/probe.out" 2> "$work/probe.err" &
  probe_pid=$!; pids+=($probe_pid)
  "$BENCH_BIN/classify" --config "$work/soak.yaml" < "$work/probe.out" > "$work/classify.out" 2> "$work/classify.err" &
  classify_pid=$!; pids+=($classify_pid)
  "$BENCH_BIN/route" --config "$work/soak.yaml" --state "$work/outbox.sqlite" < "$work/classify.out" > "$work/out.ndjson" 2> "$work/route.err" &
  route_pid=$!; pids+=($route_pid)
  classified="$work/out.ndjson"; delivered="$work/out.ndjson"
  described='`probe | classify | route --state` as one pipeline'
else
  "$BENCH_BIN/probe" --config "$work/soak.yaml" --concurrency 64 --per-host 4 --state "$work/probe.sqlite" \
    --output "$work/results.ndjson" --rotate-daily 2> "$work/probe.err" &
  probe_pid=$!; pids+=($probe_pid)
  "$BENCH_BIN/classify" --config "$work/soak.yaml" --input "$work/results.ndjson" --follow --state "$work/classify.sqlite" \
    --output "$work/classified.ndjson" --rotate-daily --heartbeat 300 2> "$work/classify.err" &
  classify_pid=$!; pids+=($classify_pid)
  "$BENCH_BIN/route" --config "$work/soak.yaml" --input "$work/classified.ndjson" --follow --state "$work/route.sqlite" \
    --output "$work/deliveries.ndjson" --heartbeat 300 2> "$work/route.err" &
  route_pid=$!; pids+=($route_pid)
  classified="$work/classified.ndjson"; delivered="$work/deliveries.ndjson"
  described='The file-based chain as `pipelines/run` starts it (probe `--output`, classify and route `--input --follow --state --output`, every write fsynced)'
fi
stages="probe classify route"

sleep 2
for p in $probe_pid $classify_pid $route_pid; do
  kill -0 "$p" 2>/dev/null || { echo "soak: a stage exited early:" >&2; tail -n 5 "$work"/*.err >&2; exit 1; }
done
echo "soak: $stages, $checks checks every 30 s for $seconds s, RSS every $interval s" >&2
echo "t probe classify route" > "$work/series"
for t in $(seq "$interval" "$interval" "$seconds"); do
  sleep "$interval"
  echo "$t $(rss_kib "$probe_pid") $(rss_kib "$classify_pid") $(rss_kib "$route_pid")" >> "$work/series"
  tail -1 "$work/series" >&2
done
cpu_probe=$(cpu_ticks "$probe_pid"); cpu_classify=$(cpu_ticks "$classify_pid"); cpu_route=$(cpu_ticks "$route_pid")
kill -TERM "$probe_pid"
if [ "$chain" != pipe ]; then sleep 3; kill -TERM "$classify_pid" "$route_pid"; fi   # followers never see an end of input
wait "$probe_pid" "$classify_pid" "$route_pid" || true
results=$(cat "$classified"* | grep -c '"type":"result"' || true)
incidents=$(cat "$classified"* | grep -c '"type":"incident"' || true)
deliveries=$(cat "$delivered"* | grep -c '"type":"delivery"' || true)

table=$(python3 - "$work/series" "$stages" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1]).read().splitlines()[1:]]
stages = sys.argv[2].split()
print("| t (s) | " + " | ".join(f"{s} RSS (MiB)" for s in stages) + " |")
print("| ---: | " + " | ".join("---:" for _ in stages) + " |")
for r in rows:
    print(f"| {r[0]} | " + " | ".join(f"{int(v) / 1024:.1f}" for v in r[1:1 + len(stages)]) + " |")
# Flat: after the first third (warm-up: pools, caches, the first incidents), the last sample is within 10% (or
# 2 MiB) of the highest sample of that third.
third = max(1, len(rows) // 3)
verdicts = []
for i, s in enumerate(stages, 1):
    warm = max(int(r[i]) for r in rows[:third]); last = int(rows[-1][i]); top = max(int(r[i]) for r in rows)
    flat = last <= max(warm * 1.10, warm + 2048)
    verdicts.append(f"{s} {warm / 1024:.1f} -> {last / 1024:.1f} MiB (highest {top / 1024:.1f}): {'flat' if flat else '**growing**'}")
print("\nVERDICT " + "; ".join(verdicts))
PY
)
hz=$(getconf CLK_TCK)
cat > "$BENCH_OUT/soak.md" <<MD
### memory soak: $stages ($chain), $checks checks every 30 s, $seconds s

$described against nginx: 10% of the pages flap
(fail every other run), 10% are down 4 minutes in every 10, 1% are always down, and route delivers every incident to a webhook on the same nginx. RSS
(VmRSS) of every stage every $interval s. The pipeline wrote $results results, $incidents incidents, $deliveries
delivery lines. CPU over the soak: probe $(calc "round($cpu_probe / $hz, 1)") s, classify $(calc "round($cpu_classify / $hz, 1)") s, route $(calc "round($cpu_route / $hz, 1)") s.

${table%%VERDICT*}
- Flat over $seconds s (last sample within 10% or 2 MiB of the first third's highest): ${table##*VERDICT }.
$([ "$seconds" -lt 3600 ] && echo "- The target is a 1-hour soak; this run is shorter: the 1-hour figure is \`SOAK_SECONDS=3600 bench/run soak\`.")

\`\`\`sh
SOAK_CHAIN=$chain SOAK_SECONDS=$seconds bench/run soak
\`\`\`
MD
