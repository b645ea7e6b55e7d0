import LookoutCore

/// ClassifySummary counts what a run decided, per tier: incidents opened by severity, blips absorbed and alerts
/// that fell in maintenance. `classify --summary` prints it, so a config change can be judged on last month's log.
public struct ClassifySummary: Sendable, Equatable {
    /// TierCounts are one tier's numbers.
    public struct TierCounts: Sendable, Equatable {
        public var opened: [Severity: Int] = [:]
        public var blips = 0
        /// Incidents opened inside a maintenance window (severity none while held).
        public var inMaintenance = 0
        /// Of those, how many were still down at the window's end and raised.
        public var raisedAfterWindow = 0
        public var openedTotal: Int { opened.values.reduce(0, +) }
    }

    public var tiers: [String: TierCounts] = [:]
    public var results = 0
    public var unknownResults = 0
    /// Results older than the out-of-order tolerance: written with the check's state, not used for decisions.
    public var lateResults = 0
    public var incidentLines = 0

    public init() {}

    mutating func count(_ action: ClassifierAction, tier: String) {
        switch action {
        case .blip: tiers[tier, default: TierCounts()].blips += 1
        case .incident(let c):
            incidentLines += 1
            switch c.event {
            case .opened:
                tiers[tier, default: TierCounts()].opened[c.severity, default: 0] += 1
                if c.maintenance != nil { tiers[tier, default: TierCounts()].inMaintenance += 1 }
            case .updated:
                if c.leftMaintenance { tiers[tier, default: TierCounts()].raisedAfterWindow += 1 }
            case .resolved: break
            }
        }
    }

    /// A fixed-width table, tiers sorted by name so the text is the same on every run.
    public func render() -> String {
        let severities: [Severity] = [.critical, .warning, .info, .none]
        var rows: [[String]] = [["tier", "opened"] + severities.map(\.rawValue) + ["blips", "in maintenance", "raised after window"]]
        var total = TierCounts()
        for name in tiers.keys.sorted() {
            let t = tiers[name]!
            rows.append([name, "\(t.openedTotal)"] + severities.map { "\(t.opened[$0] ?? 0)" }
                        + ["\(t.blips)", "\(t.inMaintenance)", "\(t.raisedAfterWindow)"])
            for (s, n) in t.opened { total.opened[s, default: 0] += n }
            total.blips += t.blips; total.inMaintenance += t.inMaintenance; total.raisedAfterWindow += t.raisedAfterWindow
        }
        rows.append(["total", "\(total.openedTotal)"] + severities.map { "\(total.opened[$0] ?? 0)" }
                    + ["\(total.blips)", "\(total.inMaintenance)", "\(total.raisedAfterWindow)"])
        let widths = (0..<rows[0].count).map { c in rows.map { $0[c].count }.max()! }
        var out = "classify summary: \(results) results, \(incidentLines) incident lines"
        if unknownResults > 0 { out += ", \(unknownResults) results of unknown checks" }
        if lateResults > 0 { out += ", \(lateResults) results too late to count" }
        out += "\n"
        for row in rows {
            out += row.enumerated().map { c, cell in
                c == 0 ? cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[c] - cell.count) + cell
            }.joined(separator: "  ") + "\n"
        }
        return out
    }
}
