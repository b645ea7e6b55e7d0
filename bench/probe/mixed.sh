#!/usr/bin/env bash
# bench/probe/mixed.sh: probe's long-running mode at agency scale (issue 15) beside blackbox_exporter at the same
# rate. SITES sites with an http (content assertions on a 20 KB page), a tls (private CA) and a tcp check each, every
# 30 s, against one nginx on loopback (plain HTTP and TLS ports on 127.0.0.1-127.0.0.HOSTS); every 101st site is built
# to fail (missing page, wrong certificate name, closed port). Each probe binary runs `probe --config --output` for
# SECONDS with its CPU and memory sampled from /proc every 30 s, and every result is checked against its target;
# then blackbox_exporter gets the same 15,000 /probe requests every 30 s (bench/probe/mixed.py has the details).
# Prints a Markdown section on stdout, progress on stderr.
#
#   bench/probe/mixed.sh PROBE_BIN[,PROBE_BIN...]       binaries run back to back, then blackbox_exporter
#   env: MIXED_SECONDS (600), MIXED_SITES (5000), MIXED_HOSTS (50), MIXED_EVERY (30), MIXED_SAMPLE (30),
#        MIXED_KINDS (http,tls,tcp; tls alone is the tls-only comparison), BLACKBOX=0 skips the exporter,
#        PROBE_ARGS (extra probe options), KEEP=DIR keeps the work dir, MIXED_PERF=FILE runs `perf record -g` on the
#        first binary for MIXED_PERF_SECONDS (60) from MIXED_PERF_AT (60) s on (its CPU then includes perf's sampling).
# Only loopback addresses are ever targets. Every process started here is stopped by the EXIT trap.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib.sh"
probe=${1:?probe binary}
hosts=${MIXED_HOSTS:-50}
work=${KEEP:-$(mktemp -d)}; mkdir -p "$work"; work=$(cd "$work" && pwd)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; [ -n "${KEEP:-}" ] || rm -rf "$work"; }
trap cleanup EXIT

cd "$work"
bench_ca "$hosts"
http_port=$(free_port); tls_port=$(free_port); closed_port=$(free_port); bb_port=$(free_port)
nginx_conf "$work" "$http_port" "$hosts" \
  'location / { default_type text/html; try_files /page.html =404; } location /missing/ { return 404; }' "" \
  "server { $(listens "$hosts" "$tls_port" ssl) ssl_certificate $work/srv.pem; ssl_certificate_key $work/srv.key; location / { return 200 ok; } }"
bench_page "$work/www/page.html"
nginx -e "$work/logs/error.log" -c "$work/nginx.conf" -p "$work" & pids+=($!)
wait_http "http://127.0.0.1:$http_port/page/1"
curl -fs --cacert ca.pem -o /dev/null "https://127.0.0.$hosts:$tls_port/" || { echo "mixed: nginx's TLS port did not answer" >&2; exit 1; }

blackbox_modules "$work/ca.pem" > blackbox.yml   # read by mixed.py's blackbox_exporter
[ "${BLACKBOX:-1}" = 1 ] || bb_port=0
python3 "$here/mixed.py" --work "$work" --probe "$probe" --kinds "${MIXED_KINDS:-http,tls,tcp}" \
  --sites "${MIXED_SITES:-5000}" --hosts "$hosts" --every "${MIXED_EVERY:-30}" --seconds "${MIXED_SECONDS:-600}" \
  --sample "${MIXED_SAMPLE:-30}" --http-port "$http_port" --tls-port "$tls_port" --closed-port "$closed_port" \
  --blackbox-port "$bb_port" --probe-args "${PROBE_ARGS:-}" \
  --perf "${MIXED_PERF:-}" --perf-at "${MIXED_PERF_AT:-60}" --perf-seconds "${MIXED_PERF_SECONDS:-60}"
