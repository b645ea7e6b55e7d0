#!/usr/bin/env python3
"""Writes dst.in.ndjson: acme-home every 15 minutes over Sunday 2026-10-25 in London, 25 hours (100 results).

UTC 23:00 (Oct 24) is local 00:00 BST; clocks go back at 01:00 UTC (02:00 BST -> 01:00 GMT).
- down from 00:30Z to 01:30Z (failing 00:30Z, down 00:45Z-01:15Z, up 01:30Z): local 01:30 BST to 01:30 GMT, 60 m
- the morning window 07:00-08:00 local is 07:00Z-08:00Z (GMT): failing at 07:15Z inside it, up at 07:30Z (a
  maintenance blip)
Availability: (25 h - 1 h window - 1 h down) / 24 h = 95.833%.
"""
import datetime, json, os

start = datetime.datetime(2026, 10, 24, 23, 0, tzinfo=datetime.timezone.utc)
out = []
for k in range(100):
    t = start + datetime.timedelta(minutes=15 * k)
    utc = t.strftime("%Y-%m-%dT%H:%M:%SZ")
    minutes = (t - datetime.datetime(2026, 10, 25, tzinfo=datetime.timezone.utc)).total_seconds() / 60
    maint = "morning" if 7 * 60 <= minutes < 8 * 60 else None
    ok, state = True, "up"
    if minutes == 30 or minutes == 7 * 60 + 15: ok, state = False, "failing"
    elif 45 <= minutes <= 75: ok, state = False, "down"
    o = {"v": 1, "type": "result", "check": "acme-home", "at": utc, "ok": ok, "kind": "http"}
    if ok: o["latency_ms"] = 100 + k
    o.update({"site": "acme", "tier": "enhanced", "maintenance": maint, "state": state,
              "severity": "critical" if state == "down" else "none"})
    out.append(json.dumps(o, separators=(",", ":")))
    if minutes == 45:
        out.append(json.dumps({"v": 1, "type": "incident", "id": "acme-home/1792888200000", "event": "opened", "check": "acme-home",
                               "site": "acme", "tier": "enhanced", "severity": "critical", "at": utc,
                               "since": "2026-10-25T00:30:00Z", "reason": "2 consecutive failures: connection refused",
                               "maintenance": None, "state": "down"}, separators=(",", ":")))
    if minutes == 90:
        out.append(json.dumps({"v": 1, "type": "incident", "id": "acme-home/1792888200000", "event": "resolved", "check": "acme-home",
                               "site": "acme", "tier": "enhanced", "severity": "critical", "at": utc,
                               "since": "2026-10-25T00:30:00Z", "reason": "recovered", "maintenance": None, "state": "down",
                               "duration_ms": 3600000}, separators=(",", ":")))
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "dst.in.ndjson"), "w") as f:
    f.write("\n".join(out) + "\n")
