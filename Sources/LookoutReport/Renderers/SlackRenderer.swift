import LookoutCore
import LookoutRoute

/// SlackRenderer turns a report into a Slack incoming-webhook payload within Slack's limits: a header of at most
/// 150 characters, sections of at most 3,000 characters, at most 50 blocks, and `text` as the notification fallback.
public struct SlackRenderer {
    public static let maxBlocks = 50
    public static let maxSectionCharacters = 3000
    public static let maxHeaderCharacters = 150

    public init() {}

    /// The lines of the summary in Slack mrkdwn, grouped in sections.
    func sections(_ r: DailyReport) -> (header: String, fallback: String, sections: [[String]]) {
        let text = ReportText(r)
        let o = r.overall
        let client = r.audience == .client
        let header = client ? "Service report for \(r.client ?? "you"): \(r.range.label)" : "\(r.title): \(r.range.label)"
        let fallback = "\(header). Availability \(ReportText.percent(o.availability)), \(o.outages) outage\(o.outages == 1 ? "" : "s")."
        var sections: [[String]] = []
        sections.append([client
            ? "Your sites were available *\(ReportText.percent(o.availability))* of the time outside planned maintenance, with \(ReportText.clientIncidentSentence(r))."
            : "*Availability \(ReportText.percent(o.availability))* across \(ReportText.count(o.sites, "site")), \(ReportText.count(o.checks, "check")). \(ReportText.count(o.incidents, "incident")) (\(ReportText.count(o.outages, "outage"))), MTTR \(ReportText.duration(o.mttrMs)), downtime \(ReportText.duration(o.downMs))."])
        if let caveat = text.partialCaveat(r) { sections.append(["*\(caveat)*"]) }
        if let tiers = r.tiers, !tiers.isEmpty {
            sections.append(["*SLA by tier*"] + tiers.map { t in
                let mark = t.breached ? ":red_circle: \(text.breachLabel(r))" : ":large_green_circle:"
                return "\(mark) \(t.tier): \(ReportText.percent(t.measured)) (target \(t.target.map { ReportText.percent($0) } ?? "none"))"
                    + (t.breaches.isEmpty ? "" : ": " + t.breaches.map { "\($0.site) \(ReportText.percent($0.availability))" }.joined(separator: ", "))
            })
        }
        if let budgets = r.budgets, !budgets.isEmpty {
            sections.append(["*Error budgets, \(budgets[0].month)* (downtime left before the SLA is breached)"] + budgets.map { b in
                (b.warning || b.remainingMs <= 0 ? ":red_circle: " : "• ") + "*\(SlackSink.escape(b.client))* \(ReportText.budgetLeft(b)) of \(ReportText.duration(b.allowedMs))"
                    + (text.budgetRunsOut(b).map { ", runs out \($0) at this rate" } ?? "")
            })
        }
        sections.append([client ? "*Your sites*" : "*Sites*"] + r.sites.map { s in
            "• *\(SlackSink.escape(s.name))* \(ReportText.percent(s.time.availability))"
                + (s.target.map { " (target \(ReportText.percent($0)))" } ?? "")
                + ", down \(ReportText.duration(s.time.downMs)), maintenance \(ReportText.duration(s.time.maintenanceMs)), \(s.incidents) incident\(s.incidents == 1 ? "" : "s")"
        })
        if let gaps = r.monitorGaps {
            sections.append([":warning: *Monitoring gaps* (no result from any check: the monitor was not running)"]
                            + gaps.map { "• \(text.time($0.from))–\(text.time($0.to)) (\(ReportText.duration($0.durationMs)))" })
        }
        if let late = r.lateNotifications {
            sections.append([":warning: *Late notifications* (route or a sink was down: people heard late)"] + late.map { n in
                "• \(SlackSink.escape(n.check)) → \(SlackSink.escape(n.sink)): due \(text.time(n.due)), "
                    + (n.sent.map { "sent \(text.time($0)) (\(ReportText.duration(n.delayMs)) late)" } ?? SlackSink.escape(n.outcomeText))
            })
        }
        let shown = client ? r.incidents.filter { !$0.maintenanceOnly } : r.incidents
        if !shown.isEmpty {
            sections.append([client ? "*Service interruptions*" : "*Incidents*"] + shown.map { i in
                "• \(text.time(i.start))–\(i.ongoing ? "ongoing" : text.time(i.end)) (\(ReportText.duration(i.durationMs))) "
                    + "\(SlackSink.escape(client ? i.siteName : i.check)): \(SlackSink.escape(i.cause))"
                    + (client ? "" : " [\(i.kind), \(i.severity ?? "-")\(i.maintenanceOnly ? ", maintenance" : "")]")
            })
        }
        if let n = r.noise {
            var lines = ["*Noise budget*",
                         "Messages sent \(n.messagesSent) (critical \(n.criticalSent)); blips absorbed \(n.blipsAbsorbed); "
                            + "failures kept quiet in maintenance \(n.failuresInMaintenance); incidents without alert \(n.incidentsWithoutAlert)."]
            lines += n.sinks.map { "• \(SlackSink.escape($0.sink)): \($0.sent) sent, \($0.critical) critical, \($0.dead) dead" }
            if !n.deadLetters.isEmpty {
                lines.append(":warning: \(n.deadLetters.count) dead-letter deliver\(n.deadLetters.count == 1 ? "y needs" : "ies need") a look")
            }
            sections.append(lines)
        }
        if !r.certificates.isEmpty {
            sections.append([client ? "*Certificates to renew*" : "*Certificates expiring*"]
                            + r.certificates.map { "• \($0.check): \(Int($0.daysLeft.rounded(.down))) days left" })
        }
        if !r.heartbeats.isEmpty {
            sections.append([client ? "*Scheduled jobs that did not report*" : "*Heartbeats missed*"]
                            + r.heartbeats.map { "• \($0.check): \($0.missed) missed" })
        }
        return (header, fallback, sections)
    }

    /// The webhook payload.
    public func payload(_ report: DailyReport) -> JSONValue {
        let (header, fallback, sections) = sections(report)
        var blocks: [JSONValue] = [.object([
            JSONMember(key: "type", value: .string("header")),
            JSONMember(key: "text", value: .object([JSONMember(key: "type", value: .string("plain_text")),
                                                    JSONMember(key: "text", value: .string(IncidentText.clip(header, SlackRenderer.maxHeaderCharacters)))])),
        ])]
        var texts: [String] = []
        for lines in sections {
            var current = ""
            for line in lines {
                let line = IncidentText.clip(line, SlackRenderer.maxSectionCharacters)
                if !current.isEmpty && current.count + 1 + line.count > SlackRenderer.maxSectionCharacters {
                    texts.append(current)
                    current = ""
                }
                current += current.isEmpty ? line : "\n" + line
            }
            if !current.isEmpty { texts.append(current) }
        }
        let room = SlackRenderer.maxBlocks - 1
        if texts.count > room {
            let dropped = texts.count - (room - 1)
            texts = Array(texts.prefix(room - 1)) + ["_\(dropped) more sections left out; see the full report._"]
        }
        for t in texts {
            blocks.append(.object([
                JSONMember(key: "type", value: .string("section")),
                JSONMember(key: "text", value: .object([JSONMember(key: "type", value: .string("mrkdwn")),
                                                        JSONMember(key: "text", value: .string(t))])),
            ]))
        }
        return .object([JSONMember(key: "text", value: .string(fallback)), JSONMember(key: "blocks", value: .array(blocks))])
    }
}
