import Foundation
@testable import LookoutCore
import Testing

/// Window arithmetic: start inclusive, end exclusive, wall-clock times in the site's zone across daylight saving.
@Suite struct MaintenanceCalendarTests {
    static let london = TimeZone(identifier: "Europe/London")!

    static func calendar(_ windows: [MaintenanceWindow], zone: TimeZone = london) -> MaintenanceCalendar {
        MaintenanceCalendar(windows: windows, clock: LocalClock(zone))
    }

    static func range(_ text: String) -> LocalTimeRange { LocalTimeRange(parsing: text)! }

    static func t(_ s: String) -> Timestamp { Timestamp(rfc3339: s)! }

    static let daily = MaintenanceWindow(name: "morning", schedule: .daily(range("08:00-09:00")))
    static let weekly = MaintenanceWindow(name: "patching", schedule: .weekly([.tuesday], range("07:00-09:00")))
    static let weekdays = MaintenanceWindow(name: "weekdays", schedule: .weekly(Weekday.parseSet("mon-fri")!, range("07:00-07:30")))
    static let oneOff = MaintenanceWindow(name: "migration", schedule: .oneOff(from: t("2026-12-01T20:00:00Z"), to: t("2026-12-02T02:00:00Z")))
    static let night = MaintenanceWindow(name: "night", schedule: .daily(range("01:00-03:00")))

    @Test(arguments: [
        // November: London is on GMT, so local = UTC.
        ("2026-11-24T07:59:59.999Z", nil),
        ("2026-11-24T08:00:00Z", "morning"),  // start inclusive
        ("2026-11-24T08:59:59.999Z", "morning"),
        ("2026-11-24T09:00:00Z", nil),  // end exclusive
        // July: BST, so 08:00 local is 07:00 UTC.
        ("2026-07-14T06:59:59Z", nil),
        ("2026-07-14T07:00:00Z", "morning"),
        ("2026-07-14T07:59:59Z", "morning"),
        ("2026-07-14T08:00:00Z", nil),
        // The Saturday before the autumn change is still BST; the Sunday of the change is GMT by 08:00.
        ("2026-10-24T07:30:00Z", "morning"),
        ("2026-10-25T07:30:00Z", nil),
        ("2026-10-25T08:30:00Z", "morning"),
        // The spring change (29 March 2026): GMT the Saturday, BST the Sunday.
        ("2026-03-28T08:30:00Z", "morning"),
        ("2026-03-29T07:30:00Z", "morning"),
        ("2026-03-29T08:30:00Z", nil),
    ] as [(String, String?)])
    func dailyWindow(_ at: String, _ expected: String?) {
        #expect(Self.calendar([Self.daily]).active(at: Self.t(at))?.name == expected)
    }

    @Test(arguments: [
        ("2026-11-24T07:00:00Z", "patching"),  // a Tuesday
        ("2026-11-24T08:59:59Z", "patching"),
        ("2026-11-24T09:00:00Z", nil),
        ("2026-11-25T08:00:00Z", nil),  // Wednesday
        ("2026-11-17T08:00:00Z", "patching"),  // the Tuesday before
        ("2026-11-23T06:59:59Z", nil),
    ] as [(String, String?)])
    func weeklyWindow(_ at: String, _ expected: String?) {
        #expect(Self.calendar([Self.weekly]).active(at: Self.t(at))?.name == expected)
    }

    @Test(arguments: [
        ("2026-11-23T07:10:00Z", "weekdays"),  // Monday
        ("2026-11-27T07:10:00Z", "weekdays"),  // Friday
        ("2026-11-28T07:10:00Z", nil),  // Saturday
        ("2026-11-29T07:10:00Z", nil),  // Sunday
    ] as [(String, String?)])
    func weekdayRange(_ at: String, _ expected: String?) {
        #expect(Self.calendar([Self.weekdays]).active(at: Self.t(at))?.name == expected)
    }

    @Test(arguments: [
        ("2026-12-01T19:59:59Z", nil),
        ("2026-12-01T20:00:00Z", "migration"),
        ("2026-12-01T23:59:59Z", "migration"),
        ("2026-12-02T00:00:00Z", "migration"),  // crosses midnight into the next local day
        ("2026-12-02T01:59:59.999Z", "migration"),
        ("2026-12-02T02:00:00Z", nil),
    ] as [(String, String?)])
    func oneOffWindow(_ at: String, _ expected: String?) {
        #expect(Self.calendar([Self.oneOff]).active(at: Self.t(at))?.name == expected)
    }

    /// On a 23-hour day the skipped hour 01:00-02:00 does not exist: 01:00-03:00 local is one real hour.
    @Test func springForwardDay() {
        let cal = Self.calendar([Self.night])
        let o = cal.occurrences(on: Self.t("2026-03-29T12:00:00Z"))
        #expect(o.count == 1)
        #expect(o.first?.start == Self.t("2026-03-29T01:00:00Z"))
        #expect(o.first?.end == Self.t("2026-03-29T02:00:00Z"))
        #expect(cal.active(at: Self.t("2026-03-29T00:59:59Z")) == nil)
        #expect(cal.active(at: Self.t("2026-03-29T01:30:00Z"))?.name == "night")
        #expect(cal.active(at: Self.t("2026-03-29T02:00:00Z")) == nil)
    }

    /// On a 25-hour day 01:00-02:00 happens twice: the window starts at the first 01:00 (BST) and ends at 03:00 GMT.
    @Test func fallBackDay() {
        let cal = Self.calendar([Self.night])
        let o = cal.occurrences(on: Self.t("2026-10-25T12:00:00Z"))
        #expect(o.first?.start == Self.t("2026-10-25T00:00:00Z"))
        #expect(o.first?.end == Self.t("2026-10-25T03:00:00Z"))
        #expect(cal.active(at: Self.t("2026-10-25T02:30:00Z"))?.name == "night")
        #expect(cal.active(at: Self.t("2026-10-25T03:00:00Z")) == nil)
    }

    @Test(arguments: [
        ("2026-03-29T12:00:00Z", 23),
        ("2026-10-25T12:00:00Z", 25),
        ("2026-11-24T12:00:00Z", 24),
        ("2026-07-14T12:00:00Z", 24),
    ])
    func localDayLengths(_ at: String, _ hours: Int) {
        let day = LocalClock(Self.london).day(containing: Self.t(at))
        #expect(day.end.milliseconds - day.start.milliseconds == Int64(hours) * 3_600_000)
    }

    /// The per-day cache must not leak a day's windows into another when results go back in time.
    @Test func cacheFollowsTheDayAsked() {
        let cal = Self.calendar([Self.weekly])
        #expect(cal.active(at: Self.t("2026-11-24T08:00:00Z"))?.name == "patching")
        #expect(cal.active(at: Self.t("2026-11-25T08:00:00Z")) == nil)
        #expect(cal.active(at: Self.t("2026-11-24T08:30:00Z"))?.name == "patching")
    }

    @Test func overlappingWindowsPreferTheOneEndingLast() {
        let long = MaintenanceWindow(name: "long", schedule: .daily(Self.range("08:00-09:30")))
        let cal = Self.calendar([Self.daily, long])
        #expect(cal.active(at: Self.t("2026-11-24T08:30:00Z"))?.name == "long")
        #expect(cal.active(at: Self.t("2026-11-24T08:30:00Z"))?.end == Self.t("2026-11-24T09:30:00Z"))
    }

    @Test func otherZone() {
        let ny = TimeZone(identifier: "America/New_York")!
        let cal = Self.calendar([Self.daily], zone: ny)
        // 08:00 EST is 13:00 UTC in November.
        #expect(cal.active(at: Self.t("2026-11-24T13:00:00Z"))?.name == "morning")
        #expect(cal.active(at: Self.t("2026-11-24T08:00:00Z")) == nil)
    }

    /// `active(at:)` keeps its last answer for as long as no occurrence starts or ends: asked in time order, backwards
    /// and at random across days, overlapping windows and the clock changes, it must answer what a calendar asked
    /// once answers.
    @Test func theRememberedAnswerIsAlwaysTheFreshOne() {
        let windows = [Self.daily, Self.weekly, Self.weekdays, Self.oneOff, Self.night,
                       MaintenanceWindow(name: "overlap", schedule: .daily(Self.range("08:30-10:00")))]
        let start = Self.t("2026-10-23T00:00:00Z").milliseconds, span: Int64 = 12 * 86_400_000
        var times = stride(from: start, to: start + span, by: 97_000).map { Timestamp(milliseconds: $0) }
        var rng = SystemRandomNumberGenerator()
        times += times.reversed() + (0..<3_000).map { _ in Timestamp(milliseconds: start + Int64.random(in: 0..<span, using: &rng)) }
        times += [Self.t("2026-12-01T19:59:59.999Z"), Self.t("2026-12-01T20:00:00Z"), Self.t("2026-12-02T01:59:59.999Z"), Self.t("2026-12-02T02:00:00Z")]
        let remembering = Self.calendar(windows)
        var wrong: [String] = []
        for time in times {
            let fresh = Self.calendar(windows).active(at: time)
            if remembering.active(at: time) != fresh { wrong.append(time.rfc3339) }
        }
        #expect(wrong.isEmpty, "\(wrong.count) wrong answers, first at \(wrong.prefix(3))")
    }
}
