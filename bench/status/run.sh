#!/usr/bin/env bash
# Benchmark: the one-shot `report --status-site` over generated classified history (bench/status/generate.py):
# lines/s and peak RSS (GNU time). Full size is 100 clients, 1,000 sites, a check every 60 s, 90 days (about 130 M
# lines, some 25 GB); scale it down with STATUS_CLIENTS, STATUS_SITES, STATUS_DAYS. Not part of `swift test`.
#   STATUS_SITES=100 STATUS_CLIENTS=10 STATUS_DAYS=7 bench/status/run.sh
# BENCH_BIN=DIR uses a report already built there (default: swift build -c release).
set -euo pipefail
cd "$(dirname "$0")/../.."
clients=${STATUS_CLIENTS:-100} sites=${STATUS_SITES:-1000} days=${STATUS_DAYS:-90}
data="${BENCH_DATA:-${TMPDIR:-/tmp}/lookout-bench}/status-$clients-$sites-$days"
[ -s "$data/status.ndjson" ] || python3 bench/status/generate.py "$data" "$clients" "$sites" "$days"
if [ -n "${BENCH_BIN:-}" ]; then bin=$BENCH_BIN/report; else
  swift build -c release --product report >/dev/null
  bin="$(swift build -c release --show-bin-path)/report"
fi
lines=$(wc -l < "$data/status.ndjson")
rm -rf "$data/site"
/usr/bin/time -f "%e %M" -o "$data/time" "$bin" --config "$data/status.config.yaml" --status-site "$data/site" "$data/status.ndjson"
read -r wall rss < "$data/time"
python3 - "$lines" "$wall" "$rss" "$clients" "$sites" "$days" <<'PY'
import sys
lines, wall, rss = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
print(f"status site: {sys.argv[4]} clients, {sys.argv[5]} sites, {sys.argv[6]} days: {lines:,} lines in {wall:.1f} s "
      f"= {lines / max(wall, 0.001):,.0f} lines/s, peak RSS {rss // 1024} MiB")
PY
