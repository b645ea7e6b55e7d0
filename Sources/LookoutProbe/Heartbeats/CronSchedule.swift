import Foundation
import LookoutCore

/// CronSchedule is a five-field cron expression (`minute hour day-of-month month day-of-week`) read in a time zone,
/// as healthchecks.io and crontab(5) use it: `*`, lists `1,15`, ranges `1-5`, steps `*/10` and `8-18/2`, names
/// `mon`..`sun` and `jan`..`dec`, 7 for Sunday, and the shortcuts `@hourly`, `@daily`, `@weekly`, `@monthly`.
/// As in Vixie cron, when both day fields are restricted a day matches if either does.
public struct CronSchedule: Sendable, Equatable, CustomStringConvertible {
    public let expression: String
    let minutes: Set<Int>, hours: Set<Int>, days: Set<Int>, months: Set<Int>, weekdays: Set<Int>
    let daysRestricted: Bool, weekdaysRestricted: Bool

    public var description: String { expression }

    public init?(_ text: String) {
        let shortcuts = ["@hourly": "0 * * * *", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
                         "@weekly": "0 0 * * 0", "@monthly": "0 0 1 * *", "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *"]
        let expanded = shortcuts[text.lowercased()] ?? text
        let f = expanded.split(separator: " ", omittingEmptySubsequences: true).map { String($0).lowercased() }
        guard f.count == 5,
              let mi = CronSchedule.field(f[0], 0...59, [:]),
              let h = CronSchedule.field(f[1], 0...23, [:]),
              let d = CronSchedule.field(f[2], 1...31, [:]),
              let mo = CronSchedule.field(f[3], 1...12, ["jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
                                                         "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12]),
              var w = CronSchedule.field(f[4], 0...7, ["sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6])
        else { return nil }
        if w.remove(7) != nil { w.insert(0) }
        expression = text
        minutes = mi; hours = h; days = d; months = mo; weekdays = w
        daysRestricted = !f[2].hasPrefix("*")
        weekdaysRestricted = !f[4].hasPrefix("*")
    }

    static func field(_ text: String, _ range: ClosedRange<Int>, _ names: [String: Int]) -> Set<Int>? {
        var out = Set<Int>()
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let stepParts = part.split(separator: "/", omittingEmptySubsequences: false)
            guard stepParts.count <= 2 else { return nil }
            var step = 1
            if stepParts.count == 2 {
                guard let s = Int(stepParts[1]), s > 0 else { return nil }
                step = s
            }
            let base = String(stepParts[0])
            var lo: Int, hi: Int
            func value(_ s: Substring) -> Int? { Int(s) ?? names[String(s)] }
            if base == "*" {
                lo = range.lowerBound; hi = range.upperBound
            } else if let dash = base.firstIndex(of: "-") {
                guard let a = value(base[..<dash]), let b = value(base[base.index(after: dash)...]), a <= b else { return nil }
                lo = a; hi = b
            } else {
                guard let a = value(Substring(base)) else { return nil }
                lo = a; hi = stepParts.count == 2 ? range.upperBound : a
            }
            guard range.contains(lo), range.contains(hi) else { return nil }
            out.formUnion(stride(from: lo, through: hi, by: step))
        }
        return out.isEmpty ? nil : out
    }

    /// The first fire time strictly after `time`, in wall-clock terms of `zone`. A time skipped by a spring-forward
    /// change fires at the first instant after the gap; a repeated autumn hour fires once.
    public func next(after time: Timestamp, in zone: TimeZone) -> Timestamp? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let start = Date(timeIntervalSince1970: Double(time.milliseconds / 60_000 * 60_000 + 60_000) / 1000)
        var c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: start)
        // Walk day by day (at most about 4 years for 29 February), then hour and minute within a matching day.
        for _ in 0..<(366 * 5) {
            guard let y = c.year, let mo = c.month, let d = c.day else { return nil }
            if months.contains(mo), dayMatches(year: y, month: mo, day: d, calendar: calendar) {
                for h in hours.sorted() where h >= (c.hour ?? 0) {
                    for m in minutes.sorted() where h > (c.hour ?? 0) || m >= (c.minute ?? 0) {
                        var fire = DateComponents()
                        fire.year = y; fire.month = mo; fire.day = d; fire.hour = h; fire.minute = m
                        guard let date = calendar.date(from: fire) else { continue }
                        let ms = Int64((date.timeIntervalSince1970 * 1000).rounded())
                        if ms > time.milliseconds { return Timestamp(milliseconds: ms) }
                    }
                }
            }
            var nextDay = DateComponents()
            nextDay.year = y; nextDay.month = mo; nextDay.day = d; nextDay.hour = 12
            guard let noon = calendar.date(from: nextDay), let tomorrow = calendar.date(byAdding: .day, value: 1, to: noon) else { return nil }
            c = calendar.dateComponents([.year, .month, .day], from: tomorrow)
            c.hour = 0; c.minute = 0
        }
        return nil
    }

    private func dayMatches(year: Int, month: Int, day: Int, calendar: Calendar) -> Bool {
        var dc = DateComponents()
        dc.year = year; dc.month = month; dc.day = day; dc.hour = 12
        guard let date = calendar.date(from: dc) else { return false }
        let weekday = calendar.component(.weekday, from: date) - 1  // cron: 0 = Sunday
        let dom = days.contains(day), dow = weekdays.contains(weekday)
        switch (daysRestricted, weekdaysRestricted) {
        case (true, true): return dom || dow
        case (true, false): return dom
        case (false, true): return dow
        case (false, false): return true
        }
    }
}
