#!/usr/bin/env bash
# Workload "chain" for bench/run: see bench/chain/backlog.py.
set -euo pipefail
exec python3 "$(dirname "$0")/backlog.py"
