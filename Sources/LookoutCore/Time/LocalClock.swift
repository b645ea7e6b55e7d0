import Foundation

/// LocalClock converts between instants and wall-clock dates in one time zone, using Foundation's tzdata so that
/// daylight-saving changes are right.
public struct LocalClock: Sendable {
    public let zone: TimeZone
    private let calendar: Calendar

    public init(_ zone: TimeZone) {
        self.zone = zone
        var c = Calendar(identifier: .gregorian)
        c.timeZone = zone
        calendar = c
    }

    /// The instant of a local wall-clock time. A time skipped by a spring-forward change maps to the first instant
    /// after the gap; a repeated autumn hour maps to its first occurrence.
    public func instant(year: Int, month: Int, day: Int, minutes: Int) -> Timestamp? {
        var c = DateComponents()
        c.year = year; c.month = month; c.day = day
        c.hour = minutes / 60; c.minute = minutes % 60
        if minutes == 1440 {  // 24:00 is the next midnight
            guard let midnight = instant(year: year, month: month, day: day, minutes: 0),
                  let next = calendar.date(byAdding: .day, value: 1, to: Date(timeIntervalSince1970: Double(midnight.milliseconds) / 1000))
            else { return nil }
            return Timestamp(milliseconds: Int64(next.timeIntervalSince1970 * 1000))
        }
        guard let date = calendar.date(from: c) else { return nil }
        return Timestamp(milliseconds: Int64((date.timeIntervalSince1970 * 1000).rounded()))
    }

    /// The local calendar day holding `time`, with its weekday and the instants where it starts and ends.
    public func day(containing time: Timestamp) -> LocalDay {
        let date = Date(timeIntervalSince1970: Double(time.milliseconds) / 1000)
        let c = calendar.dateComponents([.year, .month, .day, .weekday], from: date)
        let start = calendar.startOfDay(for: date)
        let end = calendar.date(byAdding: .day, value: 1, to: start)!
        return LocalDay(year: c.year!, month: c.month!, day: c.day!, weekday: Weekday(rawValue: c.weekday!)!,
                        start: Timestamp(milliseconds: Int64(start.timeIntervalSince1970 * 1000)),
                        end: Timestamp(milliseconds: Int64(end.timeIntervalSince1970 * 1000)))
    }
}

/// LocalDay is one calendar day in a zone: 23, 24 or 25 hours long.
public struct LocalDay: Sendable, Equatable {
    public var year: Int, month: Int, day: Int
    public var weekday: Weekday
    public var start: Timestamp, end: Timestamp

    /// `YYYY-MM-DD`.
    public var label: String {
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(year)-\(two(month))-\(two(day))"
    }
}
