import Foundation
import LookoutCore

/// StatusBoard orders the team board: worst client first, and within a client its worst component first.
public enum StatusBoard {
    public static func ordered(_ clients: [StatusClient]) -> [StatusClient] {
        clients.enumerated().sorted { a, b in
            a.element.status != b.element.status ? a.element.status < b.element.status : a.offset < b.offset
        }.map { c in
            var x = c.element
            x.components = x.components.enumerated().sorted { a, b in
                a.element.status != b.element.status ? a.element.status < b.element.status : a.offset < b.offset
            }.map(\.element)
            return x
        }
    }
}

/// StatusHTML writes the pages: plain HTML with inline CSS, no JavaScript, a meta refresh, readable on a phone, and
/// every status told by a symbol and a word as well as a colour.
public enum StatusHTML {
    static func e(_ text: String) -> String { HTMLRenderer.escape(text) }

    static let css = """
        body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0 auto;max-width:60rem;padding:1rem;color:#1b1f24;background:#fff}
        h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.15rem;margin-top:1.6rem;border-bottom:1px solid #d0d7de}
        .meta{color:#57606a;font-size:.9rem}.banner{padding:.8rem 1rem;border-radius:.4rem;font-weight:600;margin:1rem 0}
        .s-up{background:#dafbe1}.s-down{background:#ffd8d3}.s-degraded,.s-flapping{background:#fff1c2}.s-maintenance{background:#ddf4ff}.s-nodata{background:#eaeef2}
        .comp{border:1px solid #d0d7de;border-radius:.4rem;padding:.6rem .8rem;margin:.6rem 0}
        .comp-head{display:flex;flex-wrap:wrap;justify-content:space-between;gap:.4rem}.badge{padding:.1rem .5rem;border-radius:1rem;font-size:.9rem;white-space:nowrap}
        .bar{display:flex;gap:1px;height:1.6rem;margin:.4rem 0}.bar span{flex:1;min-width:1px}
        .d-up{background:#2da44e}.d-down{background:#cf222e}.d-degraded,.d-flapping{background:#d4a72c}.d-maintenance{background:#54aeff}.d-nodata{background:#d0d7de}
        .incident{border-left:.3rem solid #cf222e;padding:.2rem .8rem;margin:.8rem 0}.incident.resolved{border-color:#2da44e}
        ol.timeline{padding-left:1.2rem;margin:.3rem 0}table{border-collapse:collapse;width:100%;font-size:.92rem}
        td,th{text-align:left;padding:.3rem .4rem;border-bottom:1px solid #eaeef2;vertical-align:top}
        .stale{background:#ffd8d3;padding:.6rem 1rem;font-weight:700;border-radius:.4rem}
        @media (max-width:40rem){body{padding:.5rem}td,th{padding:.25rem}.hide-narrow{display:none}}
        """

    static func page(title: String, refresh: Int, body: String, feed: Bool) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta http-equiv="refresh" content="\(refresh)">
        <title>\(e(title))</title>
        \(feed ? "<link rel=\"alternate\" type=\"application/atom+xml\" href=\"feed.atom\" title=\"Incident feed\">\n" : "")<style>\(css)</style>
        </head>
        <body>
        \(body)
        </body>
        </html>

        """
    }

    static func badge(_ s: ComponentStatus) -> String {
        "<span class=\"badge s-\(s.rawValue)\" data-status=\"\(s.rawValue)\">\(s.symbol) \(s.label)</span>"
    }

    /// Local time in the page's zone, with its offset: `2026-11-25 08:10 +00:00`.
    static func local(_ rfc3339: String?, _ zone: TimeZone) -> String {
        StatusLocalTime(zone: zone)(rfc3339)
    }

    static func dayBar(_ days: [StatusDay]) -> String {
        let cells = days.map { d -> String in
            let state: String
            if d.observedMs == 0 { state = "nodata" }
            else if d.downMs > 0 { state = "down" }
            else if d.degradedMs > 0 { state = "degraded" }
            else if d.maintenanceMs > 0 && d.maintenanceMs == d.observedMs { state = "maintenance" }
            else { state = "up" }
            let figure = d.observedMs == 0 ? "no data" : ReportText.percent(d.availability)
            return "<span class=\"d-\(state)\" title=\"\(d.day): \(figure)\" aria-label=\"\(d.day): \(figure)\"></span>"
        }
        return "<div class=\"bar\" role=\"img\" aria-label=\"availability per day\">\(cells.joined())</div>"
    }

    /// The days a bar shows in colour, said in words too (never status by colour alone): those with downtime or
    /// degraded time, the latest ten first.
    static func dayWords(_ days: [StatusDay]) -> String {
        let notable = days.filter { $0.observedMs > 0 && ($0.downMs > 0 || $0.degradedMs > 0) }
        guard !notable.isEmpty else { return "<p class=\"meta days\">✔ No downtime on any of these days.</p>" }
        let listed = notable.suffix(10).reversed().map { d in
            "\(d.day) \(ReportText.percent(d.availability))"
                + (d.downMs > 0 ? " (✖ down \(ReportText.duration(d.downMs)))" : " (▲ degraded \(ReportText.duration(d.degradedMs)))")
        }
        let more = notable.count > 10 ? "; and \(notable.count - 10) more" : ""
        return "<p class=\"meta days\">Days with trouble, latest first: \(e(listed.joined(separator: "; ") + more)).</p>"
    }

    /// A strip's trouble in words: how long down or degraded over its span.
    static func stripWords(_ spans: [StripSpan]) -> String {
        var by: [String: Int64] = [:]
        for s in spans { by[s.state, default: 0] += s.toOffsetMs - s.fromOffsetMs }
        let parts = [("down", "✖ down"), ("degraded", "▲ degraded"), ("maintenance", "⚒ maintenance")]
            .compactMap { key, label in by[key].flatMap { $0 > 0 ? "\(label) \(ReportText.duration($0))" : nil } }
        return "<br><span class=\"meta\">\(e(parts.isEmpty ? "✔ no trouble" : parts.joined(separator: ", ")))</span>"
    }

    static func strip(_ spans: [StripSpan]) -> String {
        guard let last = spans.last, last.toOffsetMs > 0 else { return "" }
        let total = Double(last.toOffsetMs)
        let cells = spans.map { s in
            let width = String(format: "%.3f", Double(s.toOffsetMs - s.fromOffsetMs) * 100 / total)
            return "<span class=\"d-\(s.state)\" style=\"flex:0 0 \(width)%\" title=\"\(s.state)\"></span>"
        }
        return "<div class=\"bar\" role=\"img\" aria-label=\"last 24 hours\">\(cells.joined())</div>"
    }

    static func timeline(_ i: StatusIncident, zone: TimeZone) -> String {
        let steps = i.updates.map { "<li><time datetime=\"\($0.at)\">\(e(local($0.at, zone)))</time>: \(e($0.body))</li>" }
        return "<ol class=\"timeline\">\(steps.joined())</ol>"
    }

    /// One client's page.
    public static func client(_ client: StatusClient, snapshot: StatusSnapshot) -> String {
        let zone = TimeZone(identifier: client.timeZone) ?? TimeZone(identifier: "UTC")!
        var b = "<header><h1>\(e(client.title))</h1>"
        b += "<p class=\"meta\">Updated at <time datetime=\"\(snapshot.updatedAt)\">\(e(local(snapshot.updatedAt, zone)))</time> (\(e(client.timeZone))). This page refreshes itself every minute.</p></header>\n"
        if snapshot.monitor.stale {
            b += "<p class=\"stale\">⚠ Monitoring data is not current: the last result was seen at \(e(local(snapshot.monitor.lastResultAt, zone))).</p>\n"
        }
        let overall = client.status == .up ? "All systems operational" : client.openIncidents.isEmpty ? client.status.label : "Some services are affected"
        b += "<p class=\"banner s-\(client.status.rawValue)\" id=\"overall\">\(client.status.symbol) \(e(overall))</p>\n"
        b += "<main>\n<h2>Services</h2>\n"
        for comp in client.components {
            b += "<section class=\"comp\" data-component=\"\(e(comp.id))\"><div class=\"comp-head\"><strong>\(e(comp.name))</strong>\(badge(comp.status))</div>"
            b += dayBar(comp.days) + dayWords(comp.days)
            b += "<p class=\"meta\">\(StatusBuilder.days) days: \(e(ReportText.percent(comp.availability))) available (planned maintenance not counted)</p></section>\n"
        }
        b += "<h2>Current incidents</h2>\n"
        if client.openIncidents.isEmpty { b += "<p>No current incidents.</p>\n" }
        for i in client.openIncidents {
            b += "<article class=\"incident\" id=\"\(i.publicID)\" data-incident=\"\(i.publicID)\"><p><strong>\(e(i.sentence))</strong></p>\(timeline(i, zone: zone))</article>\n"
        }
        b += "<h2>Planned maintenance</h2>\n"
        if client.maintenances.isEmpty { b += "<p>No planned maintenance.</p>\n" } else {
            b += "<ul>" + client.maintenances.map {
                "<li>⚒ \(e($0.siteName)): \(e($0.name)), \(e(local($0.start, zone))) to \(e(local($0.end, zone)))\($0.inProgress ? " (in progress)" : "")</li>"
            }.joined() + "</ul>\n"
        }
        b += "<h2>Past incidents (\(StatusBuilder.days) days)</h2>\n"
        if client.pastIncidents.isEmpty { b += "<p>No incidents in the last \(StatusBuilder.days) days.</p>\n" }
        for i in client.pastIncidents {
            b += "<article class=\"incident resolved\" id=\"\(i.publicID)\" data-incident=\"\(i.publicID)\"><p><strong>\(e(local(i.opened, zone)))</strong>: \(e(i.sentence))</p>\(timeline(i, zone: zone))</article>\n"
        }
        b += "</main>\n<footer><p class=\"meta\">"
        if let contact = client.contact { b += "Questions? Contact \(e(contact)). " }
        b += "\(e(ReportText.clientFootnote)) <a href=\"summary.json\">summary.json</a> · <a href=\"feed.atom\">Atom feed</a></p></footer>"
        return page(title: client.title, refresh: 60, body: b, feed: true)
    }

    /// Each client's error budget this month: what is left, the burn rates, and when it runs out at this rate.
    static func budgetTable(_ budgets: [ErrorBudget.Figure], zone: TimeZone) -> String {
        var b = "<h2>Error budgets, \(e(budgets[0].month))</h2>\n<table><thead><tr><th>Client</th><th>Target</th><th>Left</th><th>Used</th><th>Burn 1h / 6h</th><th>Runs out</th></tr></thead><tbody>\n"
        for f in budgets {
            let left = f.remainingMs < 0 ? "✖ over by \(ReportText.duration(-f.remainingMs))" : ReportText.duration(f.remainingMs)
            let used = "\(ReportText.duration(f.usedMs)) of \(ReportText.duration(f.allowedMs))"
            let burn = [f.burnRate1h, f.burnRate6h].map { $0.map { String(format: "%.2f", $0) } ?? "-" }.joined(separator: " / ")
            let out = f.remainingMs <= 0 ? "✖ spent" : f.exhaustsAt.map { (f.warning ? "⚠ " : "") + local($0, zone) } ?? "not this month"
            b += "<tr data-budget=\"\(e(f.client))\"\(f.warning ? " class=\"warning\"" : "")><td>\(e(f.client))</td><td>\(e(ReportText.percent(f.target)))</td><td>\(e(left))</td><td>\(e(used))</td><td>\(e(burn))</td><td>\(e(out))</td></tr>\n"
        }
        return b + "</tbody></table>\n"
    }

    /// An open incident's screenshot on the board: a thumbnail linking the full PNG, or where it is kept when the
    /// site has no copy (report runs on another host). Never on a client's page: a screenshot can show anything.
    static func screenshot(_ i: StatusIncident) -> String {
        guard let shot = i.screenshot else { return "" }
        guard let copy = shot.copy else {
            let why = shot.problem.map { " (\($0))" } ?? ""
            return "<br><span class=\"meta screenshot\">Screenshot kept on the monitor at \(e(shot.source))\(e(why))</span>"
        }
        let alt = "Screenshot of the page check \(i.check) saw when it failed; opens the full-size image"
        return "<br><a class=\"screenshot\" href=\"\(e(copy))\"><img src=\"\(e(copy))\" width=\"240\" alt=\"\(e(alt))\" loading=\"lazy\"></a>"
    }

    /// The team board: every client and site worst first, open incidents with age and deliveries, the monitor.
    public static func board(_ snapshot: StatusSnapshot) -> String {
        let zone = TimeZone(identifier: snapshot.timeZone) ?? TimeZone(identifier: "UTC")!
        let now = Timestamp(rfc3339: snapshot.updatedAt)?.milliseconds ?? 0
        let m = snapshot.monitor
        var b = "<header><h1>\(e(snapshot.title))</h1>"
        b += "<p class=\"meta\">Updated at <time datetime=\"\(snapshot.updatedAt)\">\(e(local(snapshot.updatedAt, zone)))</time> (event time: the newest line read).</p></header>\n"
        if let quiet = m.readerSilentMs {
            b += "<p class=\"stale\" id=\"stale-reader\">⚠ STALE: no new line read for \(e(ReportText.duration(quiet))) by this host's clock. probe, classify or the files between them may have stopped; the figures below are as of the last line read.</p>\n"
        } else if m.stale {
            b += "<p class=\"stale\" id=\"stale\">⚠ STALE: no result for \(e(ReportText.duration(m.silentMs))) (last result \(e(local(m.lastResultAt, zone)))). The monitor itself may be down.</p>\n"
        }
        let clients = StatusBoard.ordered(snapshot.clients)
        let open = clients.flatMap(\.openIncidents).sorted { $0.opened < $1.opened }
        b += "<main>\n<h2>Open incidents (\(open.count))</h2>\n"
        if open.isEmpty { b += "<p>No open incidents.</p>\n" } else {
            b += "<table><thead><tr><th>Client / site</th><th>Check</th><th>State</th><th>Open for</th><th>Alerted</th></tr></thead><tbody>\n"
            for i in open {
                let age = ReportText.duration(max(0, now - (Timestamp(rfc3339: i.opened)?.milliseconds ?? now)))
                let alerted = i.alerted ? "✔ yes: \(i.deliveredTo.joined(separator: ", "))" : "✖ no message sent"
                b += "<tr data-incident=\"\(e(i.id))\"><td>\(e(i.client)) / \(e(i.siteName))</td><td>\(e(i.check))<br><span class=\"meta\">\(e(i.reason))</span>\(screenshot(i))</td>"
                b += "<td>\(e(i.state)) (\(e(i.severity)))</td><td>\(e(age)) since \(e(local(i.opened, zone)))</td><td>\(e(alerted))</td></tr>\n"
            }
            b += "</tbody></table>\n"
        }
        b += "<h2>Sites, worst first</h2>\n<table><thead><tr><th>Client</th><th>Site</th><th>Status</th><th class=\"hide-narrow\">Last 24 hours</th><th>90 days</th></tr></thead><tbody>\n"
        let rows = clients.flatMap { c in c.components.map { (c, $0) } }.enumerated()
            .sorted { a, b in a.element.1.status != b.element.1.status ? a.element.1.status < b.element.1.status : a.offset < b.offset }
        for (_, (c, comp)) in rows {
            let link = c.published ? "<a href=\"\(e(c.folder))/\">\(e(c.name))</a>" : "\(e(c.name)) <span class=\"meta\">(no page)</span>"
            b += "<tr data-component=\"\(e(comp.id))\"><td>\(link)</td><td>\(e(comp.name))</td><td>\(badge(comp.status))</td>"
            b += "<td class=\"hide-narrow\">\(strip(comp.strip))\(comp.strip.isEmpty ? "" : stripWords(comp.strip))</td><td>\(e(ReportText.percent(comp.availability)))</td></tr>\n"
        }
        b += "</tbody></table>\n"
        if let budgets = snapshot.budgets, !budgets.isEmpty { b += budgetTable(budgets, zone: zone) }
        b += "<h2>Monitor health</h2>\n<ul>"
        b += "<li>Last result seen: \(e(local(m.lastResultAt, zone)))\(m.stale ? " ⚠ stale" : " ✔ current")</li>"
        b += "<li>Lines read: \(m.results) results, \(m.incidentLines) incident lines, \(m.deliveryLines) delivery lines; \(m.linesRejected) malformed</li></ul>\n"
        b += "</main>\n<footer><p class=\"meta\"><a href=\"summary.json\">summary.json</a></p></footer>"
        return page(title: snapshot.title, refresh: 30, body: b, feed: false)
    }
}

/// StatusAtom writes a client's `feed.atom` (RFC 4287): one entry per incident update, newest first.
public enum StatusAtom {
    static func x(_ text: String) -> String { HTMLRenderer.escape(text) }

    public static func client(_ client: StatusClient, snapshot: StatusSnapshot) -> String {
        var entries: [(at: String, xml: String)] = []
        for i in client.openIncidents + client.pastIncidents {
            for (n, u) in i.updates.enumerated() {
                let xml = """
                      <entry>
                        <id>urn:lookout:status:\(x(client.folder)):\(i.publicID):\(n)</id>
                        <title>\(x(u.event.capitalized)): \(x(i.siteName))</title>
                        <updated>\(u.at)</updated>
                        <link rel="alternate" href="./#\(i.publicID)"/>
                        <content type="text">\(x(u.body))</content>
                      </entry>

                    """
                entries.append((u.at, xml))
            }
        }
        entries.sort { $0.at > $1.at }
        return """
            <?xml version="1.0" encoding="utf-8"?>
            <feed xmlns="http://www.w3.org/2005/Atom">
              <id>urn:lookout:status:\(x(client.folder))</id>
              <title>\(x(client.title))</title>
              <updated>\(snapshot.updatedAt)</updated>
              <author><name>\(x(client.title))</name></author>
              <link rel="self" href="feed.atom"/>

            """ + entries.map(\.xml).joined() + "</feed>\n"
    }
}
