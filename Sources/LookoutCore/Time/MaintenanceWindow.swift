import Foundation

/// MaintenanceWindow is agreed time when a site may be down: daily, weekly, or a one-off range for unplanned work.
/// Recurring windows are wall-clock times in the site's zone, start inclusive and end exclusive.
public struct MaintenanceWindow: Sendable, Equatable {
    public enum Schedule: Sendable, Equatable {
        case daily(LocalTimeRange)
        case weekly(Set<Weekday>, LocalTimeRange)
        case oneOff(from: Timestamp, to: Timestamp)
    }

    public var name: String
    public var schedule: Schedule
    public var file: String
    public var line: Int

    public init(name: String, schedule: Schedule, file: String = "", line: Int = 0) {
        self.name = name
        self.schedule = schedule
        self.file = file
        self.line = line
    }

    /// The time-of-day range of a recurring window.
    public var recurringRange: LocalTimeRange? {
        switch schedule {
        case .daily(let r), .weekly(_, let r): r
        case .oneOff: nil
        }
    }

    static func parse(_ node: ConfigNode, timeZone: TimeZone) throws -> MaintenanceWindow {
        let m = try node.mapping(allowing: ["name", "daily", "weekly", "from", "to"])
        let name = try m.required("name").string()
        let kinds = ["daily", "weekly", "from"].filter { m.has($0) }
        guard kinds.count == 1 else {
            throw node.error("window \"\(name)\" needs exactly one of daily: \"HH:MM-HH:MM\", weekly: \"tue HH:MM-HH:MM\" or from:/to:")
        }
        func range(_ n: ConfigNode, _ text: String) throws -> LocalTimeRange {
            guard let r = LocalTimeRange(parsing: text) else {
                throw n.error("window \"\(name)\" needs a time range such as \"08:00-09:00\" (got \"\(text)\")")
            }
            guard r.start < r.end else { throw n.error("window \"\(name)\" must end after it starts (\(text))") }
            return r
        }
        let schedule: Schedule
        if let d = m["daily"] {
            schedule = .daily(try range(d, try d.string()))
        } else if let w = m["weekly"] {
            let text = try w.string()
            let parts = text.split(separator: " ", maxSplits: 1).map(String.init)
            guard parts.count == 2, let days = Weekday.parseSet(parts[0]) else {
                throw w.error("window \"\(name)\" needs days and a range such as \"tue 07:00-09:00\" or \"mon-fri 07:00-08:00\" (got \"\(text)\")")
            }
            schedule = .weekly(days, try range(w, parts[1]))
        } else {
            let fromNode = try m.required("from"), toNode = try m.required("to")
            let from = try localInstant(fromNode, timeZone), to = try localInstant(toNode, timeZone)
            guard from < to else { throw toNode.error("window \"\(name)\" must end after it starts") }
            schedule = .oneOff(from: from, to: to)
        }
        return MaintenanceWindow(name: name, schedule: schedule, file: node.file, line: node.line)
    }

    /// An RFC 3339 instant, or a local `YYYY-MM-DDTHH:MM[:SS]` read in the site's zone.
    static func localInstant(_ node: ConfigNode, _ zone: TimeZone) throws -> Timestamp {
        let text = try node.scalarText()
        if let t = Timestamp(rfc3339: text) { return t }
        let normalized = text.replacingOccurrences(of: " ", with: "T")
        let parts = normalized.split(separator: "T")
        if parts.count == 2, let date = parseDate(String(parts[0])) {
            let time = parts[1].split(separator: ":").compactMap { Int($0) }
            if time.count >= 2, time.count <= 3, (0...23).contains(time[0]), (0...59).contains(time[1]),
               time.count == 2 || (0...59).contains(time[2]), let instant = LocalClock(zone).instant(
                year: date.0, month: date.1, day: date.2, minutes: time[0] * 60 + time[1]) {
                return instant + .seconds(Int64(time.count == 3 ? time[2] : 0))
            }
        }
        throw node.error("\(node.path) must be a date-time such as \"2026-12-01T20:00\" (site time) or \"2026-12-01T20:00:00Z\"")
    }

    static func parseDate(_ s: String) -> (Int, Int, Int)? {
        let p = s.split(separator: "-").compactMap { Int($0) }
        // A day the month does not have (2026-02-30) is refused, not rolled over into the next month.
        guard p.count == 3, (1970...9999).contains(p[0]), (1...12).contains(p[1]) else { return nil }
        let leap = p[0] % 4 == 0 && (p[0] % 100 != 0 || p[0] % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][p[1] - 1]
        guard (1...days).contains(p[2]) else { return nil }
        return (p[0], p[1], p[2])
    }
}
