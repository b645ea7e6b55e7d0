import LookoutCore

/// MarkdownRenderer writes a report as GitHub-flavoured Markdown: the team's daily summary, or with a client
/// report, the customer's service report without internal severities, tiers or channel names.
public struct MarkdownRenderer {
    public init() {}

    public func render(_ report: DailyReport) -> String {
        report.audience == .client ? client(report) : team(report)
    }

    private func header(_ r: DailyReport, _ text: ReportText) -> [String] {
        let title = r.audience == .client ? "Service report for \(r.client ?? "you")" : r.title
        return ["# \(title): \(r.range.label)", "",
                "\(text.dateTime(r.range.from)) to \(text.dateTime(r.range.to)) (\(r.range.timezone), \(formatHours(r.range.hours)))"
                    + (text.dataThrough(r).map { "; \($0)" } ?? ""), ""]
    }

    /// Error budgets per client, as the HTML report's table: allowed, used, left, burn rates, when it runs out.
    private func budgets(_ budgets: [ErrorBudget.Figure], _ text: ReportText) -> [String] {
        var out = ["## Error budgets, \(budgets[0].month)", "",
                   "Downtime each client may still have this month before its SLA is breached (agreed maintenance excluded), as of "
                       + "\(text.dateTime(budgets[0].asOf)). Burn rate 1 spends the budget exactly by the month's end.", "",
                   "| Client | Target | Allowed | Used | Left | Burn 1h | Burn 6h | Runs out |", "|---|---:|---:|---:|---:|---:|---:|---|"]
        for b in budgets {
            let burn = { (r: Double?) in r.map { String(format: "%.2f", $0) } ?? "-" }
            out.append("| \(ReportText.cell(b.client)) | \(ReportText.percent(b.target)) | \(ReportText.duration(b.allowedMs)) | "
                       + "\(ReportText.duration(b.usedMs)) | \(ReportText.budgetLeft(b)) | \(burn(b.burnRate1h)) | \(burn(b.burnRate6h)) | "
                       + "\(text.budgetRunsOut(b).map { b.warning ? "**\($0)**" : $0 } ?? "not this month") |")
        }
        return out + [""]
    }

    private func formatHours(_ h: Double) -> String {
        h == h.rounded() ? "\(Int(h)) h" : String(format: "%.1f h", h)
    }

    private func team(_ r: DailyReport) -> String {
        let text = ReportText(r)
        var out = header(r, text)
        let o = r.overall
        out.append("**Availability \(ReportText.percent(o.availability))** across \(ReportText.count(o.sites, "site")) and \(ReportText.count(o.checks, "check")). "
                   + "\(ReportText.count(o.incidents, "incident")) (\(ReportText.count(o.outages, "outage"))), MTTR \(ReportText.duration(o.mttrMs)), "
                   + "downtime \(ReportText.duration(o.downMs)), maintenance \(ReportText.duration(o.maintenanceMs)).")
        if let caveat = text.partialCaveat(r) { out += ["", "**\(caveat)**"] }
        out.append("")
        if let tiers = r.tiers, !tiers.isEmpty {
            out += ["## SLA by tier", "", "| Tier | Target | Measured | Sites | Status |", "|---|---:|---:|---:|---|"]
            for t in tiers {
                let status: String
                if t.target == nil { status = "no target" } else if t.breached {
                    status = "**\(text.breachLabel(r))**" + (t.breaches.isEmpty ? "" : ": " + t.breaches.map { "\($0.site) \(ReportText.percent($0.availability))" }.joined(separator: ", "))
                } else { status = "met" }
                out.append("| \(t.tier) | \(t.target.map { ReportText.percent($0) } ?? "-") | \(ReportText.percent(t.measured)) | \(t.sites) | \(status) |")
            }
            out.append("")
        }
        if let budgets = r.budgets, !budgets.isEmpty { out += self.budgets(budgets, text) }
        out += ["## Sites", ""]
        for s in r.sites {
            let target = s.target.map { " (target \(ReportText.percent($0))\(s.meetsTarget == false ? ", **missed**" : ""))" } ?? ""
            out.append("### \(s.name) (\(s.id)): \(ReportText.percent(s.time.availability))\(target)")
            out.append("")
            out.append("Tier \(s.tier ?? "-"). Observed \(ReportText.duration(s.time.observedMs)), down \(ReportText.duration(s.time.downMs)), "
                       + "degraded \(ReportText.duration(s.time.degradedMs)), maintenance \(ReportText.duration(s.time.maintenanceMs))"
                       + " (down inside windows \(ReportText.duration(s.time.downInMaintenanceMs))), not observed \(ReportText.duration(s.time.unobservedMs)). "
                       + "Incidents \(s.incidents), MTTR \(ReportText.duration(s.mttrMs)).")
            out.append("")
            out += ["| Check | Kind | Availability | Down | Maint. | Incidents | MTTR | Blips | p50 | p95 | p99 | Flapping |",
                    "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
            for c in s.checks {
                out.append("| \(c.id) | \(c.kind ?? "-") | \(ReportText.percent(c.time.availability)) | \(ReportText.duration(c.time.downMs)) | "
                           + "\(ReportText.duration(c.time.maintenanceMs)) | \(c.incidents) | \(ReportText.duration(c.mttrMs)) | \(c.blips) | "
                           + "\(ReportText.latency(c.latency?.p50)) | \(ReportText.latency(c.latency?.p95)) | \(ReportText.latency(c.latency?.p99)) | "
                           + "\(c.flappingMs > 0 ? ReportText.duration(c.flappingMs) : "-") |")
            }
            out.append("")
        }
        out += ["## Incidents", ""]
        if r.incidents.isEmpty { out += ["None.", ""] } else {
            out += ["| Start | End | Duration | Site | Check | Kind | Severity | Cause |", "|---|---|---:|---|---|---|---|---|"]
            for i in r.incidents {
                let kind = i.maintenanceOnly ? "\(i.kind) (maintenance \(i.maintenance ?? ""))"
                    : i.maintenance.map { "\(i.kind) (began in \($0))" } ?? i.kind
                out.append("| \(text.time(i.start)) | \(i.ongoing ? "ongoing" : text.time(i.end)) | \(ReportText.duration(i.durationMs)) | "
                           + "\(i.site) | \(i.check) | \(kind) | \(i.severity ?? "-") | \(ReportText.cell(i.cause)) |")
            }
            out.append("")
        }
        if let gaps = r.monitorGaps {
            out += ["## Monitoring gaps", "", "No result arrived from any check: probe or classify was not running, so these spans are unobserved.", "",
                    "| From | To | Duration |", "|---|---|---:|"]
            for g in gaps { out.append("| \(text.time(g.from)) | \(text.time(g.to)) | \(ReportText.duration(g.durationMs)) |") }
            out.append("")
        }
        if let late = r.lateNotifications {
            out += ["## Late notifications", "", "Openings that reached a sink late or not at all: route or the sink was down, so people heard late.", "",
                    "| Due | Sent | Delay | Site | Check | Sink | Outcome |", "|---|---|---:|---|---|---|---|"]
            for n in late {
                out.append("| \(text.time(n.due)) | \(n.sent.map(text.time) ?? "never") | \(n.delayMs.map(ReportText.duration) ?? "-") | "
                           + "\(n.site) | \(n.check) | \(n.sink) | \(ReportText.cell(n.outcomeText)) |")
            }
            out.append("")
        }
        let flaps = r.sites.flatMap { s in s.checks.flatMap { c in c.flapping.map { (s, c, $0) } } }
        if !flaps.isEmpty {
            out += ["## Flapping periods", "", "| Site | Check | From | To | Duration |", "|---|---|---|---|---:|"]
            for (s, c, p) in flaps { out.append("| \(s.id) | \(c.id) | \(text.time(p.from)) | \(text.time(p.to)) | \(ReportText.duration(p.durationMs)) |") }
            out.append("")
        }
        out += certificates(r, text, customer: false) + heartbeats(r, text, customer: false)
        if let hosts = r.hosts, !hosts.isEmpty {
            out += ["## Hosts over thresholds", "", "| Site | Check | Results | Over threshold | Assertions failed |", "|---|---|---:|---:|---|"]
            for h in hosts {
                let a = h.assertions.map { "`\($0.assertion)` x\($0.count)" }.joined(separator: ", ")
                out.append("| \(h.site) | \(h.check) | \(h.results) | \(h.overThreshold) | \(a.isEmpty ? "-" : ReportText.cell(a)) |")
            }
            out.append("")
        }
        if let n = r.noise {
            out += ["## Noise budget", "",
                    "- Messages sent: \(n.messagesSent), of which critical: \(n.criticalSent)",
                    "- Blips absorbed (failures that never confirmed, no message): \(n.blipsAbsorbed)",
                    "- Failures inside maintenance windows kept out of the channels: \(ReportText.count(n.failuresInMaintenance, "result")), "
                        + "\(ReportText.count(n.maintenanceBlips, "blip")), \(ReportText.count(n.incidentsHeldInMaintenance, "incident")) held",
                    "- Incidents recorded without an alert (tier policy): \(n.incidentsWithoutAlert)", ""]
            if !n.sinks.isEmpty {
                out += ["| Sink | Sent | Critical | Retries | Dead |", "|---|---:|---:|---:|---:|"]
                for s in n.sinks { out.append("| \(s.sink) | \(s.sent) | \(s.critical) | \(s.retries) | \(s.dead) |") }
                out.append("")
            }
            out += ["### Dead letters: need a look", ""]
            if n.deadLetters.isEmpty { out += ["None.", ""] } else {
                out += ["| At | Sink | Incident | Event | Attempt | Error |", "|---|---|---|---|---:|---|"]
                for d in n.deadLetters {
                    out.append("| \(text.time(d.at)) | \(d.sink) | \(d.incident) | \(d.event) | \(d.attempt) | \(ReportText.cell(d.error ?? "-")) |")
                }
                out.append("")
            }
        }
        // The unagreed column only on a day that had on-demand windows or silences.
        let unagreed = r.adherence.contains { $0.unagreedMaintenanceMs != nil }
        out += ["## Maintenance adherence", "", "| Client | Down inside windows | Down outside windows | Inside share | Window time |"
                    + (unagreed ? " Unagreed window time |" : "") + " Overran a window |",
                "|---|---:|---:|---:|---:|" + (unagreed ? "---:|" : "") + "---:|"]
        for a in r.adherence {
            out.append("| \(ReportText.cell(a.client)) | \(ReportText.duration(a.downInsideWindowsMs)) | \(ReportText.duration(a.downOutsideWindowsMs)) | "
                       + "\(a.insideShare.map { ReportText.percent($0) } ?? "-") | \(ReportText.duration(a.maintenanceMs)) | "
                       + (unagreed ? "\(ReportText.unagreed(a)) | " : "") + "\(a.overruns) |")
        }
        out.append("")
        if let unknown = r.unknownChecks, !unknown.isEmpty {
            out += ["## Checks not in the config", ""]
            for u in unknown { out.append("- \(u.check): \(u.results) result\(u.results == 1 ? "" : "s")") }
            out.append("")
        }
        out += footer(r)
        return out.joined(separator: "\n") + "\n"
    }

    private func certificates(_ r: DailyReport, _ text: ReportText, customer: Bool) -> [String] {
        guard !r.certificates.isEmpty else { return [] }
        var out = [customer ? "## Security certificates to renew" : "## Certificates expiring soon", "",
                   "| Site | Check | Days left | Expires | Seen |", "|---|---|---:|---|---|"]
        for c in r.certificates {
            out.append("| \(c.site) | \(c.check) | \(Int(c.daysLeft.rounded(.down))) | \(c.notAfter ?? "-") | \(text.time(c.seenAt)) |")
        }
        return out + [""]
    }

    private func heartbeats(_ r: DailyReport, _ text: ReportText, customer: Bool) -> [String] {
        guard !r.heartbeats.isEmpty else { return [] }
        var out = [customer ? "## Scheduled jobs that did not report" : "## Heartbeats missed", "",
                   "| Site | Check | Missed | When |", "|---|---|---:|---|"]
        for h in r.heartbeats {
            out.append("| \(h.site) | \(h.check) | \(h.missed) | \(h.times.map { text.time($0) }.joined(separator: ", ")) |")
        }
        return out + [""]
    }

    private func footer(_ r: DailyReport) -> [String] {
        let f = r.footer
        var line = "\(f.linesRead) lines read: \(f.results) results, \(f.incidentLines) incident lines, \(f.deliveryLines) delivery lines. "
            + "\(f.linesRejected) malformed lines skipped."
        if f.unclassifiedResults > 0 { line += " \(f.unclassifiedResults) results were not classified and count no time." }
        if f.outOfOrderResults > 0 { line += " \(f.outOfOrderResults) results arrived out of order." }
        return ["---", "", "\(line) Generated by \(f.generator) from event times only."]
    }

    private func client(_ r: DailyReport) -> String {
        let text = ReportText(r)
        var out = header(r, text)
        out += ["## Summary", ""]
        let interruptions = r.incidents.filter { !$0.maintenanceOnly }
        let planned = r.incidents.filter(\.maintenanceOnly)
        out.append("Your sites were available **\(ReportText.percent(r.overall.availability))** of the time outside planned maintenance, "
                   + "with \(ReportText.clientIncidentSentence(r)).")
        if let caveat = text.partialCaveat(r) { out += ["", "**\(caveat)**"] }
        out.append("")
        out += ["## Your sites", "", "| Site | Availability | Agreed target | Down time | Planned maintenance |", "|---|---:|---:|---:|---:|"]
        for s in r.sites {
            let target = s.target.map { "\(ReportText.percent($0)) (\(s.meetsTarget == false ? "not met" : "met"))" } ?? "-"
            out.append("| \(ReportText.cell(s.name)) | \(ReportText.percent(s.time.availability)) | \(target) | "
                       + "\(ReportText.duration(s.time.downMs)) | \(ReportText.duration(s.time.maintenanceMs)) |")
        }
        out += ["", "## Service interruptions", ""]
        if interruptions.isEmpty { out += ["None.", ""] } else {
            out += ["| Start | End | Duration | Site | What happened |", "|---|---|---:|---|---|"]
            for i in interruptions {
                let what = i.kind == "slow" ? "Slow responses: \(i.cause)" : i.kind == "intermittent" ? "Intermittent availability: \(i.cause)" : i.cause
                out.append("| \(text.time(i.start)) | \(i.ongoing ? "ongoing" : text.time(i.end)) | \(ReportText.duration(i.durationMs)) | "
                           + "\(ReportText.cell(i.siteName)) | \(ReportText.cell(what)) |")
            }
            out.append("")
        }
        out += ["## Planned maintenance", ""]
        let adherence = r.adherence.reduce((Int64(0), Int64(0), Int64(0))) { ($0.0 + $1.downInsideWindowsMs, $0.1 + $1.downOutsideWindowsMs, $0.2 + $1.maintenanceMs) }
        out.append("Maintenance windows used: \(ReportText.duration(adherence.2)); down time inside agreed windows: "
                   + "\(ReportText.duration(adherence.0)); outside them: \(ReportText.duration(adherence.1))."
                   + ReportText.unagreedSentence(r.adherence))
        if !planned.isEmpty {
            out += ["", "| Start | End | Duration | Site | Window |", "|---|---|---:|---|---|"]
            for i in planned {
                out.append("| \(text.time(i.start)) | \(i.ongoing ? "ongoing" : text.time(i.end)) | \(ReportText.duration(i.durationMs)) | "
                           + "\(ReportText.cell(i.siteName)) | \(i.maintenance ?? "-") |")
            }
        }
        out.append("")
        out += certificates(r, text, customer: true) + heartbeats(r, text, customer: true)
        out += ["---", "", ReportText.clientFootnote]
        return out.joined(separator: "\n") + "\n"
    }
}
