#!/usr/bin/env python3
"""Writes budget-burn.in.ndjson and budget-burn.config.yaml: the error-budget warning opens once and resolves once.

ACME Ltd (enhanced, sla 99.9, daily window 08:00-09:00, London = UTC in November), two checks every minute from
07:00 to 11:00 on Tuesday 2026-11-10:
- acme-home is down 08:10-08:30, inside the window: no budget is spent, no warning.
- acme-home is down 09:30-09:50 and acme-api 09:40-09:45 (the site is down once: 20 minutes, not 25).
  At 09:32 the failing run confirms (3 failures over 90 s) and its 2 minutes count from 09:30. The hour from
  08:32 holds 28 minutes of window, so its allowance is 0.1 % of 32 min = 1.92 s: 1 h burn 120 / 1.92 = 62.5; the
  six hours' allowance is 0.1 % of (6 h - the 1 h window) = 18 s: 6 h burn 6.7. Both are over 14.4 and 6: the
  warning opens (39m24s of November's 41m24s left: 0.1 % of 720 h less 30 one-hour windows). It stays open while
  the hour holds more than 51.84 s of the outage (3.6 s x 14.4) and resolves at 10:50, with 21m24s left.
Run from this folder; then record (LOOKOUT_RECORD=1 swift test --filter GoldenFixture) and read every line.
"""
import json
from datetime import datetime, timedelta, timezone

CONFIG = """timezone: Europe/London
maintenance_policy: {daily_min_contract_hours: 50, earliest: "07:00", latest: "10:00"}
tiers:
  enhanced: {contract_hours: 60, outage: critical, degraded: warning, ticket: true, sla: 99.9}
defaults:
  every: 1m
  timeout: 10s
  confirm: {failures: 3, for: 90s}
  recover: {successes: 2}
sites:
  - id: acme
    name: ACME Ltd
    client: ACME Ltd
    tier: enhanced
    url: https://acme.example/
    maintenance:
      - {name: morning, daily: "08:00-09:00"}
    checks:
      - id: acme-home
        tcp: acme.example:443
      - id: acme-api
        tcp: api.acme.example:443
"""


def ts(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def down(check, t):
    hm = t.hour * 60 + t.minute
    if check == "acme-home":
        return 8 * 60 + 10 <= hm < 8 * 60 + 30 or 9 * 60 + 30 <= hm < 9 * 60 + 50
    return 9 * 60 + 40 <= hm < 9 * 60 + 45


def main():
    start = datetime(2026, 11, 10, 7, 0, tzinfo=timezone.utc)
    lines = []
    for k in range(4 * 60):
        for check, offset in (("acme-home", 0), ("acme-api", 30)):
            t = start + timedelta(minutes=k, seconds=offset)
            line = {"v": 1, "type": "result", "check": check, "at": ts(t), "ok": not down(check, t), "kind": "tcp"}
            if line["ok"]:
                line["latency_ms"] = 12.5
            else:
                line["error"] = "connection refused"
            lines.append(json.dumps(line, separators=(",", ":")))
    with open("budget-burn.in.ndjson", "w") as f:
        f.write("\n".join(lines) + "\n")
    with open("budget-burn.config.yaml", "w") as f:
        f.write(CONFIG)


if __name__ == "__main__":
    main()
