import Foundation

/// LocalTime is a wall-clock time of day, `HH:MM`, in some site's time zone.
public struct LocalTime: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Minutes since midnight, 0...1440 (24:00 is allowed as an end).
    public var minutes: Int

    public init(minutes: Int) { self.minutes = minutes }
    public init(hour: Int, minute: Int) { self.minutes = hour * 60 + minute }

    public static func < (lhs: LocalTime, rhs: LocalTime) -> Bool { lhs.minutes < rhs.minutes }

    public var description: String {
        let h = minutes / 60, m = minutes % 60
        return (h < 10 ? "0\(h)" : "\(h)") + ":" + (m < 10 ? "0\(m)" : "\(m)")
    }

    public init?(parsing text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2, let h = Int(parts[0]), let m = Int(parts[1]),
              (0...24).contains(h), (0..<60).contains(m), h * 60 + m <= 1440 else { return nil }
        self.minutes = h * 60 + m
    }

    static func parse(_ node: ConfigNode) throws -> LocalTime {
        let text = try node.scalarText()
        // YAML 1.1 reads an unquoted 07:00 as the base-60 number 420; accept that spelling too.
        if let t = LocalTime(parsing: text) { return t }
        if let n = Int(text), (0...1440).contains(n), node.node.scalar?.style == .plain { return LocalTime(minutes: n) }
        throw node.error("\(node.path) must be a time of day such as \"07:00\"")
    }
}

/// LocalTimeRange is `HH:MM-HH:MM` within one day: start inclusive, end exclusive.
public struct LocalTimeRange: Sendable, Hashable, CustomStringConvertible {
    public var start: LocalTime
    public var end: LocalTime

    public var description: String { "\(start)-\(end)" }

    public init(start: LocalTime, end: LocalTime) { self.start = start; self.end = end }

    public init?(parsing text: String) {
        let parts = text.split(separator: "-")
        guard parts.count == 2,
              let s = LocalTime(parsing: parts[0].trimmingCharacters(in: .whitespaces)),
              let e = LocalTime(parsing: parts[1].trimmingCharacters(in: .whitespaces)) else { return nil }
        self.start = s
        self.end = e
    }
}
