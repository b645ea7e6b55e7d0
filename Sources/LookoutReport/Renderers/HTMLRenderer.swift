import Foundation
import LookoutCore

/// HTMLRenderer writes a report as one self-contained XHTML-compatible page: inline CSS, inline SVG charts (an
/// availability strip per site, a latency sparkline per check, the incident timeline), no scripts and no external
/// assets, so it reads the same in a browser and in a mail client, and parses as XML.
public struct HTMLRenderer {
    public init() {}

    static let colors: [String: String] = [
        "up": "#2e9e44", "degraded": "#e0a800", "down": "#d32f2f", "maintenance": "#5b7bd5", "nodata": "#d9d9d9",
    ]
    static let severityColors: [String: String] = [
        "critical": "#b71c1c", "warning": "#ef6c00", "info": "#1e88e5", "none": "#9e9e9e",
    ]

    /// Escapes text for element content and attribute values.
    public static func escape(_ text: String) -> String { text.htmlEscaped }

    static func n(_ v: Double) -> String { String(format: "%.2f", v) }

    public func render(_ report: DailyReport) -> String {
        let text = ReportText(report)
        let client = report.audience == .client
        let e = HTMLRenderer.escape
        let title = client ? "Service report for \(report.client ?? "you"): \(report.range.label)" : "\(report.title): \(report.range.label)"
        var h: [String] = []
        h.append("<!DOCTYPE html>")
        h.append("<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">")
        h.append("<head><meta charset=\"utf-8\"/><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>")
        h.append("<title>\(e(title))</title>")
        h.append("<style>")
        h.append("body{font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;color:#222;max-width:960px;margin:16px auto;padding:0 12px;font-size:14px}")
        h.append("h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:24px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}h3{font-size:15px;margin:16px 0 6px}")
        h.append("table{border-collapse:collapse;width:100%;margin:4px 0 8px}th,td{border:1px solid #e0e0e0;padding:4px 6px;text-align:left;vertical-align:middle}")
        h.append("th{background:#f5f5f5}td.num,th.num{text-align:right}.muted{color:#666}.bad{color:#b71c1c;font-weight:bold}.good{color:#2e7d32}")
        h.append(".headline{font-size:16px;margin:12px 0}.legend span{display:inline-block;margin-right:12px}.sw{display:inline-block;width:10px;height:10px;margin-right:4px}")
        h.append("</style></head>")
        h.append("<body>")
        h.append("<h1>\(e(title))</h1>")
        h.append("<p class=\"muted\">\(e(text.dateTime(report.range.from))) to \(e(text.dateTime(report.range.to))) (\(e(report.range.timezone)))\(text.dataThrough(report).map { "; " + e($0) } ?? "")</p>")
        let o = report.overall
        if client {
            h.append("<p class=\"headline\">Your sites were available <strong>\(ReportText.percent(o.availability))</strong> of the time outside planned maintenance, with \(e(ReportText.clientIncidentSentence(report))).</p>")
        } else {
            h.append("<p class=\"headline\"><strong>Availability \(ReportText.percent(o.availability))</strong> across \(ReportText.count(o.sites, "site")) and \(ReportText.count(o.checks, "check")). \(ReportText.count(o.incidents, "incident")) (\(ReportText.count(o.outages, "outage"))), MTTR \(ReportText.duration(o.mttrMs)), downtime \(ReportText.duration(o.downMs)), maintenance \(ReportText.duration(o.maintenanceMs)).</p>")
        }
        if let caveat = text.partialCaveat(report) { h.append("<p class=\"headline\"><strong>\(e(caveat))</strong></p>") }
        if let tiers = report.tiers, !tiers.isEmpty {
            h.append("<h2>SLA by tier</h2>")
            h.append("<table><tr><th>Tier</th><th class=\"num\">Target</th><th class=\"num\">Measured</th><th class=\"num\">Sites</th><th>Status</th></tr>")
            for t in tiers {
                let status = t.target == nil ? "<span class=\"muted\">no target</span>" : t.breached
                    ? "<span class=\"bad\">\(e(text.breachLabel(report)))</span> " + e(t.breaches.map { "\($0.site) \(ReportText.percent($0.availability))" }.joined(separator: ", "))
                    : "<span class=\"good\">met</span>"
                h.append("<tr><td>\(e(t.tier))</td><td class=\"num\">\(t.target.map { ReportText.percent($0) } ?? "-")</td><td class=\"num\">\(ReportText.percent(t.measured))</td><td class=\"num\">\(t.sites)</td><td>\(status)</td></tr>")
            }
            h.append("</table>")
        }
        if let budgets = report.budgets, !budgets.isEmpty { h.append(budgetTable(budgets, text)) }
        h.append("<h2>Availability over time</h2>")
        h.append(strip(report, text))
        h.append("<p class=\"legend muted\">" + [("up", "up"), ("degraded", client ? "slow" : "degraded"), ("down", "down"), ("maintenance", "maintenance"), ("nodata", "no data")]
            .map { "<span><span class=\"sw\" style=\"background:\(HTMLRenderer.colors[$0.0]!)\"></span>\($0.1)</span>" }.joined() + "</p>")

        h.append("<h2>\(client ? "Your sites" : "Sites and checks")</h2>")
        for s in report.sites {
            let target = s.target.map { " (target \(ReportText.percent($0))" + (s.meetsTarget == false ? ", <span class=\"bad\">missed</span>)" : ")") } ?? ""
            h.append("<h3>\(e(s.name)): \(ReportText.percent(s.time.availability))\(target)</h3>")
            let events = client ? "Service interruptions \(report.incidents.filter { $0.site == s.id && !$0.maintenanceOnly }.count), restored on average in"
                : "Incidents \(s.incidents), MTTR"
            h.append("<p class=\"muted\">Down \(ReportText.duration(s.time.downMs)), \(client ? "slow" : "degraded") \(ReportText.duration(s.time.degradedMs)), planned maintenance \(ReportText.duration(s.time.maintenanceMs)), not observed \(ReportText.duration(s.time.unobservedMs)). \(events) \(ReportText.duration(s.mttrMs)).</p>")
            if client {
                h.append("<table><tr><th>Check</th><th class=\"num\">Availability</th><th class=\"num\">Down</th><th class=\"num\">Median response</th><th>Response time</th></tr>")
                for c in s.checks {
                    h.append("<tr><td>\(e(c.name ?? c.id))</td><td class=\"num\">\(ReportText.percent(c.time.availability))</td><td class=\"num\">\(ReportText.duration(c.time.downMs))</td><td class=\"num\">\(ReportText.latency(c.latency?.p50))</td><td>\(sparkline(c))</td></tr>")
                }
            } else {
                h.append("<table><tr><th>Check</th><th>Kind</th><th class=\"num\">Availability</th><th class=\"num\">Down</th><th class=\"num\">Maint.</th><th class=\"num\">Incidents</th><th class=\"num\">MTTR</th><th class=\"num\">Blips</th><th class=\"num\">p50 / p95 / p99</th><th>Latency</th><th class=\"num\">Flapping</th></tr>")
                for c in s.checks {
                    let lat = c.latency.map { "\(ReportText.latency($0.p50)) / \(ReportText.latency($0.p95)) / \(ReportText.latency($0.p99))" } ?? "-"
                    h.append("<tr><td>\(e(c.id))</td><td>\(e(c.kind ?? "-"))</td><td class=\"num\">\(ReportText.percent(c.time.availability))</td><td class=\"num\">\(ReportText.duration(c.time.downMs))</td><td class=\"num\">\(ReportText.duration(c.time.maintenanceMs))</td><td class=\"num\">\(c.incidents)</td><td class=\"num\">\(ReportText.duration(c.mttrMs))</td><td class=\"num\">\(c.blips)</td><td class=\"num\">\(lat)</td><td>\(sparkline(c))</td><td class=\"num\">\(c.flappingMs > 0 ? ReportText.duration(c.flappingMs) : "-")</td></tr>")
                }
            }
            h.append("</table>")
        }

        let shown = client ? report.incidents.filter { !$0.maintenanceOnly } : report.incidents
        h.append("<h2>\(client ? "Service interruptions" : "Incidents")</h2>")
        if shown.isEmpty { h.append("<p>None.</p>") } else {
            h.append(timeline(report, shown, text))
            if client {
                h.append("<table><tr><th>Start</th><th>End</th><th class=\"num\">Duration</th><th>Site</th><th>What happened</th></tr>")
                for i in shown {
                    h.append("<tr><td>\(e(text.time(i.start)))</td><td>\(i.ongoing ? "ongoing" : e(text.time(i.end)))</td><td class=\"num\">\(ReportText.duration(i.durationMs))</td><td>\(e(i.siteName))</td><td>\(e(i.cause))</td></tr>")
                }
            } else {
                h.append("<table><tr><th>Start</th><th>End</th><th class=\"num\">Duration</th><th>Site</th><th>Check</th><th>Kind</th><th>Severity</th><th>Cause</th></tr>")
                for i in shown {
                    let kind = i.maintenanceOnly ? "\(i.kind) (maintenance \(i.maintenance ?? ""))" : i.maintenance.map { "\(i.kind) (began in \($0))" } ?? i.kind
                    h.append("<tr><td>\(e(text.time(i.start)))</td><td>\(i.ongoing ? "ongoing" : e(text.time(i.end)))</td><td class=\"num\">\(ReportText.duration(i.durationMs))</td><td>\(e(i.site))</td><td>\(e(i.check))</td><td>\(e(kind))</td><td>\(e(i.severity ?? "-"))</td><td>\(e(i.cause))</td></tr>")
                }
            }
            h.append("</table>")
        }
        if let gaps = report.monitorGaps {
            h.append("<h2>Monitoring gaps</h2><p class=\"muted\">No result arrived from any check: probe or classify was not running, so these spans are unobserved.</p>")
            h.append("<table><tr><th>From</th><th>To</th><th class=\"num\">Duration</th></tr>")
            for g in gaps {
                h.append("<tr><td>\(e(text.time(g.from)))</td><td>\(e(text.time(g.to)))</td><td class=\"num\">\(ReportText.duration(g.durationMs))</td></tr>")
            }
            h.append("</table>")
        }
        if let late = report.lateNotifications {
            h.append("<h2>Late notifications</h2><p class=\"muted\">Openings that reached a sink late or not at all: route or the sink was down, so people heard late.</p>")
            h.append("<table><tr><th>Due</th><th>Sent</th><th class=\"num\">Delay</th><th>Site</th><th>Check</th><th>Sink</th><th>Outcome</th></tr>")
            for n in late {
                h.append("<tr><td>\(e(text.time(n.due)))</td><td>\(e(n.sent.map(text.time) ?? "never"))</td><td class=\"num\">\(n.delayMs.map(ReportText.duration) ?? "-")</td>"
                         + "<td>\(e(n.site))</td><td>\(e(n.check))</td><td>\(e(n.sink))</td><td>\(e(n.outcomeText))</td></tr>")
            }
            h.append("</table>")
        }
        let flaps = report.sites.flatMap { s in s.checks.flatMap { c in c.flapping.map { (s, c, $0) } } }
        if !flaps.isEmpty && !client {
            h.append("<h2>Flapping periods</h2><table><tr><th>Site</th><th>Check</th><th>From</th><th>To</th><th class=\"num\">Duration</th></tr>")
            for (s, c, p) in flaps {
                h.append("<tr><td>\(e(s.id))</td><td>\(e(c.id))</td><td>\(e(text.time(p.from)))</td><td>\(e(text.time(p.to)))</td><td class=\"num\">\(ReportText.duration(p.durationMs))</td></tr>")
            }
            h.append("</table>")
        }
        if !report.certificates.isEmpty {
            h.append("<h2>\(client ? "Security certificates to renew" : "Certificates expiring soon")</h2><table><tr><th>Site</th><th>Check</th><th class=\"num\">Days left</th><th>Expires</th></tr>")
            for c in report.certificates {
                h.append("<tr><td>\(e(c.site))</td><td>\(e(c.check))</td><td class=\"num\">\(Int(c.daysLeft.rounded(.down)))</td><td>\(e(c.notAfter ?? "-"))</td></tr>")
            }
            h.append("</table>")
        }
        if !report.heartbeats.isEmpty {
            h.append("<h2>\(client ? "Scheduled jobs that did not report" : "Heartbeats missed")</h2><table><tr><th>Site</th><th>Check</th><th class=\"num\">Missed</th><th>When</th></tr>")
            for b in report.heartbeats {
                h.append("<tr><td>\(e(b.site))</td><td>\(e(b.check))</td><td class=\"num\">\(b.missed)</td><td>\(e(b.times.map { text.time($0) }.joined(separator: ", ")))</td></tr>")
            }
            h.append("</table>")
        }
        if let hosts = report.hosts, !hosts.isEmpty {
            h.append("<h2>Hosts over thresholds</h2><table><tr><th>Site</th><th>Check</th><th class=\"num\">Results</th><th class=\"num\">Over threshold</th><th>Assertions failed</th></tr>")
            for x in hosts {
                h.append("<tr><td>\(e(x.site))</td><td>\(e(x.check))</td><td class=\"num\">\(x.results)</td><td class=\"num\">\(x.overThreshold)</td><td>\(e(x.assertions.map { "\($0.assertion) x\($0.count)" }.joined(separator: ", ")))</td></tr>")
            }
            h.append("</table>")
        }
        if let noise = report.noise {
            h.append("<h2>Noise budget</h2><ul>")
            h.append("<li>Messages sent: \(noise.messagesSent), of which critical: \(noise.criticalSent)</li>")
            h.append("<li>Blips absorbed (failures that never confirmed, no message): \(noise.blipsAbsorbed)</li>")
            h.append("<li>Failures inside maintenance windows kept out of the channels: \(ReportText.count(noise.failuresInMaintenance, "result")), \(ReportText.count(noise.maintenanceBlips, "blip")), \(ReportText.count(noise.incidentsHeldInMaintenance, "incident")) held</li>")
            h.append("<li>Incidents recorded without an alert (tier policy): \(noise.incidentsWithoutAlert)</li></ul>")
            if !noise.sinks.isEmpty {
                h.append("<table><tr><th>Sink</th><th class=\"num\">Sent</th><th class=\"num\">Critical</th><th class=\"num\">Retries</th><th class=\"num\">Dead</th></tr>")
                for s in noise.sinks {
                    h.append("<tr><td>\(e(s.sink))</td><td class=\"num\">\(s.sent)</td><td class=\"num\">\(s.critical)</td><td class=\"num\">\(s.retries)</td><td class=\"num\">\(s.dead)</td></tr>")
                }
                h.append("</table>")
            }
            h.append("<h3>Dead letters: need a look</h3>")
            if noise.deadLetters.isEmpty { h.append("<p>None.</p>") } else {
                h.append("<table><tr><th>At</th><th>Sink</th><th>Incident</th><th>Event</th><th class=\"num\">Attempt</th><th>Error</th></tr>")
                for d in noise.deadLetters {
                    h.append("<tr><td>\(e(text.time(d.at)))</td><td>\(e(d.sink))</td><td>\(e(d.incident))</td><td>\(e(d.event))</td><td class=\"num\">\(d.attempt)</td><td>\(e(d.error ?? "-"))</td></tr>")
                }
                h.append("</table>")
            }
        }
        h.append("<h2>\(client ? "Planned maintenance" : "Maintenance adherence")</h2>")
        let unagreed = report.adherence.contains { $0.unagreedMaintenanceMs != nil }
        h.append("<table><tr><th>Client</th><th class=\"num\">Down inside windows</th><th class=\"num\">Down outside windows</th><th class=\"num\">Inside share</th><th class=\"num\">Window time</th>"
                 + (unagreed ? "<th class=\"num\">Unagreed window time</th>" : "") + "<th class=\"num\">Overran a window</th></tr>")
        for a in report.adherence {
            h.append("<tr><td>\(e(a.client))</td><td class=\"num\">\(ReportText.duration(a.downInsideWindowsMs))</td><td class=\"num\">\(ReportText.duration(a.downOutsideWindowsMs))</td><td class=\"num\">\(a.insideShare.map { ReportText.percent($0) } ?? "-")</td><td class=\"num\">\(ReportText.duration(a.maintenanceMs))</td>"
                     + (unagreed ? "<td class=\"num\">\(e(ReportText.unagreed(a)))</td>" : "") + "<td class=\"num\">\(a.overruns)</td></tr>")
        }
        h.append("</table>")
        let sentence = ReportText.unagreedSentence(report.adherence)
        if !sentence.isEmpty { h.append("<p>\(e(sentence.trimmingCharacters(in: .whitespaces)))</p>") }
        let f = report.footer
        if client {
            h.append("<p class=\"muted\">\(ReportText.clientFootnote)</p>")
        } else {
            h.append("<p class=\"muted\">\(f.linesRead) lines read: \(f.results) results, \(f.incidentLines) incident lines, \(f.deliveryLines) delivery lines. \(f.linesRejected) malformed lines skipped.\(f.unclassifiedResults > 0 ? " \(f.unclassifiedResults) results were not classified." : "") Generated by \(e(f.generator)) from event times only.</p>")
        }
        h.append("</body>")
        h.append("</html>")
        return h.joined(separator: "\n") + "\n"
    }

    /// Error budgets per client: allowed, used, left, burn rates, and when it runs out at this rate.
    func budgetTable(_ budgets: [ErrorBudget.Figure], _ text: ReportText) -> String {
        let e = HTMLRenderer.escape
        var h = "<h2>Error budgets, \(e(budgets[0].month))</h2>"
        h += "<p class=\"muted\">Downtime each client may still have this month before its SLA is breached (agreed maintenance excluded), as of \(e(text.dateTime(budgets[0].asOf))). Burn rate 1 spends the budget exactly by the month's end.</p>"
        h += "<table><tr><th>Client</th><th class=\"num\">Target</th><th class=\"num\">Allowed</th><th class=\"num\">Used</th><th class=\"num\">Left</th><th class=\"num\">Burn 1h</th><th class=\"num\">Burn 6h</th><th>Runs out</th></tr>"
        for b in budgets {
            let left = b.remainingMs < 0 ? "<span class=\"bad\">over by \(ReportText.duration(-b.remainingMs))</span>" : ReportText.duration(b.remainingMs)
            let burn = { (r: Double?) in r.map { String(format: "%.2f", $0) } ?? "-" }
            let out = b.remainingMs <= 0 ? "<span class=\"bad\">spent</span>" : b.exhaustsAt.map { (b.warning ? "<span class=\"bad\">" : "<span>") + e(text.dateTime($0)) + "</span>" } ?? "<span class=\"good\">not this month</span>"
            h += "<tr><td>\(e(b.client))</td><td class=\"num\">\(ReportText.percent(b.target))</td><td class=\"num\">\(ReportText.duration(b.allowedMs))</td><td class=\"num\">\(ReportText.duration(b.usedMs))</td><td class=\"num\">\(left)</td><td class=\"num\">\(burn(b.burnRate1h))</td><td class=\"num\">\(burn(b.burnRate6h))</td><td>\(out)</td></tr>"
        }
        return h + "</table>"
    }

    /// One row per site: spans coloured by state over the range, with time ticks.
    func strip(_ r: DailyReport, _ text: ReportText) -> String {
        let labelW = 170.0, barW = 600.0, rowH = 16.0, gap = 6.0, top = 4.0, axis = 18.0
        let width = labelW + barW + 10
        let height = top + Double(r.sites.count) * (rowH + gap) + axis
        let length = max(1, r.range.hours * 3_600_000)
        var s = ["<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"Availability strip per site\">"]
        for (k, site) in r.sites.enumerated() {
            let y = top + Double(k) * (rowH + gap)
            s.append("<text x=\"0\" y=\"\(HTMLRenderer.n(y + rowH - 4))\" font-size=\"12\" fill=\"#222\">\(HTMLRenderer.escape(String(site.name.prefix(24))))</text>")
            for span in site.strip {
                let x = labelW + Double(span.fromOffsetMs) / length * barW
                let w = max(0.5, Double(span.toOffsetMs - span.fromOffsetMs) / length * barW)
                s.append("<rect x=\"\(HTMLRenderer.n(x))\" y=\"\(HTMLRenderer.n(y))\" width=\"\(HTMLRenderer.n(w))\" height=\"\(Int(rowH))\" fill=\"\(HTMLRenderer.colors[span.state] ?? "#999")\"><title>\(HTMLRenderer.escape("\(span.state) \(text.time(span.from))–\(text.time(span.to))"))</title></rect>")
            }
        }
        let axisY = top + Double(r.sites.count) * (rowH + gap)
        let hours = r.range.hours
        let step = hours <= 6 ? 1.0 : hours <= 26 ? 3.0 : hours <= 24 * 8 ? 24.0 : 24.0 * 7
        var h = 0.0
        guard let from = Timestamp(rfc3339: r.range.from) else { return s.joined(separator: "\n") + "\n</svg>" }
        // Axis labels stay short (no UTC offset): the tooltips and tables carry the exact times.
        let axisText = ReportText(zone: text.zone, singleDay: text.singleDay)
        while h <= hours + 0.001 {
            let x = labelW + h / hours * barW
            let t = Timestamp(milliseconds: from.milliseconds + Int64(h * 3_600_000))
            let label = hours <= 26 ? axisText.time(t) : String(axisText.time(t).prefix(10))
            s.append("<line x1=\"\(HTMLRenderer.n(x))\" y1=\"\(HTMLRenderer.n(top))\" x2=\"\(HTMLRenderer.n(x))\" y2=\"\(HTMLRenderer.n(axisY))\" stroke=\"#ffffff\" stroke-opacity=\"0.6\" stroke-width=\"1\"/>")
            let anchor = h == 0 ? "start" : h >= hours - 0.001 ? "end" : "middle"
            s.append("<text x=\"\(HTMLRenderer.n(x))\" y=\"\(HTMLRenderer.n(axisY + 12))\" font-size=\"10\" fill=\"#666\" text-anchor=\"\(anchor)\">\(HTMLRenderer.escape(label))</text>")
            h += step
        }
        s.append("</svg>")
        return s.joined(separator: "\n")
    }

    /// The mean latency of each slot as a small line chart. Sparse checks (every hour) are joined across empty
    /// slots; a gap of more than 8 slots (2 hours of a day) breaks the line, and a lone point shows as a dot.
    func sparkline(_ c: CheckFigure) -> String {
        let w = 120.0, hgt = 24.0
        let values = c.sparkline.compactMap { $0 }
        guard let lo = values.min(), let hi = values.max() else { return "<span class=\"muted\">-</span>" }
        let count = max(1, c.sparkline.count - 1)
        var shapes: [String] = []
        var points: [String] = []
        func flush() {
            if points.count == 1 {
                let xy = points[0].split(separator: ",")
                shapes.append("<circle cx=\"\(xy[0])\" cy=\"\(xy[1])\" r=\"1.5\" fill=\"#1e88e5\"/>")
            } else if !points.isEmpty {
                shapes.append("<polyline fill=\"none\" stroke=\"#1e88e5\" stroke-width=\"1.2\" points=\"\(points.joined(separator: " "))\"/>")
            }
            points = []
        }
        var lastIndex = -1
        for (i, v) in c.sparkline.enumerated() {
            guard let v else { continue }
            if lastIndex >= 0 && i - lastIndex > 8 { flush() }
            lastIndex = i
            let x = Double(i) / Double(count) * w
            let y = hi > lo ? hgt - 2 - (v - lo) / (hi - lo) * (hgt - 4) : hgt / 2
            points.append("\(HTMLRenderer.n(x)),\(HTMLRenderer.n(y))")
        }
        flush()
        let label = "latency \(ReportText.latency(lo)) to \(ReportText.latency(hi)) (mean per slot)"
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w))\" height=\"\(Int(hgt))\" viewBox=\"0 0 \(Int(w)) \(Int(hgt))\" role=\"img\" aria-label=\"\(HTMLRenderer.escape(label))\"><title>\(HTMLRenderer.escape(label))</title>" + shapes.joined() + "</svg>"
    }

    /// One row per incident from its start to its end (when ongoing, to the last observed moment: a bar to midnight
    /// would claim hours no result covers), coloured by severity.
    func timeline(_ r: DailyReport, _ incidents: [IncidentFigure], _ text: ReportText) -> String {
        let shown = Array(incidents.prefix(40))
        let labelW = 170.0, barW = 600.0, rowH = 12.0, gap = 4.0, top = 4.0, axis = 18.0
        let width = labelW + barW + 10
        let height = top + Double(shown.count) * (rowH + gap) + axis
        guard let from = Timestamp(rfc3339: r.range.from), let to = Timestamp(rfc3339: r.range.to) else { return "" }
        let length = Double(max(1, to.milliseconds - from.milliseconds))
        let client = r.audience == .client
        var s = ["<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"Incident timeline\">"]
        s.append("<rect x=\"\(Int(labelW))\" y=\"0\" width=\"\(Int(barW))\" height=\"\(HTMLRenderer.n(height - axis))\" fill=\"#fafafa\" stroke=\"#e0e0e0\"/>")
        let dataEnd = r.overall.dataThrough.flatMap { Timestamp(rfc3339: $0)?.milliseconds } ?? to.milliseconds
        for (k, i) in shown.enumerated() {
            let y = top + Double(k) * (rowH + gap)
            let start = Timestamp(rfc3339: i.start)?.milliseconds ?? from.milliseconds
            let end = i.end.flatMap { Timestamp(rfc3339: $0)?.milliseconds } ?? max(start, min(dataEnd, to.milliseconds))
            let a = max(0, Double(start - from.milliseconds)), b = min(length, Double(end - from.milliseconds))
            let x = labelW + a / length * barW, w = max(2, (b - a) / length * barW)
            let color = i.maintenanceOnly ? HTMLRenderer.colors["maintenance"]!
                : client ? HTMLRenderer.colors[i.kind == "slow" ? "degraded" : "down"]!
                : HTMLRenderer.severityColors[i.severity ?? "none"] ?? "#9e9e9e"
            let label = client ? i.siteName : i.check
            s.append("<text x=\"0\" y=\"\(HTMLRenderer.n(y + rowH - 2))\" font-size=\"11\" fill=\"#222\">\(HTMLRenderer.escape(String(label.prefix(26))))</text>")
            let tip = "\(label): \(text.time(i.start))–\(i.ongoing ? "ongoing" : text.time(i.end)) \(i.cause)"
            s.append("<rect x=\"\(HTMLRenderer.n(x))\" y=\"\(HTMLRenderer.n(y))\" width=\"\(HTMLRenderer.n(w))\" height=\"\(Int(rowH))\" rx=\"2\" fill=\"\(color)\"><title>\(HTMLRenderer.escape(tip))</title></rect>")
        }
        let axisY = height - axis
        let axisText = ReportText(zone: text.zone, singleDay: text.singleDay)
        for k in 0...4 {
            let x = labelW + Double(k) / 4 * barW
            let t = Timestamp(milliseconds: from.milliseconds + Int64(Double(k) / 4 * length))
            let anchor = k == 0 ? "start" : k == 4 ? "end" : "middle"
            let label = axisText.time(t)
            s.append("<text x=\"\(HTMLRenderer.n(x))\" y=\"\(HTMLRenderer.n(axisY + 12))\" font-size=\"10\" fill=\"#666\" text-anchor=\"\(anchor)\">\(HTMLRenderer.escape(label))</text>")
        }
        s.append("</svg>")
        if incidents.count > shown.count { s.append("<p class=\"muted\">\(incidents.count - shown.count) more incidents are listed below but not drawn.</p>") }
        return s.joined(separator: "\n")
    }
}
