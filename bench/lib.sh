# Helpers shared by the bench/ workloads (sourced, not run). Each workload script writes its Markdown section to
# $BENCH_OUT/<workload>.md; bench/run gathers them into bench/RESULTS.md.

# measure NAME RUNS STDOUT CMD...: runs CMD RUNS times under GNU time, appending "wall user sys maxrss_kib" per run
# to $BENCH_WORK/NAME.tsv (CMD's stdout goes to STDOUT, e.g. /dev/null).
measure() {
  local name=$1 runs=$2 out=$3; shift 3
  : > "$BENCH_WORK/$name.tsv"
  for _ in $(seq "$runs"); do
    /usr/bin/time -o "$BENCH_WORK/$name.time" -f "%e %U %S %M" "$@" > "$out"
    tail -1 "$BENCH_WORK/$name.time" >> "$BENCH_WORK/$name.tsv"
  done
}

# median NAME COLUMN: the median of a column of $BENCH_WORK/NAME.tsv (1 wall, 2 user, 3 sys, 4 max RSS KiB;
# "cpu" = user + sys).
median() {
  local name=$1 col=$2
  if [ "$col" = cpu ]; then awk '{print $2 + $3}' "$BENCH_WORK/$name.tsv"; else awk -v c="$col" '{print $c}' "$BENCH_WORK/$name.tsv"; fi |
    sort -g | awk '{v[NR] = $1} END {if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}

# runs NAME COLUMN: every run's value of a column, comma-separated (for the record).
runs() {
  if [ "$2" = cpu ]; then awk '{printf "%s%.2f", (NR > 1 ? ", " : ""), $2 + $3}' "$BENCH_WORK/$1.tsv"
  else awk -v c="$2" '{printf "%s%s", (NR > 1 ? ", " : ""), $c}' "$BENCH_WORK/$1.tsv"; fi
}

# build_probe: builds probe in release mode into .build-release (PROBE_BUILD=debug: the debug build instead) and
# prints its path; the stage engineers' own probe benchmarks use it (bench/run builds everything itself).
build_probe() {
  if [ "${PROBE_BUILD:-release}" = release ]; then
    swift build -c release --product probe --scratch-path .build-release >&2 || return
    echo "$(swift build -c release --scratch-path .build-release --show-bin-path)/probe"
  else
    swift build --product probe >&2 || return
    echo "$(swift build --show-bin-path)/probe"
  fi
}

# calc EXPR: floating-point arithmetic (python3: always there, unlike bc).
calc() { python3 -c "print($1)"; }

# free_port: an unused loopback TCP port.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# cpu_ticks PID: user + system CPU of a running process, in clock ticks (/proc/PID/stat fields 14 and 15).
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# rss_kib PID: resident set size now.
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# hwm_kib PID: peak resident set size so far.
hwm_kib() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status"; }

# verdict OK: "met" or "**not met**".
verdict() { if [ "$1" = 1 ] || [ "$1" = True ]; then echo "met"; else echo "**not met**"; fi; }

# wait_http URL: wait up to 10 s for a URL to answer.
wait_http() {
  for _ in $(seq 100); do curl -fs -o /dev/null "$1" && return 0; sleep 0.1; done
  echo "bench: $1 did not answer" >&2; return 1
}

# probe_config EVERY CHECKS HOSTS PORT: the probe benchmarks' config: CHECKS http checks with content assertions over
# HOSTS sites, check N on host 127.0.0.(N mod HOSTS + 1) at /page/N, every EVERY.
probe_config() {
  local every=$1 checks=$2 hosts=$3 port=$4 s c
  echo "tiers: {standard: {outage: warning, degraded: info}}"
  echo "defaults: {every: $every, timeout: 10s}"
  echo "sites:"
  for s in $(seq 1 "$hosts"); do
    echo "  - id: site$s"
    echo "    tier: standard"
    echo "    checks:"
    for c in $(seq "$s" "$hosts" "$checks"); do
      echo "      - id: check$c"
      echo "        http: http://127.0.0.$s:$port/page/$c"
      echo "        expect: {status: [200], contains: [\"<footer\", \"/Product 25[0-9]/\"], not_contains: [\"Fatal error\"], min_bytes: 10000, max_ms: 3000}"
    done
  done
}

# nginx_conf DIR PORT HOSTS SERVER [LISTEN_FLAGS] [MORE]: writes DIR/nginx.conf (one worker, no access log, logs and
# temp files under DIR, root DIR/www) with one server listening on PORT of 127.0.0.1 to 127.0.0.HOSTS (loopback only)
# whose body is SERVER (its locations, certificates, and an access_log if wanted); LISTEN_FLAGS go on each listen
# (`ssl`); MORE is placed in the http block after that server (a second server block).
# bench/route/compare.py, bench/probe/tls.sh and bench/probe/mixed.sh call it too.
nginx_conf() {
  local dir=$1 port=$2 hosts=$3 server=$4 flags=${5:-} more=${6:-} listen
  listen=$(listens "$hosts" "$port" "$flags")
  mkdir -p "$dir/www" "$dir/logs" "$dir/tmp"
  chmod 755 "$dir" "$dir/www"   # nginx workers run as an unprivileged user when started by root
  cat > "$dir/nginx.conf" <<NGINX
daemon off;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $dir/tmp; proxy_temp_path $dir/tmp; fastcgi_temp_path $dir/tmp;
  uwsgi_temp_path $dir/tmp; scgi_temp_path $dir/tmp;
  keepalive_requests 1000000;
  server {
    $listen
    root $dir/www;
    $server
  }
  $more
}
NGINX
}

# listens HOSTS PORT [FLAGS]: "listen 127.0.0.1:PORT FLAGS; ..." for 127.0.0.1 to 127.0.0.HOSTS (a server's listens).
listens() {
  local h out=""
  for h in $(seq "$1"); do out+="listen 127.0.0.$h:$2${3:+ $3}; "; done
  echo "$out"
}

# bench_page FILE: the probe benchmarks' page, about 20 KB of HTML with the markers the http checks look for
# (`<footer`, `Product 25[0-9]`).
bench_page() {
  python3 - "$1" <<'PY'
import sys
rows = "".join(f'<li class="product">Product {i}: a fine thing at a fair price</li>' for i in range(1, 300))
open(sys.argv[1], "w").write(f"<!doctype html><html><head><title>Bench</title></head><body><header>Bench</header>"
                             f"<main><ul>{rows}</ul></main><footer>&copy; 2026</footer></body></html>")
PY
}

# bench_ca HOSTS [ec|rsa]: in the current folder, a private CA (ca.key, ca.pem) and a server certificate (srv.key,
# srv.pem) it signed that names localhost and 127.0.0.1 to 127.0.0.HOSTS; P-256 keys unless rsa (2048 bits).
bench_ca() {
  local hosts=$1 key=${2:-ec} san="DNS:localhost" h
  _bench_key() { if [ "$key" = rsa ]; then openssl genrsa -out "$1" 2048 2>/dev/null; else openssl ecparam -name prime256v1 -genkey -noout -out "$1"; fi; }
  _bench_key ca.key
  openssl req -x509 -new -key ca.key -sha256 -days 365 -subj "/CN=lookout bench CA" -out ca.pem \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  _bench_key srv.key
  for h in $(seq "$hosts"); do san+=",IP:127.0.0.$h"; done
  openssl req -new -key srv.key -subj "/CN=localhost" -out srv.csr 2>/dev/null
  printf "subjectAltName=%s\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n" "$san" > srv.ext
  openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 90 -sha256 -extfile srv.ext -out srv.pem 2>/dev/null
}

# start_nginx DIR PORT HOSTS READY_PATH SERVER: nginx_conf, then starts nginx in the background, adds its pid to the
# caller's `pids` array (which the caller's EXIT trap kills) and waits until READY_PATH answers.
start_nginx() {
  nginx_conf "$1" "$2" "$3" "$5"
  nginx -e "$1/logs/error.log" -c "$1/nginx.conf" -p "$1" &
  pids+=($!)
  wait_http "http://127.0.0.1:$2$4"
}

# blackbox_modules [CA_FILE]: blackbox_exporter's modules for the probe benchmarks: http_content (the http checks'
# assertions), tcp_connect; with CA_FILE also tcp_tls (a TLS handshake trusting CA_FILE) and tcp_tls_wrong_name (the
# same, for a name the certificate does not carry).
blackbox_modules() {
  cat <<YAML
modules:
  http_content:
    prober: http
    timeout: 10s
    http:
      valid_status_codes: [200]
      fail_if_body_not_matches_regexp: ["<footer", "Product 25[0-9]"]
      fail_if_body_matches_regexp: ["Fatal error"]
  tcp_connect:
    prober: tcp
    timeout: 10s
YAML
  [ -n "${1:-}" ] || return 0
  cat <<YAML
  tcp_tls:
    prober: tcp
    timeout: 10s
    tcp:
      tls: true
      tls_config: {ca_file: $1}
  tcp_tls_wrong_name:
    prober: tcp
    timeout: 10s
    tcp:
      tls: true
      tls_config: {ca_file: $1, server_name: wrong.example}
YAML
}
