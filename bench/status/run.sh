#!/usr/bin/env bash
# Benchmark of the status site (issue 17) over generated classified history (bench/status/generate.py), one command:
# for each size, the one-shot `report --status-site` (wall, CPU, lines/s, peak RSS) beside report's own rate on the
# same file (`--format json` over the same days), then `report --status-site --follow`: CPU per appended result line
# and the time from an incident line to the rewritten page (bench/status/bench.py). Prints a Markdown section and
# writes it to $STATUS_OUT. Not part of `swift test`.
#
# Full size is 100 clients, 1,000 sites, a check every 60 s, 90 days (about 130 M lines, some 25 GB); STATUS_SIZES
# lists CLIENTS:SITES:DAYS to run instead, e.g. the reduced sizes of bench/RESULTS.md:
#   STATUS_SIZES="100:1000:3 10:100:30 100:1000:14" BENCH_BIN=/path/.build/release bench/status/run.sh
# BENCH_BIN=DIR uses a report already built there (default: swift build -c release); BENCH_BUILD describes it.
# STATUS_RUNS (3), STATUS_FOLLOW_LINES (200000), STATUS_REPEATS (5); STATUS_CLEAN=1 deletes the generated data after.
set -euo pipefail
cd "$(dirname "$0")/../.."
sizes=${STATUS_SIZES:-${STATUS_CLIENTS:-100}:${STATUS_SITES:-1000}:${STATUS_DAYS:-90}}
root="${BENCH_DATA:-${TMPDIR:-/tmp}/lookout-bench}"
if [ -n "${BENCH_BIN:-}" ]; then
  bin=$BENCH_BIN
  commit=$(git -C "$bin/../.." log -1 --format=%h 2>/dev/null || echo "?")
  build=${BENCH_BUILD:-"release build in $bin (checkout $commit, built $(date -u -r "$bin/report" +%Y-%m-%dT%H:%MZ))"}
else
  swift build -c release --product report >/dev/null
  bin="$(swift build -c release --show-bin-path)"
  build=${BENCH_BUILD:-"release build (swift build -c release), checkout $(git log -1 --format=%h)"}
fi
dirs=()
for size in $sizes; do
  IFS=: read -r clients sites days <<< "$size"
  data="$root/status-$clients-$sites-$days"
  [ -s "$data/status.ndjson" ] || timeout 3600 python3 bench/status/generate.py "$data" "$clients" "$sites" "$days"
  dirs+=("$data")
done
out=${STATUS_OUT:-$root/status-site.md}
{
  echo "### Status site: one-shot and --follow over generated history (sizes $sizes)"
  echo
  BENCH_BUILD=$build timeout 7200 python3 bench/status/bench.py "$bin" "${dirs[@]}"
  echo
  echo "Reproduce: \`STATUS_SIZES=\"$sizes\" bench/status/run.sh\` (CLIENTS:SITES:DAYS; \`BENCH_BIN=DIR\` for built executables)."
} | tee "$out"
[ "${STATUS_CLEAN:-0}" = 1 ] && for d in "${dirs[@]}"; do rm -rf "$d"; done
exit 0
