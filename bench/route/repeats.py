#!/usr/bin/env python3
"""Repeats after a crash: route SIGKILLed N times while it delivers, against loopback receivers that answer in 300 ms.

Sinks (one route per run, all on 127.0.0.1, each receiver in this process):
  chat    slack (incoming webhook, group_wait 1s, pace 1s: grouped posts)
  bot     slack with a bot token (chat.postMessage with the key as message metadata; conversations.history and
          .replies answered from what was posted, so a repeat can be looked up before it is posted)
  teams   teams (Workflows webhook, one card per delivery)
  hook    webhook (concurrency 8)
  desk    zendesk (a fake that keeps tickets and answers the external_id search; it ignores Idempotency-Key, so a
          second ticket shows whether route asked before creating one)

INCIDENTS incidents over 20 sites (opened, then resolved 5 minutes later), in one input file. route runs with
--input FILE --state FILE; the first KILLS runs are SIGKILLed after a random 0.4-2.4 s (seeded: the same moments
for every binary), then route is left to finish. Counted per sink: requests, duplicated requests (a key seen
before), how many of those said "repeated after a restart", and the notifications they carried (a grouped Slack post
carries several incidents).

  bench/route/repeats.py [--route PATH] [--kills 10] [--incidents 100] [--delay 0.3] [--seed 14] [--label NAME]

Prints one Markdown table row per sink (plus a JSON line with everything to stderr). Not part of bench/run.
"""
import argparse, http.server, json, os, random, re, shutil, socketserver, subprocess, sys, tempfile, threading, time, urllib.parse

ap = argparse.ArgumentParser()
ap.add_argument("--route", default=".build/debug/route")
ap.add_argument("--kills", type=int, default=10)
ap.add_argument("--incidents", type=int, default=100)
ap.add_argument("--delay", type=float, default=0.3)
ap.add_argument("--seed", type=int, default=14)
ap.add_argument("--label", default=None)
args = ap.parse_args()

lock = threading.Lock()
seen = {}  # sink -> list of (key, marked, notifications)
tickets = {}  # incident -> [ticket ids]
posts = []  # the bot's posts: {"ts", "metadata"}
next_ticket = [100]


def record(sink, key, marked, notifications=1):
    with lock: seen.setdefault(sink, []).append((key, marked, notifications))


class Receiver(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self, status, body):
        time.sleep(args.delay)
        data = json.dumps(body).encode()
        self.wfile.write(b"HTTP/1.1 %d OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % (status, len(data)) + data)

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        if url.path in ("/bot/api/conversations.history", "/bot/api/conversations.replies"):
            with lock: messages = list(reversed(posts))
            return self.answer(200, {"ok": True, "messages": messages, "has_more": False})
        if url.path == "/desk/api/v2/tickets.json":
            incident = urllib.parse.parse_qs(url.query).get("external_id", [""])[0]
            with lock: ids = list(tickets.get(incident, []))
            return self.answer(200, {"tickets": [{"id": i} for i in ids], "count": len(ids)})
        self.answer(404, {})

    def do_POST(self): self.write()
    def do_PUT(self): self.write()

    def write(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        key = self.headers.get("Idempotency-Key", "")
        sink = self.path.split("/")[1]
        if sink == "chat":
            group = re.match(r"group:.*\+(\d+)$", key)
            record("chat", key, body.get("text", "").startswith("[repeated after a restart]"), int(group.group(1)) + 1 if group else 1)
        elif sink == "bot":
            record("bot", key, body.get("text", "").startswith("[repeated after a restart]"), int(group.group(1)) + 1 if (group := re.match(r"group:.*\+(\d+)$", key)) else 1)
            with lock:
                ts = "1795000000.%06d" % (len(posts) + 1)
                posts.append({"ts": ts, "metadata": body.get("metadata")})
            return self.answer(200, {"ok": True, "ts": ts})
        elif sink == "teams":
            head = body["attachments"][0]["content"]["body"][0]["text"]
            record("teams", key, head.endswith("(repeated after a restart)"))
        elif sink == "hook":
            record("hook", key, body.get("repeated") is True)
        elif sink == "desk":
            ticket = body.get("ticket", {})
            record("desk", key, "Repeated after a restart" in json.dumps(ticket.get("comment", {})))
            if self.command == "POST":
                with lock:
                    next_ticket[0] += 1
                    tickets.setdefault(ticket.get("external_id", "?"), []).append(next_ticket[0])
                    tid = next_ticket[0]
                return self.answer(201, {"ticket": {"id": tid}})
            return self.answer(200, {"ticket": {"id": int(self.path.split("/")[-1].split(".")[0])}})
        self.answer(200 if sink != "teams" else 202, {"ok": True})

    def log_message(self, *a): pass


socketserver.ThreadingTCPServer.daemon_threads = True
socketserver.ThreadingTCPServer.allow_reuse_address = True
server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Receiver)
threading.Thread(target=server.serve_forever, daemon=True).start()
base = f"http://127.0.0.1:{server.server_address[1]}"


def stamp(s): return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(s))


work = tempfile.mkdtemp(prefix="lookout-repeats-")
sites = "\n".join(f"""  - id: s{k}
    name: Shop {k}
    tier: enhanced
    contact_email: owner{k}@client{k}.example
    checks: [{{id: s{k}-home, tcp: "127.0.0.1:9"}}]""" for k in range(1, 21))
open(f"{work}/config.yaml", "w").write(f"""tiers:
  enhanced: {{outage: critical, ticket: true}}
sites:
{sites}
routing:
  group_wait: 1s
  retry: {{base: 100ms, max_attempts: 30}}
  sinks:
    chat: {{kind: slack, webhook_url: "${{CHAT_URL}}"}}
    bot: {{kind: slack, bot_token: "${{DESK_TOKEN}}", channel: C1, api_url: "{base}/bot/api"}}
    teams: {{kind: teams, webhook_url: "${{TEAMS_URL}}"}}
    hook: {{kind: webhook, url: "${{HOOK_URL}}"}}
    desk: {{kind: zendesk, url: "{base}/desk", email: ops@agency.example, token: "${{DESK_TOKEN}}"}}
  routes:
    - {{sinks: [chat, bot, teams, hook, desk]}}
""")
events = []
for n in range(args.incidents):
    k, since = n % 20 + 1, 1795593600 + n * 30
    for event, at in (("opened", since + 90), ("resolved", since + 390)):
        line = {"v": 1, "type": "incident", "id": f"s{k}-home/{since}000", "event": event, "check": f"s{k}-home", "site": f"s{k}",
                "tier": "enhanced", "severity": "critical", "at": stamp(at), "since": stamp(since), "reason": "down: status 503",
                "maintenance": None, "state": "down", "error": "HTTP 503"}
        if event == "resolved": line["duration_ms"] = (at - since) * 1000
        events.append((at, json.dumps(line, separators=(",", ":"))))
open(f"{work}/in.ndjson", "w").write("".join(l + "\n" for _, l in sorted(events)))
env = dict(os.environ, CHAT_URL=f"{base}/chat/services/T1/B1/x", TEAMS_URL=f"{base}/teams/flow?sig=x",
           HOOK_URL=f"{base}/hook/x", DESK_TOKEN="x")
cmd = [args.route, "--config", f"{work}/config.yaml", "--input", f"{work}/in.ndjson", "--state", f"{work}/outbox.sqlite"]

rng = random.Random(args.seed)
kills, runs, began = 0, 0, time.monotonic()
stderr = open(f"{work}/route.err", "w")
while True:
    runs += 1
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=stderr, env=env)
    if kills < args.kills:
        try:
            p.wait(timeout=0.4 + rng.random() * 2.0)
        except subprocess.TimeoutExpired:
            p.kill(); p.wait(); kills += 1
            continue
    else:
        p.wait(timeout=600)
    if p.returncode == 0: break
    if p.returncode < 0: continue
    sys.exit(f"route exited {p.returncode}; see {work}/route.err")
elapsed = time.monotonic() - began
server.shutdown()
stderr.close()
shutil.rmtree(work)  # kept when route failed (the exit above names it)

label = args.label or os.path.basename(os.path.dirname(os.path.abspath(args.route))) + "/" + os.path.basename(args.route)
result = {"label": label, "kills": kills, "runs": runs, "incidents": args.incidents, "seconds": round(elapsed, 1), "sinks": {}}
for sink in ("chat", "bot", "teams", "hook", "desk"):
    firsts, dup, dup_marked, first_marked, dup_notes = set(), 0, 0, 0, 0
    for key, marked, notes in seen.get(sink, []):
        if key in firsts:
            dup += 1; dup_notes += notes; dup_marked += marked
        else:
            firsts.add(key); first_marked += marked
    result["sinks"][sink] = {"requests": len(seen.get(sink, [])), "keys": len(firsts), "repeated": dup, "repeated_marked": dup_marked,
                             "repeated_notifications": dup_notes, "first_sends_marked": first_marked}
with lock: result["tickets_created"], result["incidents_with_two_tickets"] = sum(map(len, tickets.values())), sum(len(v) > 1 for v in tickets.values())
print(json.dumps(result), file=sys.stderr)
for sink, s in result["sinks"].items():
    extra = f"; {result['tickets_created']} tickets for {args.incidents} incidents" if sink == "desk" else ""
    print(f"| {label} | {sink} | {kills} | {s['requests']} | {s['repeated']} | {s['repeated_marked']} of {s['repeated']} | "
          f"{s['repeated_notifications']} | {s['first_sends_marked']}{extra} |")
