/// Severity says how loudly an incident is announced: `critical` wakes someone, `none` only reaches the report.
public enum Severity: String, Sendable, Comparable, CaseIterable, Codable {
    case none, info, warning, critical

    var rank: Int { Severity.allCases.firstIndex(of: self)! }
    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }

    static func parse(_ node: ConfigNode) throws -> Severity {
        let text = try node.string()
        guard let s = Severity(rawValue: text) else {
            throw node.error("\(node.path) must be one of critical, warning, info, none (got \"\(text)\")")
        }
        return s
    }
}
