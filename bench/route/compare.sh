#!/usr/bin/env bash
# Workload "route" for bench/run: see bench/route/compare.py.
set -euo pipefail
exec python3 "$(dirname "$0")/compare.py"
