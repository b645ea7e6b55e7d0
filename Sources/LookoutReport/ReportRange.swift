import Foundation
import LookoutCore

/// ReportRange is the span a report covers, `[from, to)` in event time, and how to label it.
public struct ReportRange: Sendable, Equatable {
    public var from: Timestamp
    public var to: Timestamp
    /// `2026-11-25` for a day, `2026-11-01 to 2026-11-30` for longer ranges.
    public var label: String
    /// True for one local calendar day (`--day`): times print without a date.
    public var isSingleDay: Bool

    public init(from: Timestamp, to: Timestamp, label: String, isSingleDay: Bool) {
        self.from = from; self.to = to; self.label = label; self.isSingleDay = isSingleDay
    }

    public var length: Int64 { to.milliseconds - from.milliseconds }

    /// One local calendar day: 23, 24 or 25 hours long across a daylight-saving change.
    public static func day(_ text: String, clock: LocalClock) throws(ReportRangeError) -> ReportRange {
        let day = try localDay(text, clock: clock)
        return ReportRange(from: day.start, to: day.end, label: day.label, isSingleDay: true)
    }

    /// `--from` / `--to`: a date means that local day's start for `from` and its end for `to` (so `--to` a date is
    /// inclusive); an RFC 3339 instant is used as is (`to` exclusive).
    public static func between(from: String, to: String, clock: LocalClock) throws(ReportRangeError) -> ReportRange {
        let start: Timestamp, end: Timestamp
        var fromLabel = from, toLabel = to
        if let t = Timestamp(rfc3339: from) { start = t } else {
            let d = try localDay(from, clock: clock)
            start = d.start; fromLabel = d.label
        }
        if let t = Timestamp(rfc3339: to) { end = t } else {
            let d = try localDay(to, clock: clock)
            end = d.end; toLabel = d.label
        }
        guard start < end else { throw ReportRangeError(message: "--from \(from) must be before --to \(to)") }
        let single = fromLabel == toLabel
        return ReportRange(from: start, to: end, label: single ? fromLabel : "\(fromLabel) to \(toLabel)", isSingleDay: single)
    }

    static func localDay(_ text: String, clock: LocalClock) throws(ReportRangeError) -> LocalDay {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
              (1...12).contains(m), d >= 1, d <= Timestamp.daysIn(month: m, year: y),
              let noon = clock.instant(year: y, month: m, day: d, minutes: 12 * 60)
        else { throw ReportRangeError(message: "\"\(text)\" is not a date such as 2026-11-25 or an RFC 3339 time") }
        return clock.day(containing: noon)
    }
}

/// ReportRangeError is a `--day`, `--from` or `--to` value that cannot be read (exit 64).
public struct ReportRangeError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
