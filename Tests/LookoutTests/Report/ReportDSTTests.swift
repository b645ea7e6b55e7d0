import Foundation
@testable import LookoutCommands
@testable import LookoutCore
@testable import LookoutReport
import Testing

/// Availability on the 25-hour day of an autumn clock change: the day has 25 hours of observation.
@Suite struct ReportDSTTests {
    static let config = """
        timezone: Europe/London
        tiers:
          standard: {outage: warning, degraded: info, sla: 99.5}
        defaults:
          every: 5m
        sites:
          - id: s
            tier: standard
            checks:
              - {id: s-home, tcp: "127.0.0.1:9"}
        """

    static func log(from: Timestamp, hours: Int, downMinutes: Range<Int>) -> String {
        var lines: [String] = []
        for k in 0..<(hours * 12) {
            let at = Timestamp(milliseconds: from.milliseconds + Int64(k) * 300_000)
            let down = downMinutes.contains(k * 5)
            lines.append(#"{"v":1,"type":"result","check":"s-home","at":"\#(at.rfc3339)","ok":\#(!down),"latency_ms":10,"site":"s","tier":"standard","maintenance":null,"state":"\#(down ? "down" : "up")","severity":"none"}"#)
        }
        return lines.joined(separator: "\n")
    }

    @Test(arguments: [("2026-10-25", 25, 96.0), ("2026-03-29", 23, 95.652), ("2026-11-25", 24, 95.833)])
    func dayLengthFollowsTheClock(day: String, hours: Int, expected: Double) throws {
        let config = try Config.parse(yaml: ReportDSTTests.config, file: "dst.yaml")
        let range = try ReportRange.day(day, clock: LocalClock(config.timeZone))
        let log = ReportDSTTests.log(from: range.from, hours: hours, downMinutes: 60..<120)
        let r = ReportFixture.report(ndjson: log, config: config, range: range)
        let site = try #require(r.sites.first)
        #expect(site.time.observedMs == Int64(hours) * 3_600_000)
        #expect(site.time.downMs == 3_600_000)
        #expect(site.time.availability == expected)
        #expect(r.range.hours == Double(hours))
    }

    /// The dst fixture (make-dst.py): an outage across the repeated hour, and a blip inside the morning window.
    @Test func fixtureAcrossTheRepeatedHour() throws {
        let r = try ReportFixture.report("dst", day: "2026-10-25")
        let c = try #require(r.sites.first?.checks.first)
        #expect(c.time.observedMs == Int64(25 * 3_600_000))
        #expect(c.time.downMs == Int64(3_600_000))
        #expect(c.time.maintenanceMs == Int64(3_600_000))
        #expect(c.time.availability == 95.833)  // 23 h up of 24 h outside the window
        #expect(c.maintenanceBlips == 1 && c.blips == 0)
        let text = ReportText(r)
        #expect(text.showsOffset)
        #expect(text.time(r.incidents[0].start) == "01:30 +01:00")
        #expect(text.time(r.incidents[0].end) == "01:30 +00:00")
        #expect(!ReportText(try ReportFixture.report()).showsOffset)
    }
}

/// A stretch with no result from any check (the monitor was down) is listed for the team, not for clients.
@Suite struct MonitorGapReportTests {
    @Test func aSilenceOfTheWholeLogIsAMonitoringGap() throws {
        let config = try Config.parse(yaml: ReportDSTTests.config, file: "gap.yaml")
        let range = try ReportRange.day("2026-11-25", clock: LocalClock(config.timeZone))
        // Results every 5 minutes, none from 10:00 to 10:45 (the chain was down), the day through.
        let log = ReportDSTTests.log(from: range.from, hours: 24, downMinutes: 0..<0).split(separator: "\n").enumerated()
            .filter { k, _ in !(120..<129).contains(k) }.map { String($0.element) }.joined(separator: "\n")
        let team = ReportFixture.report(ndjson: log, config: config, range: range)
        let gaps = try #require(team.monitorGaps)
        #expect(gaps.map(\.from) == ["2026-11-25T09:56:00Z"])  // the minute after the last result
        #expect(gaps.map(\.to) == ["2026-11-25T10:45:00Z"])
        let markdown = MarkdownRenderer().render(team)
        #expect(markdown.contains("## Monitoring gaps"))
        #expect(markdown.contains("| 09:56 | 10:45 | 49m 00s |"))
        #expect(SlackRenderer().sections(team).sections.joined().contains { $0.contains("09:56–10:45") })
        #expect(HTMLRenderer().render(team).contains("<h2>Monitoring gaps</h2>"))
        let client = ReportFixture.report(ndjson: log, config: config, range: range, client: "s")
        #expect(client.monitorGaps == nil)
        // An unbroken day has none.
        let whole = ReportFixture.report(ndjson: ReportDSTTests.log(from: range.from, hours: 24, downMinutes: 0..<0), config: config, range: range)
        #expect(whole.monitorGaps == nil)
    }
}
