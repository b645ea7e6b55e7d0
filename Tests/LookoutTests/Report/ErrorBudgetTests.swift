import Foundation
@testable import LookoutCore
@testable import LookoutReport
import Testing

/// Error budgets: the fixture days' figures worked by hand, and burn rates on synthetic outages.
@Suite struct ErrorBudgetTests {
    /// The fixture day (Wednesday 2026-11-25, London, 720-hour November): ACME's daily 08:00-09:00 window takes 30 h
    /// out, so 0.1 % of 690 h = 41m 24s allowed; Globex's weekly Wednesday 07:00-09:00 window takes 4 x 2 h out, so
    /// 0.5 % of 712 h = 3h 33m 36s. Used is the day's down time outside windows, as the report's site figures say.
    @Test func fixtureDayFigures() throws {
        let report = try ReportFixture.report()
        let budgets = try #require(report.budgets)
        #expect(budgets.map(\.client) == ["ACME Ltd", "Globex Corp"], "initech's tier has no target")
        let acme = budgets[0], globex = budgets[1]
        #expect(acme.allowedMs == 690 * 3_600)
        #expect(acme.usedMs == 40 * 60_000)
        #expect(acme.usedMs == report.sites.first { $0.id == "acme" }?.time.downMs)
        #expect(acme.remainingMs == 84_000)
        #expect(globex.allowedMs == 712 * 3_600 * 5)
        #expect(globex.usedMs == 85 * 60_000)
        #expect(globex.usedMs == report.sites.first { $0.id == "globex" }?.time.downMs)
        #expect((acme.month, acme.monthStart, acme.monthEnd, acme.asOf)
            == ("2026-11", "2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z", "2026-11-26T00:00:00Z"))
        #expect(acme.burnRate1h == 0 && acme.burnRate6h == 0 && !acme.warning && acme.exhaustsAt == nil)
        #expect(try ReportFixture.report(client: "ACME Ltd").budgets == nil, "budgets are the team's figures")
    }

    /// The autumn clock change: October 2026 in London is 745 hours; the daily 1-hour window takes 31 h out, so
    /// 0.1 % of 714 h = 42m 50.4s, and the outage through the repeated hour (01:30 BST to 01:30 GMT) is one real hour.
    @Test func dstMonthFigures() throws {
        let report = try ReportFixture.report("dst", day: "2026-10-25")
        let acme = try #require(report.budgets?.first)
        #expect(acme.monthStart == "2026-09-30T23:00:00Z" && acme.monthEnd == "2026-11-01T00:00:00Z")
        #expect(acme.allowedMs == 2_570_400)
        #expect(acme.usedMs == 3_600_000)
        #expect(acme.remainingMs == 2_570_400 - 3_600_000)
    }

    static let zone = LocalClock(TimeZone(identifier: "Europe/London")!)
    static func at(_ text: String) -> Int64 { Timestamp(rfc3339: text)!.milliseconds }
    static func site(target: Double = 99.9, down: [(String, String)], windows: [MaintenanceWindow] = []) -> ErrorBudget.SiteDowntime {
        ErrorBudget.SiteDowntime(site: "s", target: target, down: IntervalSet(down.map { (at($0.0), at($0.1)) }),
                                 calendar: MaintenanceCalendar(windows: windows, clock: zone))
    }

    /// Half an hour down in the last hour of a 720-hour month at 99.9 %: 43m 12s allowed; the hour's allowance is
    /// 3.6 s, so the 1 h burn rate is 1800 / 3.6 = 500 and the 6 h one 1800 / 21.6 = 83.333: both over 14.4 and 6,
    /// and at 83.333 the 13m 12s left go in 13m 12s x 720 h / (83.333 x 43m 12s) = 2.64 hours.
    @Test func fastBurnWarns() {
        let f = ErrorBudget.figure(client: "c", sites: [Self.site(down: [("2026-11-10T11:30:00Z", "2026-11-10T12:00:00Z")])],
                                   asOf: Self.at("2026-11-10T12:00:00Z"), clock: Self.zone)
        #expect(f.allowedMs == 2_592_000)
        #expect(f.usedMs == 1_800_000)
        #expect(f.burnRate1h == 500)
        #expect(f.burnRate6h == 83.333)
        #expect(f.warning)
        let exhausts = Timestamp(rfc3339: f.exhaustsAt ?? "")?.milliseconds ?? 0
        #expect(abs(exhausts - (Self.at("2026-11-10T12:00:00Z") + 9_504_000)) < 1_000, "\(f.exhaustsAt ?? "nil")")
    }

    /// The same half hour six hours ago: the 1 h window is clean, so no warning (the fast window resets quickly).
    @Test func anOldOutageNoLongerWarns() {
        let f = ErrorBudget.figure(client: "c", sites: [Self.site(down: [("2026-11-10T06:05:00Z", "2026-11-10T06:35:00Z")])],
                                   asOf: Self.at("2026-11-10T12:00:00Z"), clock: Self.zone)
        #expect(f.burnRate1h == 0)
        #expect(f.burnRate6h == 83.333)
        #expect(!f.warning)
    }

    /// A daily half-hour window takes 15 h out of the month and half the hour's allowance (1.8 s of 3.6 s).
    @Test func maintenanceShrinksTheAllowance() throws {
        let window = try #require(try? Config.parse(yaml: """
            timezone: UTC
            tiers: {t: {sla: 99.9}}
            sites:
              - id: s
                tier: t
                maintenance: [{name: m, daily: "11:00-11:30"}]
            """, file: "w.yaml").sites.first?.maintenance)
        let f = ErrorBudget.figure(client: "c", sites: [Self.site(down: [("2026-11-10T11:50:00Z", "2026-11-10T11:51:00Z")], windows: window)],
                                   asOf: Self.at("2026-11-10T12:00:00Z"), clock: LocalClock(TimeZone(identifier: "UTC")!))
        #expect(f.allowedMs == Int64((0.001 * Double(720 - 15) * 3_600_000).rounded()))
        #expect(f.burnRate1h == 33.333)
    }
}

/// The team board shows the same budgets, taken at the board's "now" (the newest event time read).
@Suite struct StatusBoardBudgetTests {
    @Test func boardListsEachClientsBudget() throws {
        let snapshot = try StatusSiteTests.snapshot()
        let budgets = try #require(snapshot.budgets)
        #expect(budgets.map(\.client) == ["ACME Ltd", "Globex Corp"])
        #expect(budgets[0].allowedMs == 690 * 3_600 && budgets[0].usedMs == 40 * 60_000)
        let board = StatusHTML.board(snapshot)
        #expect(board.contains("<h2>Error budgets, 2026-11</h2>"))
        #expect(board.contains(#"<tr data-budget="ACME Ltd"><td>ACME Ltd</td><td>99.900%</td><td>1m 24s</td><td>40m 00s of 41m 24s</td>"#))
    }
}
