#!/usr/bin/env bash
# Workload "classify": 1,000,000 results (1,000 checks, two locations, outages, blips, flapping, regional failures,
# degradations, maintenance) through `classify` with in-memory state, against jq running a select-and-annotate
# filter on the same file. Run through bench/run (which sets BENCH_*); writes $BENCH_OUT/classify.md.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
checks=${CLASSIFY_CHECKS:-1000}
rounds=${CLASSIFY_ROUNDS:-500}
data="$BENCH_DATA/classify-$checks-$rounds"
if [ ! -s "$data/classify.ndjson" ]; then python3 bench/classify/generate.py "$data" "$checks" "$rounds"; fi
input="$data/classify.ndjson"
config="$data/classify.config.yaml"
lines=$(wc -l < "$input")
jq_filter='select(.ok==false) | . + {severity: (if .degraded == true then "warning" else "critical" end)}'

echo "classify: $lines lines, $BENCH_RUNS runs each of jq and classify" >&2
measure classify-jq "$BENCH_RUNS" /dev/null jq -c "$jq_filter" "$input"
measure classify "$BENCH_RUNS" /dev/null "$BENCH_BIN/classify" --config "$config" --input "$input"
# With --state (the long-running chain's mode): on a fresh state file each run, in the work folder.
state="$BENCH_WORK/classify-state.sqlite"
measure classify-state "$BENCH_RUNS" /dev/null bash -c 'rm -f "$1" "$1-wal" "$1-shm"; exec "$2" --config "$3" --input "$4" --state "$1"' \
  _ "$state" "$BENCH_BIN/classify" "$config" "$input"
# CLASSIFY_BEFORE_BIN=DIR: another classify (before a change) in the same run, for a before/after beside the same jq.
before_rows=""
if [ -n "${CLASSIFY_BEFORE_BIN:-}" ]; then
  label=${CLASSIFY_BEFORE_LABEL:-before}
  measure classify-before "$BENCH_RUNS" /dev/null "$CLASSIFY_BEFORE_BIN/classify" --config "$config" --input "$input"
  measure classify-before-state "$BENCH_RUNS" /dev/null bash -c 'rm -f "$1" "$1-wal" "$1-shm"; exec "$2" --config "$3" --input "$4" --state "$1"' \
    _ "$state" "$CLASSIFY_BEFORE_BIN/classify" "$config" "$input"
  for name in classify-before classify-before-state; do
    w=$(median $name 1); c=$(median $name cpu); m=$(median $name 4)
    mode=$([ $name = classify-before ] && echo "in memory" || echo "with --state")
    before_rows+="| $label, $mode | $w s | $c s | $((m / 1024)) MiB | $(python3 -c "print(f'{round($lines / $w):,}')") | $(python3 -c "print(f'{round($lines / $c):,}')") | $(runs $name 1) |"$'\n'
  done
fi

# Agreement, once, untimed: every result classify writes is its input line with exactly the five members added
# (fields it does not know passed through, values and order unchanged), and every result comes out.
"$BENCH_BIN/classify" --config "$config" --input "$input" --summary > "$BENCH_WORK/classify.out" 2> "$BENCH_WORK/classify.summary"
agreement=$(python3 - "$input" "$BENCH_WORK/classify.out" <<'PY'
import json, sys, collections
added = ("site", "tier", "maintenance", "state", "severity")
pairs = lambda s: json.loads(s, object_pairs_hook=list)
incidents = collections.Counter(); states = collections.Counter(); results = 0; bad = 0
with open(sys.argv[1]) as fin, open(sys.argv[2]) as fout:
    for out in fout:
        o = pairs(out); d = dict(o)
        if d["type"] == "incident":
            incidents[d["event"]] += 1; continue
        i = pairs(fin.readline()); results += 1
        states[d["state"]] += 1
        if [kv for kv in o if kv[0] not in added] != i or any(k not in d for k in added): bad += 1
    left = sum(1 for _ in fin)
print(f"{results} results, {bad} disagreeing, {left} missing; incidents " + ", ".join(f"{k} {v}" for k, v in sorted(incidents.items()))
      + "; states " + ", ".join(f"{k} {v}" for k, v in states.most_common()))
sys.exit(1 if bad or left else 0)
PY
)
echo "classify agreement: $agreement" >&2

w_jq=$(median classify-jq 1); c_jq=$(median classify-jq cpu); m_jq=$(median classify-jq 4)
w_us=$(median classify 1); c_us=$(median classify cpu); m_us=$(median classify 4)
r_jq_w=$(calc "round($lines / $w_jq)"); r_jq_c=$(calc "round($lines / $c_jq)")
r_us_w=$(calc "round($lines / $w_us)"); r_us_c=$(calc "round($lines / $c_us)")
ratio_w=$(calc "round($r_us_w / $r_jq_w, 1)"); ratio_c=$(calc "round($r_us_c / $r_jq_c, 1)")
met3=$(calc "int($ratio_w >= 3 and $ratio_c >= 3)")
met5=$(calc "int($ratio_w >= 5)"); met5c=$(calc "int($ratio_c >= 5)")
w_st=$(median classify-state 1); c_st=$(median classify-state cpu); m_st=$(median classify-state 4)
r_st_w=$(calc "round($lines / $w_st)"); r_st_c=$(calc "round($lines / $c_st)")
ratio_st=$(calc "round($r_st_w / $r_us_w, 2)")
met500=$(calc "int($r_st_w >= 500000)")
stretch_w=$(calc "int($r_us_w >= 1000000)"); stretch_c=$(calc "int($r_us_c >= 1000000)")
fmt() { python3 -c "print(f'{$1:,}')"; }

cat > "$BENCH_OUT/classify.md" <<MD
### classify replay: $(fmt "$lines") results vs jq

Input: \`bench/classify/generate.py\` ($checks checks, 100 sites over the four tiers, $rounds rounds every 30 s from
two locations; $(grep -c '"ok":false' "$input") failing results: outages, blips, flapping, one-location failures, slow
(degraded) results, an outage inside each site's maintenance window), $(du -m "$input" | cut -f1) MB. \`classify\`
runs with in-memory state and writes all $(fmt "$lines") enriched results plus the incidents; jq only selects the
failing ones and adds a field. Both write to /dev/null. Medians of $BENCH_RUNS runs.

| | wall (median) | CPU user+sys (median) | peak RSS | lines/s (wall) | lines/s (CPU) | runs, wall s |
| --- | ---: | ---: | ---: | ---: | ---: | --- |
| jq $(jq --version | sed 's/jq-//') \`${jq_filter//|/\\|}\` | $w_jq s | $c_jq s | $((m_jq / 1024)) MiB | $(fmt "$r_jq_w") | $(fmt "$r_jq_c") | $(runs classify-jq 1) |
| \`classify\` | $w_us s | $c_us s | $((m_us / 1024)) MiB | $(fmt "$r_us_w") | $(fmt "$r_us_c") | $(runs classify 1) |
| **ratio** (classify / jq) | | | | **${ratio_w}x** | **${ratio_c}x** | |
| \`classify --state\` (fresh SQLite file, WAL, synchronous=FULL) | $w_st s | $c_st s | $((m_st / 1024)) MiB | **$(fmt "$r_st_w")** | $(fmt "$r_st_c") | $(runs classify-state 1) |
| ratio --state / in memory | | | | ${ratio_st} | | |
${before_rows}
- Target >= 3x jq's lines/s: $(verdict "$met3") (${ratio_w}x by wall time, ${ratio_c}x by CPU time).
- Stretch >= 1,000,000 lines/s: by wall time $(verdict "$stretch_w") ($(fmt "$r_us_w")/s), by CPU time $(verdict "$stretch_c") ($(fmt "$r_us_c")/s).
- Target (issue 21) in memory >= 5x jq's lines/s: by wall time $(verdict "$met5") (${ratio_w}x), by CPU time $(verdict "$met5c") (${ratio_c}x).
- Target (issue 21) >= 500,000 lines/s with \`--state\`: $(verdict "$met500") ($(fmt "$r_st_w")/s by wall time, $(fmt "$r_st_c")/s by CPU time).
- Agreement on this corpus (untimed run, checked in Python): $agreement. Every result line written is the input
  line with only \`site\`, \`tier\`, \`maintenance\`, \`state\`, \`severity\` added, members and order unchanged.
  The fast partial decode (\`ResultHead\`) is checked against the full \`ResultEvent\` decode on a fuzzed corpus of
  20,000 lines by \`swift test --filter EventDecodeTests/fastPathAgreesWithFullDecodeOnAFuzzedCorpus\`.

\`\`\`sh
bench/run classify     # python3 bench/classify/generate.py DIR; classify --config DIR/classify.config.yaml --input DIR/classify.ndjson [--state FILE]
\`\`\`
MD
echo "classify: ${r_us_w}/s wall, ${r_us_c}/s CPU; --state ${r_st_w}/s wall, ${r_st_c}/s CPU; jq ${r_jq_w}/s wall, ${r_jq_c}/s CPU; ratio ${ratio_w}x wall, ${ratio_c}x CPU" >&2
