#!/usr/bin/env python3
"""Writes a classified day for the report benchmark: N checks (default 1000, 100 sites x 10) every 30 s over
2026-11-25 London, about 2.9 M result lines, with an outage, a blip and a maintenance window per site, incident and
delivery lines (keyed, so the late-notification check matches them to the routing), and the config that goes with it.

usage: generate.py OUT_DIR [CHECKS]
"""
import os, sys

out = sys.argv[1]
checks = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
sites = max(1, checks // 10)
os.makedirs(out, exist_ok=True)

# The webhook is a secret, so the config names a file; the report only plans deliveries and sends nothing.
with open(os.path.join(out, "hook.url"), "w") as f:
    f.write("http://127.0.0.1:9/hook\n")
with open(os.path.join(out, "bench.config.yaml"), "w") as f:
    f.write("""timezone: Europe/London
maintenance_policy: {daily_min_contract_hours: 50, earliest: "07:00", latest: "10:00"}
tiers:
  enhanced: {contract_hours: 60, outage: critical, degraded: warning, ticket: true, sla: 99.9}
defaults: {every: 30s, confirm: {failures: 3, for: 90s}, recover: {successes: 2}}
routing:
  sinks: {slack-ops: {kind: webhook, url_file: "HOOK_FILE"}}
  routes: [{severity: critical, sinks: [slack-ops]}]
sites:
""".replace("HOOK_FILE", os.path.abspath(os.path.join(out, "hook.url"))))
    for s in range(sites):
        f.write(f"  - id: site{s}\n    name: Site {s}\n    client: Client {s % 40}\n    tier: enhanced\n"
                f"    maintenance:\n      - {{name: morning, daily: \"08:00-09:00\"}}\n    checks:\n")
        for c in range(10):
            f.write(f"      - {{id: s{s}-c{c}, tcp: \"127.0.0.1:9\"}}\n")

base = 1795564800  # 2026-11-25T00:00:00Z
def stamp(sec):
    d, r = divmod(sec, 86400)
    h, r = divmod(r, 3600)
    m, s = divmod(r, 60)
    return f"2026-11-{25 + d:02d}T{h:02d}:{m:02d}:{s:02d}Z"

ids = [(f"s{s}-c{c}", f"site{s}") for s in range(sites) for c in range(10)][:checks]
with open(os.path.join(out, "bench.ndjson"), "w", buffering=1 << 20) as f:
    for slot in range(2880):
        sec = slot * 30
        at = stamp(sec)
        maint = '"morning"' if 8 * 3600 <= sec < 9 * 3600 else "null"
        lines = []
        for k, (check, site) in enumerate(ids):
            # Each check has a 5-minute outage at an hour of its own, and a one-result blip.
            outage = (sec - (k % 20) * 3600 - 1800) // 30
            if 0 <= outage < 10:
                state, ok = ("failing" if outage < 3 else "down"), "false"
            elif sec == (k % 23) * 3600 + 600:
                state, ok = "failing", "false"
            else:
                state, ok = "up", "true"
            lat = 50 + (k * 7 + slot * 13) % 400
            lines.append(f'{{"v":1,"type":"result","check":"{check}","at":"{at}","ok":{ok},"kind":"http","latency_ms":{lat},'
                         f'"status":200,"site":"{site}","tier":"enhanced","maintenance":{maint},"state":"{state}","severity":"none"}}')
            if outage == 3:
                since = stamp(sec - 90)
                lines.append(f'{{"v":1,"type":"incident","id":"{check}/{sec}","event":"opened","check":"{check}","site":"{site}","tier":"enhanced",'
                             f'"severity":"critical","at":"{at}","since":"{since}","reason":"3 consecutive failures","maintenance":null,"state":"down"}}')
                lines.append(f'{{"v":1,"type":"delivery","incident":"{check}/{sec}","event":"opened","sink":"slack-ops","outcome":"sent","attempt":1,"at":"{at}","key":"{check}/{sec}|opened|slack-ops"}}')
            if outage == 11:
                lines.append(f'{{"v":1,"type":"incident","id":"{check}/{sec - 240}","event":"resolved","check":"{check}","site":"{site}","tier":"enhanced",'
                             f'"severity":"critical","at":"{at}","since":"{stamp(sec - 330)}","reason":"recovered","maintenance":null,"state":"down","duration_ms":330000}}')
        f.write("\n".join(lines) + "\n")
