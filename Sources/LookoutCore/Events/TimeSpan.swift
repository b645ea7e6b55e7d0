/// TimeSpan is a span of event time in milliseconds, written in config as `30s`, `5m`, `1h30m`, `2d` or `250ms`.
public struct TimeSpan: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }
    public static func milliseconds(_ milliseconds: Int64) -> TimeSpan { TimeSpan(milliseconds: milliseconds) }
    public static func seconds(_ seconds: Int64) -> TimeSpan { TimeSpan(milliseconds: seconds * 1000) }
    public static func minutes(_ minutes: Int64) -> TimeSpan { TimeSpan(milliseconds: minutes * 60_000) }
    public static func hours(_ hours: Int64) -> TimeSpan { TimeSpan(milliseconds: hours * 3_600_000) }
    public static let zero = TimeSpan(milliseconds: 0)
    /// The longest span a config may give (366 days): no check, window, retry or report setting needs more.
    public static let maxConfigured = TimeSpan(milliseconds: 366 * 86_400_000)

    public static func < (lhs: TimeSpan, rhs: TimeSpan) -> Bool { lhs.milliseconds < rhs.milliseconds }
    public static func + (lhs: TimeSpan, rhs: TimeSpan) -> TimeSpan { .milliseconds(lhs.milliseconds + rhs.milliseconds) }
    public static func * (lhs: TimeSpan, rhs: Int64) -> TimeSpan { .milliseconds(lhs.milliseconds * rhs) }

    public var seconds: Double { Double(milliseconds) / 1000 }

    /// Parses `250ms`, `30s`, `5m`, `2h`, `1d` and combinations such as `1h30m`.
    public init?(parsing text: String) {
        var total: Int64 = 0
        var number: Int64? = nil
        var chars = Array(text.utf8)[...]
        guard !chars.isEmpty else { return nil }
        while let c = chars.first {
            if c >= 48 && c <= 57 {
                let (v, overflow) = (number ?? 0).multipliedReportingOverflow(by: 10)
                guard !overflow, v < Int64.max / 86_400_000 else { return nil }
                number = v + Int64(c - 48)
                chars.removeFirst()
                continue
            }
            guard let n = number else { return nil }
            let unit: Int64
            if chars.starts(with: "ms".utf8) { unit = 1; chars.removeFirst(2) } else {
                switch c {
                case UInt8(ascii: "s"): unit = 1000
                case UInt8(ascii: "m"): unit = 60_000
                case UInt8(ascii: "h"): unit = 3_600_000
                case UInt8(ascii: "d"): unit = 86_400_000
                default: return nil
                }
                chars.removeFirst()
            }
            // `106751991166d106751991166d`: each part fits, their sum does not. Overflow is no duration at all.
            let (part, multiplyOverflow) = n.multipliedReportingOverflow(by: unit)
            let (sum, addOverflow) = total.addingReportingOverflow(part)
            guard !multiplyOverflow, !addOverflow else { return nil }
            total = sum
            number = nil
        }
        guard number == nil else { return nil }  // a bare number has no unit: ambiguous, so refused
        self.milliseconds = total
    }

    /// The shortest exact spelling: `90s` prints as `1m30s`.
    public var description: String {
        var rest = milliseconds
        if rest == 0 { return "0s" }
        var out = rest < 0 ? "-" : ""
        rest = abs(rest)
        for (unit, name) in [(Int64(86_400_000), "d"), (3_600_000, "h"), (60_000, "m"), (1000, "s"), (1, "ms")] {
            if rest >= unit { out += "\(rest / unit)\(name)"; rest %= unit }
        }
        return out
    }
}
