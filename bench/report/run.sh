#!/usr/bin/env bash
# Benchmark: `report` over a generated day of 1,000 checks every 30 s (about 2.9 M lines), release build.
# Measures wall time and peak RSS with GNU time. Not part of `swift test`. Usage: bench/report/run.sh [CHECKS]
set -euo pipefail
cd "$(dirname "$0")/../.."
checks="${1:-1000}"
data="${TMPDIR:-/tmp}/lookout-bench-report-v2"   # v2: with a routing section and keyed delivery lines
if [ ! -f "$data/bench.ndjson" ] || [ "$(cat "$data/checks" 2>/dev/null)" != "$checks" ]; then
  python3 bench/report/generate.py "$data" "$checks"
  echo "$checks" > "$data/checks"
fi
swift build -c release --product report >/dev/null
bin="$(swift build -c release --show-bin-path)/report"
echo "input: $(wc -l < "$data/bench.ndjson") lines, $(du -h "$data/bench.ndjson" | cut -f1)"
for format in json html; do
  /usr/bin/time -f "$format: %e s wall, %U s user, %M KiB peak RSS" \
    "$bin" --config "$data/bench.config.yaml" --day 2026-11-25 --format "$format" --output "$data/report.$format" "$data/bench.ndjson"
done
gzip -kf "$data/bench.ndjson"
/usr/bin/time -f "json from .gz: %e s wall, %U s user, %M KiB peak RSS" \
  "$bin" --config "$data/bench.config.yaml" --day 2026-11-25 --format json --output "$data/report.gz.json" "$data/bench.ndjson.gz"
cmp "$data/report.json" "$data/report.gz.json" && echo "gzip input gives the same report"
