/// Weekday, numbered as Foundation's Calendar does (Sunday = 1), written `mon`..`sun` in config.
public enum Weekday: Int, Sendable, CaseIterable, Comparable {
    case sunday = 1, monday, tuesday, wednesday, thursday, friday, saturday

    public static func < (lhs: Weekday, rhs: Weekday) -> Bool { lhs.rawValue < rhs.rawValue }

    static let names: [String: Weekday] = [
        "sun": .sunday, "mon": .monday, "tue": .tuesday, "wed": .wednesday, "thu": .thursday, "fri": .friday,
        "sat": .saturday, "sunday": .sunday, "monday": .monday, "tuesday": .tuesday, "wednesday": .wednesday,
        "thursday": .thursday, "friday": .friday, "saturday": .saturday,
    ]

    /// Parses `tue`, `mon,thu` or a range `mon-fri` (a range may wrap: `sat-sun`).
    static func parseSet(_ text: String) -> Set<Weekday>? {
        var out = Set<Weekday>()
        for part in text.lowercased().split(separator: ",") {
            let bounds = part.split(separator: "-").map { String($0) }
            guard let first = bounds.first.flatMap({ names[$0] }) else { return nil }
            if bounds.count == 1 { out.insert(first); continue }
            guard bounds.count == 2, let last = names[bounds[1]] else { return nil }
            var d = first
            while true {
                out.insert(d)
                if d == last { break }
                d = Weekday(rawValue: d.rawValue % 7 + 1)!
            }
        }
        return out.isEmpty ? nil : out
    }
}
