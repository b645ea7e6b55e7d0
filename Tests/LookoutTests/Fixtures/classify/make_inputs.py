#!/usr/bin/env python3
"""Writes the classify golden fixtures' inputs and configs (*.in.ndjson, *.config.yaml).

Run from this folder; then record the outputs (LOOKOUT_RECORD=1 swift test --filter GoldenFixture) and read every
recorded line by hand before committing it.
"""
import json
from datetime import datetime, timedelta, timezone

TIERS = """timezone: Europe/London
maintenance_policy: {daily_min_contract_hours: 50, earliest: "07:00", latest: "10:00"}
tiers:
  enhanced:    {contract_hours: 60, outage: critical, degraded: warning, ticket: true}
  standard:    {contract_hours: 10, outage: warning,  degraded: info,    ticket: true}
  unsupported: {outage: info, degraded: none}
  prospect:    {outage: none, degraded: none}
defaults:
  every: 30s
  timeout: 10s
  confirm: {failures: 3, for: 90s}
  recover: {successes: 2}
"""

ACME = """  - id: acme
    name: ACME Ltd
    tier: enhanced
    url: https://acme.example/
    maintenance:
      - {name: morning, daily: "08:00-09:00"}
    checks:
      - id: acme-home
        tcp: acme.example:443
"""


def ts(t):
    s = t.strftime("%Y-%m-%dT%H:%M:%S")
    if t.microsecond:
        s += ".%03d" % (t.microsecond // 1000)
    return s + "Z"


def result(check, t, ok, **extra):
    line = {"v": 1, "type": "result", "check": check, "at": ts(t), "ok": ok, "kind": "tcp"}
    if ok:
        line["latency_ms"] = 12.5
    else:
        line["error"] = extra.pop("error", "connection refused")
    line.update(extra)
    return line


def series(check, start, pattern, every=30, **extra):
    """pattern: a string of '.' (ok), 'x' (failed), 'd' (degraded), one result per interval."""
    out = []
    for k, c in enumerate(pattern):
        t = start + timedelta(seconds=every * k)
        if c == ".":
            out.append(result(check, t, True, **dict(extra)))
        elif c == "x":
            out.append(result(check, t, False, **dict(extra)))
        elif c == "d":
            out.append(result(check, t, True, degraded=True, error="health component database: degraded",
                              details={"components": {"database": "degraded", "cache": "ok"}}, **dict(extra)))
    return out


def write(case, config, lines):
    with open(case + ".config.yaml", "w") as f:
        f.write(config)
    with open(case + ".in.ndjson", "w") as f:
        for line in lines:
            f.write(line if isinstance(line, str) else json.dumps(line, separators=(",", ":")))
            f.write("\n")


def utc(*a):
    return datetime(*a, tzinfo=timezone.utc)


# A 30-second blip: two failures 30 s apart never confirm (3 failures over 90 s are needed).
write("blip", TIERS + "sites:\n" + ACME,
      series("acme-home", utc(2026, 11, 24, 10, 0), "....xx......"))

# A 10-minute outage: one opened, one resolved, duration 10m (first failure to first success).
write("outage", TIERS + "sites:\n" + ACME,
      series("acme-home", utc(2026, 11, 24, 10, 0), ".." + "x" * 20 + "...."))

# Flapping for 20 minutes: up and down every other result, then stable: one flapping incident, not one per bounce.
write("flapping", TIERS + "sites:\n" + ACME,
      series("acme-home", utc(2026, 11, 24, 10, 0), "...." + "x." * 20 + "." * 24))

# An outage inside the morning window (08:00-09:00 London, which is UTC in November): held at severity none.
write("maintenance-inside", TIERS + "sites:\n" + ACME,
      series("acme-home", utc(2026, 11, 24, 8, 5), "..." + "x" * 30 + "...."))

# An outage that starts in the window and overruns it: raised at the window's end with its real severity.
write("maintenance-overrun", TIERS + "sites:\n" + ACME,
      series("acme-home", utc(2026, 11, 24, 8, 35), ".." + "x" * 70 + "..."))

# Across the autumn daylight-saving change (Sunday 25 October 2026, London 02:00 BST -> 01:00 GMT): the daily
# 08:00-09:00 window is 07:00-08:00 UTC on Saturday and 08:00-09:00 UTC on Sunday. The same 07:10Z outage is
# maintenance on Saturday and a critical outage on Sunday; the weekly Sunday window of globex follows local time too.
DST = TIERS + """sites:
""" + ACME + """  - id: globex
    name: Globex
    tier: standard
    maintenance:
      - {name: patching, weekly: "sun 07:00-09:00"}
    checks:
      - id: globex-port
        tcp: globex.example:25
"""
write("dst-autumn", DST,
      series("acme-home", utc(2026, 10, 24, 7, 5), ".." + "x" * 10 + "...")
      + series("acme-home", utc(2026, 10, 25, 7, 5), ".." + "x" * 10 + "...")
      + series("globex-port", utc(2026, 10, 25, 6, 30), ".." + "x" * 10 + "...")
      + series("globex-port", utc(2026, 10, 25, 8, 30), ".." + "x" * 10 + "..."))

# Unsupported and prospect tiers: the same 10-minute outage is info for one and none for the other.
TIERS_CASE = TIERS + """sites:
  - id: hooli
    name: Hooli (no contract)
    tier: unsupported
    checks:
      - id: hooli-web
        tcp: hooli.example:443
  - id: initech
    name: Initech (prospect)
    tier: prospect
    checks:
      - id: initech-web
        tcp: initech.example:443
"""
lines = []
a = series("hooli-web", utc(2026, 11, 24, 11, 0), "." + "x" * 20 + "...")
b = series("initech-web", utc(2026, 11, 24, 11, 0, 10), "." + "x" * 20 + "...")
for x, y in zip(a, b):
    lines += [x, y]
write("tiers", TIERS_CASE, lines)

# A degraded health component: confirmed as a degraded incident (warning), then the site goes down (updated to
# critical: an outage supersedes the degradation), then recovers.
write("degraded", TIERS + "sites:\n" + ACME,
      series("acme-home", utc(2026, 11, 24, 12, 0), ".." + "d" * 8 + "x" * 6 + "...."))

# Two locations disagreeing: London fails, Frankfurt does not: failing, never down (a majority of 2 is 2). Then both
# fail, which confirms; then both recover.
lon = series("acme-home", utc(2026, 11, 24, 13, 0), "x" * 10 + "x" * 8 + "...", location="lon")
fra = series("acme-home", utc(2026, 11, 24, 13, 0, 5), "." * 10 + "x" * 8 + "...", location="fra")
lines = []
for x, y in zip(lon, fra):
    lines += [x, y]
write("locations", TIERS + "sites:\n" + ACME, lines)

# A check the config does not know passes through with state unknown; incident, delivery and unknown-type lines
# pass through unchanged; a result classified by an earlier run is re-classified, not given its members twice.
lines = [
    result("acme-home", utc(2026, 11, 24, 14, 0), True),
    result("ghost-check", utc(2026, 11, 24, 14, 0, 1), False),
    result("ghost-check", utc(2026, 11, 24, 14, 0, 31), False),
    '{"v":1,"type":"incident","id":"x/1","event":"opened","check":"x","site":"x","tier":"enhanced","severity":"critical","at":"2026-11-24T14:00:02Z","since":"2026-11-24T14:00:00Z","reason":"down: test","maintenance":null}',
    '{"v":1,"type":"delivery","incident":"x/1","event":"opened","sink":"slack","outcome":"sent","attempt":1,"at":"2026-11-24T14:00:03Z"}',
    '{"v":1,"type":"heartbeat-v2","note":"a newer type passes through"}',
    '{"v":1,"type":"result","check":"acme-home","at":"2026-11-24T14:00:30Z","ok":true,"site":"stale","tier":"old","maintenance":null,"state":"down","severity":"critical","custom":{"kept":true}}',
]
write("unknown-check", TIERS + "sites:\n" + ACME, lines)

# The spring change (Sunday 29 March 2026, London 01:00 GMT -> 02:00 BST): the daily 08:00-09:00 window is
# 08:00-09:00 UTC on Saturday and 07:00-08:00 UTC on Sunday, so the same 07:10Z outage alerts on Saturday and is
# maintenance on Sunday.
write("dst-spring", TIERS + "sites:\n" + ACME,
      series("acme-home", utc(2026, 3, 28, 7, 5), ".." + "x" * 10 + "...")
      + series("acme-home", utc(2026, 3, 29, 7, 5), ".." + "x" * 10 + "..."))

# A one-off window for unplanned work (a local date-time range) holds an outage inside it; a later outage outside it
# alerts, and with `reminder: 5m` an `updated` line repeats every 5 minutes while it stays open.
ONE_OFF = TIERS + """classify:
  reminder: 5m
sites:
  - id: acme
    name: ACME Ltd
    tier: enhanced
    url: https://acme.example/
    maintenance:
      - {name: migration, from: "2026-12-01T20:00", to: "2026-12-01T22:00"}
    checks:
      - id: acme-home
        tcp: acme.example:443
"""
write("oneoff-reminder", ONE_OFF,
      series("acme-home", utc(2026, 12, 1, 20, 30), ".." + "x" * 8 + "...")
      + series("acme-home", utc(2026, 12, 1, 22, 30), ".." + "x" * 30 + "..."))
