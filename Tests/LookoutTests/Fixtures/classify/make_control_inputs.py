#!/usr/bin/env python3
"""Writes the inputs of the control-line fixtures (silence, on-demand maintenance, ack, note); the .out files are
recorded by ClassifyFixtureTests with LOOKOUT_RECORD=1 and reviewed by hand."""
import datetime, json

CONFIG = """timezone: Europe/London
tiers:
  enhanced:    {contract_hours: 60, outage: critical, degraded: warning}
defaults:
  every: 30s
  timeout: 10s
  confirm: {failures: 3, for: 90s}
  recover: {successes: 2}
classify:
  reminder: 5m
sites:
  - id: acme
    name: ACME Ltd
    tier: enhanced
    client: ACME Group
    url: https://acme.example/
    checks:
      - id: acme-home
        tcp: acme.example:443
"""
T0 = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=datetime.timezone.utc)

def at(seconds):
    return (T0 + datetime.timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")

def ms(seconds):
    return int((T0 + datetime.timedelta(seconds=seconds)).timestamp() * 1000)

def results(pattern, start):
    """One result every 30 s from `start` seconds: '.' ok, 'x' connection refused."""
    out = []
    for k, c in enumerate(pattern):
        line = {"v": 1, "type": "result", "check": "acme-home", "at": at(start + 30 * k), "ok": c == ".", "kind": "tcp"}
        if c == "x":
            line["error"] = "connection refused"
        out.append((start + 30 * k, json.dumps(line, separators=(",", ":"))))
    return out

def control(seconds, **members):
    line = {"v": 1, **members, "at": at(seconds)}
    return (seconds, json.dumps(line, separators=(",", ":")))

def write(name, lines):
    lines.sort(key=lambda p: p[0])
    with open(f"{name}.config.yaml", "w") as f:
        f.write(CONFIG)
    with open(f"{name}.in.ndjson", "w") as f:
        f.write("".join(l + "\n" for _, l in lines))

# A 10-minute silence from 09:59:50; down from 10:01:00 to past its end: opened none, raised at 10:10:00 with the
# true since, then reminders, then resolved.
write("silence-still-down",
      results("..", 0) + results("x" * 26 + "..", 60)
      + [control(-10, type="silence", id="s1", site="acme", duration="10m", reason="host migration", by="arron")])

# The same silence; the site recovers inside it: opened and resolved at severity none, nothing ever alerts.
write("silence-recovered",
      results("..", 0) + results("x" * 8 + "....", 60)
      + [control(-10, type="silence", id="s1", client="ACME Group", duration="10m", reason="host migration", by="arron")])

# A 30-minute window started now, cancelled at 10:06:10 while still down: the incident alerts at the next result.
write("maintenance-now",
      results("..", 0) + results("x" * 14 + "..", 60)
      + [control(5, type="maintenance", id="m1", site="acme", duration="30m", reason="deploy", by="x"),
         control(370, type="cancel", id="m1", by="x")])

# Down 20 minutes with 5-minute reminders; acknowledged at 10:04:10: no reminders after that, and the resolved line
# says who acknowledged.
write("ack-stops-reminders",
      results("x" * 40 + "..", 0)
      + [control(250, type="ack", incident=f"acme-home/{ms(0)}", by="callum", text="on it")])

# Notes on an open incident pass through unchanged, in stream order.
write("note-passes-through",
      results("x" * 8 + "..", 0)
      + [control(130, type="note", incident=f"acme-home/{ms(0)}", visibility="public",
                 text="Database restored, monitoring", by="callum"),
         control(140, type="note", incident=f"acme-home/{ms(0)}", visibility="internal", text="disk full on db1", by="callum")])
