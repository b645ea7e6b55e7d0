import Foundation
@testable import LookoutCore
@testable import LookoutProbe
import Testing

@Suite struct CronScheduleTests {
    static let london = TimeZone(identifier: "Europe/London")!
    static func t(_ s: String) -> Timestamp { Timestamp(rfc3339: s)! }

    @Test(arguments: [
        ("0 3 * * *", "2026-11-25T02:00:00Z", "2026-11-25T03:00:00Z"),
        ("0 3 * * *", "2026-11-25T03:00:00Z", "2026-11-26T03:00:00Z"),          // strictly after
        ("*/15 * * * *", "2026-11-25T08:07:30Z", "2026-11-25T08:15:00Z"),
        ("30 8-18/2 * * mon-fri", "2026-11-27T19:00:00Z", "2026-11-30T08:30:00Z"), // Friday evening to Monday
        ("0 0 1 * *", "2026-11-25T00:00:00Z", "2026-12-01T00:00:00Z"),
        ("0 12 29 feb *", "2026-03-01T00:00:00Z", "2028-02-29T12:00:00Z"),
        ("0 9 13 * fri", "2026-11-25T00:00:00Z", "2026-11-27T09:00:00Z"),       // either day field matches (Vixie)
        ("@weekly", "2026-11-25T00:00:00Z", "2026-11-29T00:00:00Z"),
        ("0 7 * * 7", "2026-11-25T00:00:00Z", "2026-11-29T07:00:00Z"),          // 7 is Sunday too
    ])
    func nextFireInUTC(expression: String, after: String, expected: String) throws {
        let cron = try #require(CronSchedule(expression))
        #expect(cron.next(after: CronScheduleTests.t(after), in: TimeZone(identifier: "UTC")!) == CronScheduleTests.t(expected))
    }

    @Test(arguments: [
        // 03:00 London is 03:00Z in winter and 02:00Z in summer.
        ("2026-03-28T12:00:00Z", "2026-03-29T02:00:00Z"),
        // 01:30 does not exist on 29 March 2026 (clocks jump 01:00 -> 02:00): fire at the first instant after.
        ("2026-10-24T12:00:00Z", "2026-10-25T03:00:00Z"),
    ])
    func followsDaylightSaving(after: String, expected: String) throws {
        let cron = try #require(CronSchedule("0 3 * * *"))
        #expect(cron.next(after: CronScheduleTests.t(after), in: CronScheduleTests.london) == CronScheduleTests.t(expected))
    }

    @Test(arguments: ["", "* * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * * 13 *", "* * * * 8", "*/0 * * * *",
                      "5-1 * * * *", "a * * * *"])
    func refusesInvalidExpressions(expression: String) {
        #expect(CronSchedule(expression) == nil)
    }
}
