#!/usr/bin/env bash
# Workload "report" for bench/run: bench/report/run.sh's day (generate.py: 1,000 checks every 30 s, about 2.9 M
# classified lines) through `report`, JSON and HTML, BENCH_RUNS times each with medians. No peer: none of the
# Debian-installable tools writes an availability report from a result log. Writes $BENCH_OUT/report.md.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
checks=${REPORT_CHECKS:-1000}
data="$BENCH_DATA/report-$checks-v2"   # v2: with a routing section and keyed delivery lines
if [ ! -s "$data/bench.ndjson" ]; then python3 bench/report/generate.py "$data" "$checks"; fi
lines=$(wc -l < "$data/bench.ndjson")
for format in json html; do
  echo "report: $lines lines, $BENCH_RUNS runs of --format $format" >&2
  measure "report-$format" "$BENCH_RUNS" /dev/null "$BENCH_BIN/report" --config "$data/bench.config.yaml" --day 2026-11-25 \
    --format "$format" --output "$BENCH_WORK/report.$format" "$data/bench.ndjson"
done
row() {  # FORMAT
  local w c m; w=$(median "report-$1" 1); c=$(median "report-$1" cpu); m=$(median "report-$1" 4)
  echo "| \`report --format $1\` | $w s | $c s | $((m / 1024)) MiB | $(calc "f'{round($lines / $w):,}'") | $(runs "report-$1" 1) | $(verdict "$(calc "int($w < 10 and $m < 100 * 1024)")") |"
}
cat > "$BENCH_OUT/report.md" <<MD
### report: a day of $checks checks every 30 s ($(calc "f'{$lines:,}'") lines)

Input: \`bench/report/generate.py\` (the report engineer's generator: every check has an outage with its incident and
delivery lines, keyed to the config's routing so the late-notification check matches them, a blip and a daily
maintenance window), $(du -m "$data/bench.ndjson" | cut -f1) MB. Medians of
$BENCH_RUNS runs. Target: under 10 s and under 100 MiB. No peer: no Debian-installable tool turns a result log into an
availability report, so there is no ratio.

| | wall (median) | CPU user+sys (median) | peak RSS (median) | lines/s (wall) | runs, wall s | target |
| --- | ---: | ---: | ---: | ---: | --- | --- |
$(row json)
$(row html)

\`\`\`sh
bench/run report     # python3 bench/report/generate.py DIR; report --config DIR/bench.config.yaml --day 2026-11-25 --format json DIR/bench.ndjson
\`\`\`
MD
