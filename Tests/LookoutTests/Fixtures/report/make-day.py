#!/usr/bin/env python3
"""Writes day.in.ndjson: the fixture day for report's golden tests (see day.config.yaml).

Every figure the golden outputs show can be worked out by hand from the timeline below (docs/report.md walks
through it). Times are UTC, which is London time on 2026-11-25.

acme-home    every 5m  maintenance morning 08:00-09:00
             08:20 failing, 08:25-08:30 down, 08:35 up   -> incident inside the window only (severity none)
             10:00-10:05 failing, 10:10-10:35 down, 10:40 recovering, 10:45 up -> outage 10:00-10:40 (40m down),
                                                         incident since 10:00 resolved 10:45 (45m)
             14:00 failing, 14:05 up                     -> one blip absorbed
acme-cert    every 1h, tls, days_left 12.5               -> certificate expiring within 30 days
acme-server  every 5m, host; 13:00 degraded (unconfirmed), 13:05-13:15 degraded, 13:20 recovering, 13:25 up
             failed ["disk < 90%"] on the 4 degraded results -> degraded 13:05-13:20, degraded incident 13:00-13:25
globex-shop  every 5m  maintenance patching wed 07:00-09:00
             08:50 failing (window), 08:55 down (window), 09:00-09:05 down, 09:10 up -> overruns the window:
                                                         10m down inside, 10m outside; incident since 08:50 (20m)
             12:00 failing, 12:05 up                     -> blip
             12:10-12:35 flapping, ok alternating false/true, 12:40 up -> 15m down, flapping 12:10-12:40
globex-backup every 1h, heartbeat; 03:00 missed (down), 04:00 up -> 1h down, heartbeat missed once
initech-home every 5m, prospect; 15:00-15:05 failing, 15:10-15:55 down, 16:00 recovering, 16:05 up
             -> 60m down; no results 20:00-20:55          -> 55m not observed (capped at 2 x 5m after 19:55)
Plus: a result before and after the day, a check the config does not know, two malformed lines, and route's
delivery lines (slack-ops and zendesk, one dead letter).
"""
import datetime, json, os

DAY = datetime.datetime(2026, 11, 25, tzinfo=datetime.timezone.utc)
lines = []  # (at_ms, order, text)

def ts(h, m, s=0, day=0):
    t = DAY + datetime.timedelta(days=day, hours=h, minutes=m, seconds=s)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ"), int(t.timestamp() * 1000)

SITES = {"acme-home": ("acme", "enhanced"), "acme-cert": ("acme", "enhanced"), "acme-server": ("acme", "enhanced"),
         "globex-shop": ("globex", "standard"), "globex-backup": ("globex", "standard"), "initech-home": ("initech", "prospect")}
OUTAGE = {"enhanced": "critical", "standard": "warning", "prospect": "none"}
DEGRADED = {"enhanced": "warning", "standard": "info", "prospect": "none"}

def window(check, h, m):
    site = SITES[check][0]
    if site == "acme" and h == 8: return "morning"
    if site == "globex" and 7 <= h < 9: return "patching"
    return None

def result(check, kind, h, m, ok, state, latency=None, day=0, degraded=False, extra=None):
    at, ms = ts(h, m, 0, day)
    site, tier = SITES[check]
    o = {"v": 1, "type": "result", "check": check, "at": at, "ok": ok}
    if degraded: o["degraded"] = True
    o["kind"] = kind
    if latency is not None: o["latency_ms"] = latency
    if not ok: o["error"] = "connection refused" if kind != "heartbeat" else "no ping within the grace time"
    if extra: o.update(extra)
    maint = None if day != 0 else window(check, h, m)
    sev = "none"
    if maint is None and state in ("down", "flapping") and not ok: sev = OUTAGE[tier]
    if maint is None and state == "degraded": sev = DEGRADED[tier]
    o.update({"site": site, "tier": tier, "maintenance": maint, "state": state, "severity": sev})
    lines.append((ms, 0, json.dumps(o, separators=(",", ":"))))

def incident(check, event, h, m, since, severity, reason, state="down", maintenance=None, duration=None):
    at, ms = ts(h, m)
    s_at, s_ms = ts(*since)
    site, tier = SITES[check]
    o = {"v": 1, "type": "incident", "id": f"{check}/{s_ms}", "event": event, "check": check, "site": site, "tier": tier,
         "severity": severity, "at": at, "since": s_at, "reason": reason, "maintenance": maintenance, "state": state}
    if duration is not None: o["duration_ms"] = duration
    lines.append((ms, 1, json.dumps(o, separators=(",", ":"))))

def delivery(check, since, event, sink, outcome, attempt, h, m, s, error=None):
    at, ms = ts(h, m, s)
    o = {"v": 1, "type": "delivery", "incident": f"{check}/{ts(*since)[1]}", "event": event, "sink": sink,
         "outcome": outcome, "attempt": attempt, "at": at}
    if error: o["error"] = error
    lines.append((ms, 2, json.dumps(o, separators=(",", ":"))))

def every5():
    for i in range(288):
        yield i // 12, (i % 12) * 5

# acme-home
result("acme-home", "http", 23, 55, True, "up", 120.0, day=-1)
for k, (h, m) in enumerate(every5()):
    lat = 100.0 + (k * 37) % 200
    t = h * 60 + m
    if t in (8 * 60 + 20, 10 * 60, 10 * 60 + 5, 14 * 60): result("acme-home", "http", h, m, False, "failing")
    elif 8 * 60 + 25 <= t <= 8 * 60 + 30 or 10 * 60 + 10 <= t <= 10 * 60 + 35: result("acme-home", "http", h, m, False, "down")
    elif t == 10 * 60 + 40: result("acme-home", "http", h, m, True, "recovering", lat)
    else: result("acme-home", "http", h, m, True, "up", lat)
result("acme-home", "http", 0, 0, True, "up", 110.0, day=1)
incident("acme-home", "opened", 8, 25, (8, 20), "none", "2 consecutive failures: connection refused", maintenance="morning")
incident("acme-home", "resolved", 8, 35, (8, 20), "none", "recovered", maintenance="morning", duration=15 * 60000)
incident("acme-home", "opened", 10, 10, (10, 0), "critical", "3 consecutive failures over 10m: connection refused")
incident("acme-home", "resolved", 10, 45, (10, 0), "critical", "recovered after 2 successes", duration=45 * 60000)
delivery("acme-home", (10, 0), "opened", "slack-ops", "sent", 1, 10, 10, 2)
delivery("acme-home", (10, 0), "opened", "zendesk", "sent", 1, 10, 10, 3)
delivery("acme-home", (10, 0), "resolved", "slack-ops", "sent", 1, 10, 45, 1)
delivery("acme-home", (10, 0), "resolved", "zendesk", "retrying", 1, 10, 45, 2, "HTTP 503")
delivery("acme-home", (10, 0), "resolved", "zendesk", "dead", 2, 10, 46, 0, "HTTP 404: ticket not found")

# acme-cert
for h in range(24):
    result("acme-cert", "tls", h, 0, True, "up", 40.0 + h, extra={"details": {"days_left": 12.5, "not_after": "2026-12-07T12:00:00Z"}})

# acme-server
for k, (h, m) in enumerate(every5()):
    t = h * 60 + m
    if 13 * 60 <= t <= 13 * 60 + 15:
        result("acme-server", "host", h, m, True, "up" if t == 13 * 60 else "degraded", 5.0, degraded=True,
               extra={"failed": ["disk < 90%"], "details": {"disk_pct": 93}})
    elif t == 13 * 60 + 20: result("acme-server", "host", h, m, True, "recovering", 5.0)
    else: result("acme-server", "host", h, m, True, "up", 5.0)
incident("acme-server", "opened", 13, 5, (13, 0), "warning", "degraded: disk < 90%", state="degraded")
incident("acme-server", "resolved", 13, 25, (13, 0), "warning", "recovered", state="degraded", duration=25 * 60000)
delivery("acme-server", (13, 0), "opened", "slack-ops", "sent", 1, 13, 5, 1)
delivery("acme-server", (13, 0), "resolved", "slack-ops", "sent", 1, 13, 25, 1)

# globex-shop
flap = {12 * 60 + 10: False, 12 * 60 + 15: True, 12 * 60 + 20: False, 12 * 60 + 25: True, 12 * 60 + 30: False, 12 * 60 + 35: True}
for k, (h, m) in enumerate(every5()):
    t = h * 60 + m
    lat = 300.0 + (k * 53) % 500
    if t in (8 * 60 + 50, 12 * 60): result("globex-shop", "http", h, m, False, "failing")
    elif 8 * 60 + 55 <= t <= 9 * 60 + 5: result("globex-shop", "http", h, m, False, "down")
    elif t in flap: result("globex-shop", "http", h, m, flap[t], "flapping", lat if flap[t] else None)
    else: result("globex-shop", "http", h, m, True, "up", lat)
incident("globex-shop", "opened", 8, 55, (8, 50), "none", "2 consecutive failures: connection refused", maintenance="patching")
incident("globex-shop", "updated", 9, 0, (8, 50), "warning", "still down after the patching window")
incident("globex-shop", "resolved", 9, 10, (8, 50), "warning", "recovered", duration=20 * 60000)
delivery("globex-shop", (8, 50), "updated", "slack-ops", "sent", 1, 9, 0, 1)
delivery("globex-shop", (8, 50), "resolved", "slack-ops", "sent", 1, 9, 10, 1)
incident("globex-shop", "opened", 12, 10, (12, 0), "warning", "flapping: 5 state changes in the last 21 results", state="flapping")
incident("globex-shop", "resolved", 12, 40, (12, 0), "warning", "stable again", state="flapping", duration=40 * 60000)
delivery("globex-shop", (12, 0), "opened", "slack-ops", "sent", 1, 12, 10, 1)
delivery("globex-shop", (12, 0), "resolved", "slack-ops", "sent", 1, 12, 40, 1)

# globex-backup
for h in range(24):
    if h == 3: result("globex-backup", "heartbeat", h, 0, False, "down")
    else: result("globex-backup", "heartbeat", h, 0, True, "up")
incident("globex-backup", "opened", 3, 0, (3, 0), "warning", "heartbeat missed: no ping within the grace time")
incident("globex-backup", "resolved", 4, 0, (3, 0), "warning", "ping received", duration=60 * 60000)
delivery("globex-backup", (3, 0), "opened", "slack-ops", "sent", 1, 3, 0, 1)
delivery("globex-backup", (3, 0), "resolved", "slack-ops", "sent", 1, 4, 0, 1)

# initech-home
for k, (h, m) in enumerate(every5()):
    t = h * 60 + m
    if 20 * 60 <= t < 21 * 60: continue
    if t in (15 * 60, 15 * 60 + 5): result("initech-home", "http", h, m, False, "failing")
    elif 15 * 60 + 10 <= t <= 15 * 60 + 55: result("initech-home", "http", h, m, False, "down")
    elif t == 16 * 60: result("initech-home", "http", h, m, True, "recovering", 800.0)
    else: result("initech-home", "http", h, m, True, "up", 800.0 + k % 7)
incident("initech-home", "opened", 15, 10, (15, 0), "none", "3 consecutive failures over 10m: connection refused")
incident("initech-home", "resolved", 16, 5, (15, 0), "none", "recovered after 2 successes", duration=65 * 60000)

lines.sort(key=lambda x: (x[0], x[1]))
out = [l[2] for l in lines]
unknown = json.dumps({"v": 1, "type": "result", "check": "old-site-home", "at": "2026-11-25T06:00:00Z", "ok": True,
                      "site": None, "tier": None, "maintenance": None, "state": "unknown", "severity": "none"}, separators=(",", ":"))
out.insert(100, unknown)
out.insert(200, '{"v":1,"type":"result","check":"acme-home","at":')
out.insert(300, '{"v":1,"type":"result","check":"acme-home","ok":true,"state":"up"}')
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "day.in.ndjson"), "w") as f:
    f.write("\n".join(out) + "\n")
