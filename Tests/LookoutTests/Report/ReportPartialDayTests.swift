import Foundation
@testable import LookoutCommands
@testable import LookoutCore
@testable import LookoutReport
import Testing

/// A report read before the day ends (or over a monitor that ran part of it) says what its figures rest on: the
/// headline names the observed time, BREACH says it too, the header says how far the data goes, and an ongoing
/// incident's bar ends where the data ends instead of at midnight.
@Suite struct ReportPartialDayTests {
    static let yaml = """
        timezone: UTC
        tiers:
          enhanced: {outage: critical, sla: 99.9}
        sites:
          - id: acme
            name: ACME Ltd
            client: ACME Ltd
            tier: enhanced
            checks:
              - {id: acme-home, tcp: "127.0.0.1:9", every: 30s}
        """

    /// 3m30s of results, 08:10:00 to 08:13:30; down from 08:11:00, an incident open when the log ends.
    static var log: String {
        var lines: [String] = []
        for k in 0...7 {
            let at = Timestamp(rfc3339: "2026-11-25T08:10:00Z")! + .seconds(Int64(k) * 30)
            let ok = k < 2
            lines.append(#"{"v":1,"type":"result","check":"acme-home","at":"\#(at.rfc3339)","ok":\#(ok),"kind":"tcp","latency_ms":1.0,"site":"acme","tier":"enhanced","maintenance":null,"state":"\#(ok ? "up" : "down")","severity":"\#(ok ? "none" : "critical")"}"#)
            if k == 2 {
                lines.append(#"{"v":1,"type":"incident","id":"acme-home/1","event":"opened","check":"acme-home","site":"acme","tier":"enhanced","severity":"critical","at":"\#(at.rfc3339)","since":"\#(at.rfc3339)","reason":"down","maintenance":null,"state":"down"}"#)
            }
        }
        return lines.joined(separator: "\n")
    }

    static func report() throws -> DailyReport {
        let config = try Config.parse(yaml: yaml, file: "partial.yaml", kinds: .all)
        let range = try ReportRange.day("2026-11-25", clock: LocalClock(config.timeZone))
        return ReportFixture.report(ndjson: log, config: config, range: range)
    }

    @Test func theFiguresSayWhatTheyRestOn() throws {
        let report = try Self.report()
        #expect(report.overall.isPartial(rangeHours: report.range.hours))
        #expect(report.overall.dataFrom == "2026-11-25T08:10:00Z")
        let text = ReportText(report)
        let caveat = try #require(text.partialCaveat(report))
        #expect(caveat.hasPrefix("Partial: checks were observed for ") && caveat.contains(" of 24h, from 08:10 to 08:1"), "\(caveat)")
        let markdown = MarkdownRenderer().render(report)
        #expect(markdown.contains("**\(caveat)**"))
        #expect(markdown.contains("BREACH (on "), "the SLA verdict says it rests on minutes")
        #expect(markdown.contains("; data through 2026-11-25 08:1"))
        let html = HTMLRenderer().render(report)
        #expect(html.contains("Partial: checks were observed for"))
    }

    /// The ongoing incident's bar spans a few minutes of a 600-pixel day, not the 16 hours to midnight.
    @Test func anOngoingIncidentsBarEndsWhereTheDataEnds() throws {
        let html = HTMLRenderer().render(try Self.report())
        let timeline = try #require(html.range(of: "aria-label=\"Incident timeline\"")).upperBound
        let bar = try #require(html[timeline...].firstMatch(of: /<rect x="[0-9.]+" y="[0-9.]+" width="([0-9.]+)" height="12" rx="2"/))
        let width = try #require(Double(bar.output.1))
        #expect(width < 5, "the bar is \(width) px wide")
    }

    @Test func aWholeDayHasNoCaveat() throws {
        let report = try ReportFixture.report()
        #expect(!report.overall.isPartial(rangeHours: report.range.hours))
        #expect(ReportText(report).partialCaveat(report) == nil)
    }
}
