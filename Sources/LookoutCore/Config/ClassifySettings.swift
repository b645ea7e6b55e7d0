/// ClassifySettings holds the `classify:` section: how flapping, multi-location quorum, reminders and late results
/// are handled (docs/config.md, docs/classify.md).
public struct ClassifySettings: Sendable, Equatable {
    /// FlappingRule is Nagios/Icinga flap detection: weighted state changes over the last `window` results; flapping
    /// starts at or above `high` percent and stops below `low` percent.
    public struct FlappingRule: Sendable, Equatable {
        public var window = 21
        public var high = 30.0
        public var low = 25.0
        /// Whether a flapping incident takes the tier's `outage` or `degraded` severity.
        public var severity: SeverityPolicy = .outage
        public init() {}
    }

    /// SeverityPolicy names which of a tier's two severities applies.
    public enum SeverityPolicy: String, Sendable, Equatable { case outage, degraded }

    /// Quorum is how many reporting locations must fail before an outage is confirmed.
    public enum Quorum: Sendable, Equatable {
        /// More than half of the locations that reported in the last two intervals.
        case majority
        /// At least this many locations (or all of them, when fewer report).
        case atLeast(Int)

        public func needed(reporting: Int) -> Int {
            switch self {
            case .majority: reporting / 2 + 1
            case .atLeast(let n): Swift.max(1, Swift.min(n, reporting))
            }
        }
    }

    public var flapping = FlappingRule()
    public var quorum: Quorum = .majority
    /// Repeat an `updated` line for an alerting incident this often while it stays open; nil: never.
    public var reminder: TimeSpan? = nil
    /// A result older than the newest one seen for its check by at most this much still counts; an older one is
    /// annotated with the check's current state but changes nothing.
    public var outOfOrder: TimeSpan = .seconds(60)
    /// The longest silence or on-demand maintenance window a control line may ask for; a longer one is refused.
    public var maxControlDuration: TimeSpan = .hours(24 * 7)

    /// The burn rates over the last hour and the last six hours at or above which (both) a client's error-budget
    /// warning opens, if the budget then runs out before the month ends. Top-level `classify:` only: a budget is a
    /// client's, not a check's.
    public var budgetWarning = BudgetWarningThresholds()

    public struct BudgetWarningThresholds: Sendable, Equatable {
        /// The SRE workbook's two windows for a 30-day budget: 2 % of it spent within an hour, 5 % within six hours.
        public var burn1h = 14.4
        public var burn6h = 6.0
        public init() {}
        static let keys: Set<String> = ["burn_1h", "burn_6h"]
    }

    static let keys: Set<String> = ["flapping", "quorum", "reminder", "out_of_order", "max_control_duration", "budget_warning"]

    public init() {}

    /// Reads a `classify:` mapping; keys it leaves out keep their value in `base` (a check's section starts from the
    /// top-level one).
    init(node: ConfigNode, base: ClassifySettings? = nil) throws {
        self = base ?? ClassifySettings()
        let m = try node.mapping(allowing: ClassifySettings.keys)
        if let b = m["budget_warning"] {
            guard base == nil else { throw b.error("\(b.path): budget warnings are set in the top-level classify: section (a budget is a client's, not a check's)") }
            let bm = try b.mapping(allowing: BudgetWarningThresholds.keys)
            for (key, path) in [("burn_1h", \BudgetWarningThresholds.burn1h), ("burn_6h", \BudgetWarningThresholds.burn6h)] {
                guard let n = bm[key] else { continue }
                let rate = try n.double()
                guard rate >= 1, rate <= 1000 else { throw n.error("\(n.path) must be between 1 and 1000 (a burn rate of 1 spends the budget exactly by the month's end)") }
                budgetWarning[keyPath: path] = rate
            }
        }
        if let f = m["flapping"] { flapping = try ClassifySettings.parseFlapping(f, base: flapping) }
        if let q = m["quorum"] { quorum = try ClassifySettings.parseQuorum(q) }
        if let r = m["reminder"] {
            let text = try r.scalarText()
            if text == "off" || text == "false" { reminder = nil } else {
                let span = try r.duration()
                reminder = span.milliseconds > 0 ? span : nil
            }
        }
        if let o = m["out_of_order"] { outOfOrder = try o.duration() }
        if let d = m["max_control_duration"] {
            maxControlDuration = try d.duration()
            guard maxControlDuration >= .minutes(1), maxControlDuration <= .hours(24 * 90) else {
                throw d.error("\(d.path) must be between 1m and 90d")
            }
        }
    }

    static func parseFlapping(_ node: ConfigNode, base: FlappingRule) throws -> FlappingRule {
        let m = try node.mapping(allowing: ["window", "high", "low", "severity"])
        var rule = base
        if let w = m["window"] {
            rule.window = try w.int()
            guard (3...64).contains(rule.window) else { throw w.error("\(w.path) must be between 3 and 64 results") }
        }
        if let h = m["high"] { rule.high = try percent(h) }
        if let l = m["low"] { rule.low = try percent(l) }
        guard rule.low <= rule.high else {
            throw node.error("\(node.path): low (\(rule.low)) must not exceed high (\(rule.high)), or flapping never stops")
        }
        if let s = m["severity"] {
            let text = try s.string()
            guard let p = SeverityPolicy(rawValue: text) else {
                throw s.error("\(s.path) must be outage or degraded (got \"\(text)\")")
            }
            rule.severity = p
        }
        return rule
    }

    static func percent(_ node: ConfigNode) throws -> Double {
        let v = try node.double()
        guard v > 0, v <= 100 else { throw node.error("\(node.path) must be a percentage above 0 and at most 100") }
        return v
    }

    static func parseQuorum(_ node: ConfigNode) throws -> Quorum {
        let text = try node.scalarText()
        if text == "majority" { return .majority }
        guard let n = Int(text), (1...ConfigBounds.maxCount).contains(n) else {
            throw node.error("\(node.path) must be majority or a number of locations from 1 to \(ConfigBounds.maxCount) (got \"\(text)\")")
        }
        return .atLeast(n)
    }
}
