import Foundation
@testable import LookoutCore
@testable import LookoutReport
import Testing

/// Maintenance adherence with an on-demand window (`classify maintenance`) outside the client's agreed windows: the
/// real classify applies the control line, and the report counts the window as unagreed and the down time in it as
/// down time outside the agreed windows.
@Suite struct UnagreedMaintenanceTests {
    static let yaml = """
        tiers: {enhanced: {contract_hours: 60, outage: critical}}
        defaults: {every: 1m}
        sites:
          - id: acme
            name: ACME Ltd
            client: ACME Ltd
            tier: enhanced
            maintenance: [{name: morning, daily: "08:00-09:00"}]
            checks:
              - {id: acme-home, tcp: "acme.example:443"}
        """

    /// 07:30-12:00, a result a minute: down 08:30-08:40 inside the agreed window; an on-demand window 10:10-10:40
    /// (asked for at 10:10, for 30 minutes); down 10:20-10:50, 20 minutes of it inside that window.
    static func classified() throws -> String {
        var lines: [String] = []
        for minute in stride(from: 7 * 60 + 30, to: 12 * 60, by: 1) {
            let at = String(format: "2026-11-25T%02d:%02d:00Z", minute / 60, minute % 60)
            if minute == 10 * 60 + 10 {
                lines.append(#"{"v":1,"type":"maintenance","id":"m1","site":"acme","end":"2026-11-25T10:40:00Z","reason":"db upgrade","by":"arron","at":"2026-11-25T10:10:00Z"}"#)
            }
            let down = (8 * 60 + 30..<8 * 60 + 40).contains(minute) || (10 * 60 + 20..<10 * 60 + 50).contains(minute)
            lines.append(#"{"v":1,"type":"result","check":"acme-home","at":"\#(at)","ok":\#(!down)}"#)
        }
        let run = try ClassifyHarness.run(yaml: yaml, input: lines.joined(separator: "\n") + "\n")
        #expect(run.rejected == 0)
        #expect(run.results.contains { $0["maintenance"] as? String == "maintenance:m1" }, "classify applied the window")
        return run.lines.joined(separator: "\n")
    }

    static func report(client: String? = nil) throws -> DailyReport {
        let config = try Config.parse(yaml: yaml, file: "test.yaml")
        let range = try ReportRange.between(from: "2026-11-25T07:30:00Z", to: "2026-11-25T12:00:00Z", clock: LocalClock(config.timeZone))
        return ReportFixture.report(ndjson: try classified(), config: config, range: range, client: client)
    }

    @Test func anOnDemandWindowIsUnagreedAndItsDownTimeCountsOutside() throws {
        let a = try #require(try Self.report().adherence.first)
        #expect(a.maintenanceMs == 90 * 60_000, "both windows are maintenance time (excluded from the SLA)")
        #expect(a.unagreedMaintenanceMs == Int64(30 * 60_000))
        #expect(a.downInsideUnagreedMs == Int64(20 * 60_000))
        #expect(a.downInsideWindowsMs == 10 * 60_000, "only the agreed window's down time is inside")
        #expect(a.downOutsideWindowsMs == 30 * 60_000, "10 minutes after the on-demand window and 20 inside it")
        #expect(a.insideShare == 25)
    }

    @Test func theReportsSayIt() throws {
        let team = ReportStage.render(try Self.report(), format: .markdown)
        #expect(team.contains("| Window time | Unagreed window time | Overran a window |"))
        #expect(team.contains("| ACME Ltd | 10m 00s | 30m 00s | 25.000% | 1h 30m | 30m 00s (down 20m 00s) | 1 |"), "\(team)")
        let client = ReportStage.render(try Self.report(client: "ACME Ltd"), format: .markdown)
        #expect(client.contains("Of the window time, 30m 00s was on demand, outside the agreed windows (down time in it: 20m 00s, counted as outside them)."))
        let html = ReportStage.render(try Self.report(), format: .html)
        #expect(html.contains("<th class=\"num\">Unagreed window time</th>"))
        let json = ReportStage.render(try Self.report(), format: .json)
        #expect(json.contains(#""unagreed_maintenance_ms" : 1800000"#) && json.contains(#""down_inside_unagreed_ms" : 1200000"#), "\(json)")
    }

    /// A day without on-demand windows keeps its tables and JSON as they were.
    @Test func aDayWithoutThemIsUnchanged() throws {
        let r = try ReportFixture.report()
        #expect(r.adherence.allSatisfy { $0.unagreedMaintenanceMs == nil && $0.downInsideUnagreedMs == nil })
        #expect(!ReportStage.render(r, format: .markdown).contains("Unagreed"))
    }
}
