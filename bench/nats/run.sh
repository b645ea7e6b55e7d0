#!/usr/bin/env bash
# Workload "nats": results carried by NATS JetStream into `classify --state`, beside the file chain on the same machine.
#   1. Capacity: three publishers (lookout's own NATS publisher: `route` passing a results file through to
#      --output nats://, one synchronous js_Publish per line, as probe's publisher thread does) push NATS_RESULTS
#      results each on lookout.results.LOC while `classify --follow --state` reads lookout.results.> : results/s from
#      the first publish to the last result classify writes. Beside it: the same lines classified with --state from a
#      file, and read back from the stream by a fresh classify --state.
#   2. Delay: three real `probe --location` processes (NATS_CHECKS tcp checks each, every 1 s) publish to the server
#      while classify follows it; for NATS_SECONDS the delay from each result's `at` to the moment its line appears in
#      classify's output file (p50/p99). Beside it: the file chain, one probe with all 3 x NATS_CHECKS checks writing a
#      file that classify --follow --state tails.
# Run through bench/run (`bench/run nats`), or alone: bench/nats/run.sh (then it uses .build/release and prints the
# section). Needs nats-server (pipelines/install-deps) and python3.
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/lib.sh
command -v nats-server >/dev/null || { echo "bench/nats: nats-server is missing (pipelines/install-deps)" >&2; exit 69; }
alone=0
if [ -z "${BENCH_WORK:-}" ]; then
  alone=1
  BENCH_WORK=$(mktemp -d "${TMPDIR:-/tmp}/lookout-bench-nats.XXXXXX"); BENCH_OUT=$BENCH_WORK/md; mkdir -p "$BENCH_OUT"
  BENCH_BIN=${BENCH_BIN:-$(pwd)/.build/release}
fi
results=${NATS_RESULTS:-20000}     # per publisher
checks=${NATS_CHECKS:-100}         # per probe, every 1 s
seconds=${NATS_SECONDS:-20}        # delay measured over this long, after a 5 s warm-up
work=$BENCH_WORK/nats
mkdir -p "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ "$alone" = 1 ]; then rm -rf "$BENCH_WORK"; fi
}
trap cleanup EXIT
now() { python3 -c 'import time; print(time.time())'; }
# results FILE: how many result lines FILE holds.
results_in() { grep -c '"type":"result"' "$1" 2>/dev/null || true; }
# wait_results FILE N TIMEOUT: waits until FILE holds N result lines; prints the time it did.
wait_results() {
  local deadline=$(( $(date +%s) + $3 ))
  while [ "$(results_in "$1")" -lt "$2" ]; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "bench/nats: $1 has $(results_in "$1") of $2 results after $3 s" >&2; return 1; }
    sleep 0.02
  done
  now
}

# The server: JetStream on a free loopback port, its store in the work folder.
port=$(free_port)
nats-server -js -a 127.0.0.1 -p "$port" -sd "$work/js" -l "$work/nats-server.log" & pids+=($!)
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
server=nats://127.0.0.1:$port

# The data: per location, $results results over 1,000 checks (1% failing), `at` 30 s apart per check.
python3 - "$work" "$results" <<'PY'
import sys, datetime, random
work, n = sys.argv[1], int(sys.argv[2])
checks = 1000
start = datetime.datetime(2026, 11, 30, tzinfo=datetime.timezone.utc)
rng = random.Random(19)
with open(f"{work}/config.yaml", "w") as c:
    c.write("tiers: {standard: {outage: warning, degraded: info}}\ndefaults: {every: 30s}\nsites:\n  - id: s\n    tier: standard\n    checks:\n")
    for k in range(checks): c.write(f"      - {{id: check{k}, tcp: \"127.0.0.1:9\"}}\n")
lines = {loc: [] for loc in ("lon", "fra", "nyc")}
for i in range(n):
    for j, loc in enumerate(lines):
        at = start + datetime.timedelta(seconds=30 * (i // checks), milliseconds=(i % checks) * 20 + j)
        ok = rng.random() > 0.01
        tail = '"latency_ms":%d' % rng.randint(20, 900) if ok else '"error":"connection refused"'
        lines[loc].append('{"v":1,"type":"result","check":"check%d","at":"%s","ok":%s,"kind":"tcp",%s,"location":"%s"}'
                          % (i % checks, at.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (at.microsecond // 1000), "true" if ok else "false", tail, loc))
for loc, ls in lines.items():
    open(f"{work}/{loc}.ndjson", "w").write("\n".join(ls) + "\n")
# The file chain's input: the three interleaved, as one probe host's file would hold them.
open(f"{work}/all.ndjson", "w").write("\n".join(l for trio in zip(*lines.values()) for l in trio) + "\n")
PY
total=$((3 * results))
config=$work/config.yaml
echo "nats: $total results from three publishers (nats-server $(nats-server --version | awk '{print $2}'))" >&2

# 1a. The file chain's classify with --state on the same lines.
/usr/bin/time -o "$work/file.time" -f "%e %U %S %M" "$BENCH_BIN/classify" --config "$config" --input "$work/all.ndjson" \
  --state "$work/file.sqlite" --output "$work/file.out"
file_wall=$(cut -d' ' -f1 "$work/file.time"); file_cpu=$(awk '{print $2 + $3}' "$work/file.time")

# 1b. Three publishers into the server while classify --follow --state reads it.
"$BENCH_BIN/classify" --config "$config" --input "$server/lookout.results.>" --follow --state "$work/nats.sqlite" \
  --output "$work/nats.out" 2> "$work/classify-nats.err" & classify_pid=$!; pids+=("$classify_pid")
sleep 1   # connected and subscribed: the clock starts at the first publish
t0=$(now)
pubs=()
for loc in lon fra nyc; do
  /usr/bin/time -o "$work/pub-$loc.time" -f "%e %U %S %M" "$BENCH_BIN/route" --config "$config" --input "$work/$loc.ndjson" \
    --output "$server/lookout.results.$loc" 2> "$work/pub-$loc.err" & pubs+=($!)
done
for p in "${pubs[@]}"; do wait "$p"; done
t_pub=$(now)
t_end=$(wait_results "$work/nats.out" "$total" 600)
classify_cpu=$(python3 -c "import os; t=open('/proc/$classify_pid/stat').read().split(')')[1].split(); print((int(t[11])+int(t[12]))/os.sysconf('SC_CLK_TCK'))")
kill "$classify_pid"; wait "$classify_pid" || true
pub_cpu=$(cat "$work"/pub-*.time | awk '{s += $2 + $3} END {print s}')

# 1c. A fresh classify --state reading the whole stream back (the consume rate alone).
/usr/bin/time -o "$work/back.time" -f "%e %U %S %M" "$BENCH_BIN/classify" --config "$config" --input "$server/lookout.results.>" \
  --state "$work/back.sqlite" --output "$work/back.out"
back_wall=$(cut -d' ' -f1 "$work/back.time"); back_cpu=$(awk '{print $2 + $3}' "$work/back.time")
check=$(python3 - "$work" "$total" <<'PY'
import sys, json
work, total = sys.argv[1], int(sys.argv[2])
def ids(path):
    out = []
    for line in open(path):
        o = json.loads(line)
        if o["type"] == "result": out.append((o["check"], o["location"], o["at"]))
    return out
live, back, file = ids(f"{work}/nats.out"), ids(f"{work}/back.out"), ids(f"{work}/file.out")
ok = len(live) == len(set(live)) == total and set(live) == set(back) == set(file) and len(back) == total
print(f"{len(set(live))} distinct results classified live, {len(back)} read back, {len(file)} from the file: {'all the same' if ok else 'DIFFERENT'}")
sys.exit(0 if ok else 1)
PY
)
echo "nats: $check" >&2

# 2. The delay from a probe's `at` to classify's output line, over NATS and over a file.
refused=$(free_port)   # nothing listens: a tcp check's answer is immediate
live_config() {  # live_config CHECKS: tcp checks every 1 s
  echo "tiers: {standard: {outage: warning, degraded: info}}"
  echo "defaults: {every: 1s, timeout: 1s}"
  echo "sites:"; echo "  - id: s"; echo "    tier: standard"; echo "    checks:"
  for k in $(seq "$1"); do echo "      - {id: live$k, tcp: \"127.0.0.1:$refused\"}"; done
}
live_config "$checks" > "$work/live.yaml"
live_config $((3 * checks)) > "$work/live3.yaml"
# watch FILE SECONDS: reads FILE as it grows for 5 + SECONDS s; prints p50 and p99 of (seen - at) in ms for the
# results stamped after the 5 s warm-up, and how many.
watch() {
  python3 - "$1" "$2" <<'PY'
import sys, time, json, datetime, os
path, seconds = sys.argv[1], float(sys.argv[2])
start = time.time(); warm = start + 5; end = warm + seconds
while not os.path.exists(path): time.sleep(0.002)
delays = []
with open(path) as f:
    buf = ""
    while time.time() < end:
        chunk = f.readline()
        if not chunk: time.sleep(0.002); continue
        buf += chunk
        if not buf.endswith("\n"): continue
        seen = time.time(); line, buf = buf, ""
        o = json.loads(line)
        if o.get("type") != "result": continue
        at = datetime.datetime.fromisoformat(o["at"].replace("Z", "+00:00")).timestamp()  # with or without a fraction
        if at >= warm: delays.append((seen - at) * 1000)
delays.sort()
q = lambda p: delays[min(len(delays) - 1, int(p * len(delays)))] if delays else float("nan")
print(f"{q(0.5):.0f} {q(0.99):.0f} {len(delays)}")
PY
}
# 2a. Over NATS: three probes, one per location.
"$BENCH_BIN/classify" --config "$work/live3.yaml" --input "$server/lookout.live.>" --follow --state "$work/live-nats.sqlite" \
  --output "$work/live-nats.out" 2> "$work/live-nats.err" & c=$!; pids+=("$c")
probes=()
for loc in lon fra nyc; do
  "$BENCH_BIN/probe" --config "$work/live.yaml" --location "$loc" --output "$server/lookout.live.$loc" 2> "$work/probe-$loc.err" & probes+=($!); pids+=($!)
done
read -r nats_p50 nats_p99 nats_n < <(watch "$work/live-nats.out" "$seconds")
for p in "${probes[@]}" "$c"; do kill "$p"; wait "$p" || true; done
# 2b. Over a file: one probe with every check, classify following its file.
: > "$work/live.ndjson"
"$BENCH_BIN/classify" --config "$work/live3.yaml" --input "$work/live.ndjson" --follow --state "$work/live-file.sqlite" \
  --output "$work/live-file.out" 2> "$work/live-file.err" & c=$!; pids+=("$c")
"$BENCH_BIN/probe" --config "$work/live3.yaml" --location lon --output "$work/live.ndjson" 2> "$work/probe-file.err" & p=$!; pids+=("$p")
read -r file_p50 file_p99 file_n < <(watch "$work/live-file.out" "$seconds")
kill "$p" "$c"; wait "$p" "$c" || true

rate() { calc "f'{round($1 / $2):,}'"; }
cat > "$BENCH_OUT/nats.md" <<MD
### NATS: three publishers into classify --state, and the delay from a probe's \`at\` to classify's line

nats-server $(nats-server --version | awk '{print $2}') (JetStream, file storage, stream LOOKOUT over lookout.>, on
loopback), lookout's NATS publisher (one synchronous js_Publish per line, with its \`Nats-Msg-Id\`) and ordered
consumer; classify commits its state and stream sequence in SQLite per batch. $check.

| capacity: $(calc "f'{$total:,}'") results | wall | CPU | results/s (wall) |
| --- | --- | --- | --- |
| file chain: \`classify --state\` from a file | ${file_wall} s | ${file_cpu} s | $(rate "$total" "$file_wall") |
| three publishers at once into the server (\`route\` passing each location's file to \`--output nats://\`) | $(calc "round($t_pub - $t0, 2)") s | $(calc "round($pub_cpu, 2)") s (all three) | $(rate "$total" "$(calc "$t_pub - $t0")") |
| classify \`--follow --state\` reading them as they come: first publish to last result written | $(calc "round($t_end - $t0, 2)") s | $(calc "round($classify_cpu, 2)") s | **$(rate "$total" "$(calc "$t_end - $t0")")** |
| a fresh \`classify --state\` reading the stored stream back | ${back_wall} s | ${back_cpu} s | $(rate "$total" "$back_wall") |

| delay from \`at\` to classify's output line | p50 | p99 | results measured |
| --- | --- | --- | --- |
| NATS: three \`probe --location\` ($checks tcp checks each, every 1 s) -> nats-server -> \`classify --follow --state\` | ${nats_p50} ms | ${nats_p99} ms | $nats_n |
| file chain: one \`probe --output FILE\` ($((3 * checks)) checks) -> \`classify --input FILE --follow --state\` (polls every 0.2 s) | ${file_p50} ms | ${file_p99} ms | $file_n |

Reproduce: \`NATS_RESULTS=$results NATS_CHECKS=$checks NATS_SECONDS=$seconds bench/run nats\` (or \`bench/nats/run.sh\` alone, with
\`.build/release\`). The delay is measured by a watcher polling classify's output file every 2 ms, over $seconds s after a
5 s warm-up; \`at\` is when the probe's check began.
MD
if [ "$alone" = 1 ]; then cat "$BENCH_OUT/nats.md"; fi
