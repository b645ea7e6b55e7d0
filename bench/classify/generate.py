#!/usr/bin/env python3
"""Writes the classify replay corpus: ROUNDS rounds (default 500) of CHECKS checks (default 1,000; 100 sites x 10)
every 30 s from two locations (lon1, fra1), so 1,000,000 result lines by default, in time order, with the config
that goes with them. The failures are the ones classify exists for, one pattern per check (by check number mod 10):

  0  an outage: both locations fail for 20 rounds (10 min), then recover
  1  blips: one round failing from both locations, every 50 rounds (never confirmed)
  2  flapping: fails every other round for 60 rounds
  3  a regional failure: only fra1 fails for 30 rounds (under the quorum: never down)
  4  degraded: slow (ok, degraded, max_ms failed) for 12 rounds
  5  an outage inside the site's daily maintenance window (08:00-09:00 Europe/London)
  6-9 healthy, apart from a random one-result blip now and then (seeded)

Results carry what probe writes for an http check (kind, location, latency_ms, status, bytes, details, error and
failed when failing), and the two locations' results of a round are a few hundred ms apart.

usage: generate.py OUT_DIR [CHECKS] [ROUNDS] [LOCATIONS]

LOCATIONS is 2 (lon1 and fra1, the default) or 1 (lon1 only: bench/chain's hour of 1,000 checks is 120,000 lines).
"""
import os, random, sys

out = sys.argv[1]
checks = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 500
locations = ("lon1", "fra1")[:int(sys.argv[4]) if len(sys.argv) > 4 else 2]
sites = max(1, (checks + 9) // 10)
os.makedirs(out, exist_ok=True)
tiers = ["enhanced", "standard", "unsupported", "prospect"]

with open(os.path.join(out, "classify.config.yaml"), "w") as f:
    f.write("""timezone: Europe/London
maintenance_policy: {daily_min_contract_hours: 50, earliest: "07:00", latest: "10:00"}
tiers:
  enhanced:    {contract_hours: 60, outage: critical, degraded: warning, ticket: true}
  standard:    {contract_hours: 10, outage: warning,  degraded: info,    ticket: true}
  unsupported: {outage: info, degraded: none}
  prospect:    {outage: none, degraded: none}
defaults: {every: 30s, timeout: 10s, confirm: {failures: 3, for: 90s}, recover: {successes: 2}}
sites:
""")
    for s in range(sites):
        tier = tiers[s % 4]
        window = '{name: morning, daily: "08:00-09:00"}' if tier == "enhanced" else '{name: weekly, weekly: "tue 08:00-09:00"}'
        f.write(f"  - id: site{s}\n    name: Site {s}\n    tier: {tier}\n    maintenance:\n      - {window}\n    checks:\n")
        for c in range(10):
            if s * 10 + c < checks:
                f.write(f"      - {{id: s{s}-c{c}, http: \"https://site{s}.example/\"}}\n")

base = 1795939200 + 6 * 3600  # 2026-11-24T06:00:00Z, a Tuesday: the 08:00-09:00 windows fall inside the replay
def stamp(ms):
    sec, milli = divmod(ms, 1000)
    d, r = divmod(sec - 1795939200, 86400)
    h, r = divmod(r, 3600)
    m, s = divmod(r, 60)
    return f"2026-11-{24 + d:02d}T{h:02d}:{m:02d}:{s:02d}.{milli:03d}Z"

rng = random.Random(9)
ids = [f"s{k // 10}-c{k % 10}" for k in range(checks)]
ok_tail = ',"status":200,"bytes":20480,"details":{"ttfb_ms":%d.%d,"total_ms":%d.%d}}\n'
down_tail = ',"status":503,"bytes":412,"error":"status 503, expected 2xx","failed":["status","contains"],"details":{"ttfb_ms":%d.%d,"total_ms":%d.%d}}\n'
slow_tail = ',"status":200,"bytes":20480,"degraded":true,"failed":["max_ms"],"details":{"ttfb_ms":%d.%d,"total_ms":%d.%d}}\n'
maint_round = (8 * 3600 + 10 * 60 - 6 * 3600) // 30  # 08:10 London
lines = 0
with open(os.path.join(out, "classify.ndjson"), "w", buffering=1 << 22) as f:
    for r in range(rounds):
        buf = []
        for li, loc in enumerate(locations):
            for k, check in enumerate(ids):
                at = (base + r * 30) * 1000 + (k * 29) % 25000 + li * 300 + rng.randrange(200)
                p = k % 10
                start = (k * 7) % max(1, rounds - 60)
                state = "ok"
                if p == 0 and start <= r < start + 20: state = "down"
                elif p == 1 and r % 50 == k % 50: state = "down"
                elif p == 2 and start <= r < start + 60 and r % 2 == 0: state = "down"
                elif p == 3 and loc == "fra1" and start <= r < start + 30: state = "down"
                elif p == 4 and start <= r < start + 12: state = "slow"
                elif p == 5 and maint_round <= r < maint_round + 20: state = "down"
                elif rng.random() < 0.002: state = "down"
                lat = rng.randrange(40, 400) if state != "slow" else rng.randrange(3100, 5000)
                head = '{"v":1,"type":"result","check":"%s","at":"%s","ok":%s,"kind":"http","location":"%s","latency_ms":%d.%d' % (
                    check, stamp(at), "false" if state == "down" else "true", loc, lat, k % 10)
                tail = down_tail if state == "down" else slow_tail if state == "slow" else ok_tail
                buf.append(head + tail % (lat - 5, k % 10, lat, k % 10))
        buf.sort(key=lambda l: l[l.index('"at"'):l.index('"at"') + 30])
        f.write("".join(buf))
        lines += len(buf)
print(f"{lines} result lines, {checks} checks, {rounds} rounds, {len(locations)} location(s) -> {out}/classify.ndjson", file=sys.stderr)
