#!/usr/bin/env bash
# Same verdicts before and after: runs each probe binary once over 8 tls checks (good by IP, https:// URL and DNS
# name; no ca_file -> chain; wrong server_name -> hostname; expired leaf -> expiry; closed port -> refused; a port
# that accepts and never speaks -> handshake timeout) and prints check, ok, degraded, failed, error, days_left,
# chain_length per binary, then diffs them. Needs DIR from `KEEP=DIR bench/probe/tls.sh` (ca.pem, ca.key, srv.pem, srv.key).
#   tls-verdicts.sh DIR PROBE_BIN PROBE_BIN...
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
src=$1; shift
D=$(mktemp -d); pids=(); trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$D"' EXIT
cp "$src"/ca.pem "$src"/ca.key "$src"/srv.pem "$src"/srv.key "$D"/; cd "$D"
A=$(free_port); B=$(free_port); S=$(free_port); C=$(free_port)
openssl ecparam -name prime256v1 -genkey -noout -out exp.key
openssl req -new -key exp.key -subj "/CN=localhost" -out exp.csr 2>/dev/null
mkdir -p ca/newcerts logs tmp; touch ca/index.txt; echo 1000 > ca/serial
printf '[ca]\ndefault_ca=d\n[d]\ndir=./ca\ndatabase=$dir/index.txt\nnew_certs_dir=$dir/newcerts\nserial=$dir/serial\ndefault_md=sha256\npolicy=p\n[p]\ncommonName=supplied\n[ext]\nsubjectAltName=IP:127.0.0.1\n' > ca.cnf
openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in exp.csr -out exp.pem -startdate 20240101000000Z -enddate 20240201000000Z -extensions ext -notext 2>/dev/null
chmod 755 "$D"
cat > nginx.conf <<NGINX
daemon off; worker_processes 1; pid $D/nginx.pid; error_log $D/logs/error.log warn;
events { worker_connections 1024; }
http { access_log off; client_body_temp_path $D/tmp; proxy_temp_path $D/tmp; fastcgi_temp_path $D/tmp; uwsgi_temp_path $D/tmp; scgi_temp_path $D/tmp;
  server { listen 127.0.0.1:$A ssl; ssl_certificate $D/srv.pem; ssl_certificate_key $D/srv.key; }
  server { listen 127.0.0.1:$B ssl; ssl_certificate $D/exp.pem; ssl_certificate_key $D/exp.key; } }
NGINX
cat > func.yaml <<YAML
tiers: {standard: {outage: warning, degraded: info}}
defaults: {every: 30s, timeout: 2s}
sites:
  - id: s
    tier: standard
    checks:
      - {id: good, tls: "127.0.0.1:$A", ca_file: ca.pem}
      - {id: good-https-url, tls: "https://127.0.0.1:$A/", ca_file: ca.pem}
      - {id: good-dns-name, tls: "localhost:$A", ca_file: ca.pem}
      - {id: no-ca, tls: "127.0.0.1:$A"}
      - {id: wrong-name, tls: "127.0.0.1:$A", server_name: wrong.example, ca_file: ca.pem}
      - {id: expired, tls: "127.0.0.1:$B", ca_file: ca.pem}
      - {id: refused, tls: "127.0.0.1:$C", ca_file: ca.pem}
      - {id: silent, tls: "127.0.0.1:$S", ca_file: ca.pem, timeout: 1s}
YAML
nginx -e "$D/logs/error.log" -c "$D/nginx.conf" -p "$D" & pids+=($!)
timeout 120 python3 -c "
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', $S)); s.listen(16); s.settimeout(1)
conns = []; end = time.time() + 100
while time.time() < end:
    try: conns.append(s.accept()[0])
    except socket.timeout: pass
" & pids+=($!)
sleep 1
outs=()
for b in "$@"; do
  timeout 30 "$b" --once --config func.yaml 2>/dev/null | python3 -c "
import json, sys
for l in sys.stdin:
    r = json.loads(l); d = r.get('details', {})
    print(r['check'], r['ok'], r.get('degraded', False), r.get('failed'), (r.get('error') or '')[:90], d.get('days_left'), d.get('chain_length'))
" | sort > "out-$(basename "$b").txt"
  echo "== $(basename "$b")"; cat "out-$(basename "$b").txt"; outs+=("out-$(basename "$b").txt")
done
for o in "${outs[@]:1}"; do diff "${outs[0]}" "$o" > /dev/null && echo "same verdicts: ${outs[0]} $o" || { echo "DIFFERENT: ${outs[0]} $o"; diff "${outs[0]}" "$o"; }; done
