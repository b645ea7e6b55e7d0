#!/usr/bin/env python3
"""Writes classified history for the status-site benchmark: CLIENTS clients (default 100) with SITES sites in all
(default 1,000), one check per site every 60 s, over DAYS days (default 90) ending 2026-11-25 in London: about
130 M result lines at full size. Each site has a 10-minute outage (its incident and delivery lines) every few days.
Scale it down with the arguments, e.g. `generate.py DIR 10 100 7`.

usage: generate.py OUT_DIR [CLIENTS] [SITES] [DAYS]
"""
import os, sys

out = sys.argv[1]
clients = int(sys.argv[2]) if len(sys.argv) > 2 else 100
sites = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
days = int(sys.argv[4]) if len(sys.argv) > 4 else 90
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "status.config.yaml"), "w") as f:
    f.write("""timezone: Europe/London
tiers:
  enhanced: {outage: critical, degraded: warning}
defaults: {every: 60s, confirm: {failures: 2, for: 60s}, recover: {successes: 2}}
sites:
""")
    for s in range(sites):
        f.write(f"  - {{id: site{s}, name: Site {s}, client: Client {s % clients}, tier: enhanced, "
                f"checks: [{{id: c{s}, tcp: \"127.0.0.1:9\"}}]}}\n")

end = 1795651200  # 2026-11-26T00:00:00Z
start = end - days * 86400
import time
def stamp(sec):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(sec))

with open(os.path.join(out, "status.ndjson"), "w", buffering=1 << 22) as f:
    for minute in range((end - start) // 60):
        sec = start + minute * 60
        at = stamp(sec)
        lines = []
        for s in range(sites):
            # A 10-minute outage every 3 days, at a minute of the site's own.
            phase = (minute + s * 97) % 4320
            down = phase < 10
            lines.append(f'{{"v":1,"type":"result","check":"c{s}","at":"{at}","ok":{"false" if down else "true"},'
                         f'"kind":"http","latency_ms":{50 + (s + minute) % 200},"site":"site{s}","tier":"enhanced",'
                         f'"maintenance":null,"state":"{"down" if down else "up"}","severity":"{"critical" if down else "none"}"}}')
            if phase in (0, 10):
                since = sec - phase * 60
                event = "opened" if phase == 0 else "resolved"
                iid = f"c{s}/{since * 1000}"
                lines.append(f'{{"v":1,"type":"incident","id":"{iid}","event":"{event}","check":"c{s}","site":"site{s}",'
                             f'"tier":"enhanced","severity":"critical","at":"{at}","since":"{stamp(since)}",'
                             f'"reason":"connection refused","maintenance":null,"state":"down"}}')
                lines.append(f'{{"v":1,"type":"delivery","incident":"{iid}","event":"{event}","sink":"slack-ops",'
                             f'"outcome":"sent","attempt":1,"at":"{stamp(sec + 1)}"}}')
        f.write("\n".join(lines) + "\n")
