#!/usr/bin/env python3
"""Writes the inputs of the route escalation fixtures (run from this folder).

ack-stops-escalation (route --dry-run): acme-home and globex-home both open at 08:02 (down since 07:59) and route
escalates critical incidents to `oncall` after 10m and to `manager` after 30m. acme-home is acknowledged at 08:05,
before its first step: nobody is paged for it. globex-home is not, so `oncall` hears of it at the first line at or
after 08:12 (a result at 08:12); it is acknowledged at 08:20, so `manager` never hears of either. Results run to
08:45; the only output is oncall's one notification.

escalation-restart (route --state, twice): acme-home opens at 08:02. The first run reads results to 08:15 and pages
`oncall` at 08:12. The second run, with the same state file, reads the whole log again from the start (as a restart
that had not committed its position would) and on to 08:40: the 10m step does not fire again, the 30m step pages
`manager` at 08:32, and nothing else is written.
"""
import json


def at(minute):
    return "2026-11-25T%02d:%02d:00Z" % (minute // 60, minute % 60)


def result(check, minute, ok=False):
    return {"v": 1, "type": "result", "check": check, "at": at(minute), "ok": ok, "site": check.split("-")[0],
            "tier": "enhanced", "maintenance": None, "state": "down" if not ok else "up",
            "severity": "critical" if not ok else "none"}


def opened(check, name):
    since = 1795593540000  # 07:59
    return {"v": 1, "type": "incident", "id": "%s/%d" % (check, since), "event": "opened", "check": check,
            "site": check.split("-")[0], "tier": "enhanced", "severity": "critical", "at": at(8 * 60 + 2),
            "since": at(7 * 60 + 59), "reason": "down: connection refused (4 failures over 3m)", "maintenance": None,
            "state": "down", "error": "connection refused", "site_name": name}


def ack(check, minute, by):
    return {"v": 1, "type": "ack", "incident": "%s/1795593540000" % check, "by": by, "at": at(minute), "text": "on it"}


def write(path, lines):
    with open(path, "w") as f:
        for line in lines:
            f.write(json.dumps(line, separators=(",", ":")) + "\n")


def ack_stops_escalation():
    lines = []
    for minute in range(7 * 60 + 59, 8 * 60 + 46):
        for check in ("acme-home", "globex-home"):
            lines.append(result(check, minute))
        if minute == 8 * 60 + 2:
            lines += [opened("acme-home", "ACME Ltd shop"), opened("globex-home", "Globex")]
        if minute == 8 * 60 + 5:
            lines.append(ack("acme-home", minute, "callum"))
        if minute == 8 * 60 + 20:
            lines.append(ack("globex-home", minute, "arron"))
    write("ack-stops-escalation.in.ndjson", lines)


def escalation_restart():
    def log(until):
        lines = []
        for minute in range(7 * 60 + 59, until + 1):
            lines.append(result("acme-home", minute))
            if minute == 8 * 60 + 2:
                lines.append(opened("acme-home", "ACME Ltd shop"))
        return lines
    write("escalation-restart.in.ndjson", log(8 * 60 + 15))
    write("escalation-restart.then.ndjson", log(8 * 60 + 40))


ack_stops_escalation()
escalation_restart()
