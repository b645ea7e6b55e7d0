import Foundation

/// ErrorBudget is a client's SLA error budget for the month (docs/report.md, "Error budgets"), computed the same way
/// by the report, the status site and classify: pure functions of the config, the sites' down time (attributed as
/// the report attributes it, `SpanAttribution`) and an event time, never the wall clock.
///
/// - allowed: for each of the client's sites with a target, (1 - sla) x (the local month's length - the site's
///   agreed maintenance in the month, from its windows), summed.
/// - used: the sites' down time outside maintenance since the month's start (a site is down when any check is).
/// - burn rate over a window (1 h, 6 h) ending at the event time: the window's down time over the window's allowed
///   down time, so 1 spends the budget exactly by the month's end (Google's SRE workbook).
public enum ErrorBudget {
    /// The burn-rate windows: a fast one that notices quickly and resets quickly, a slow one that ignores a blip.
    public static let shortWindowMs: Int64 = 3_600_000
    public static let longWindowMs: Int64 = 6 * 3_600_000

    /// SiteDowntime is one site's part of a client's budget.
    public struct SiteDowntime {
        public var site: String
        public var target: Double
        /// Down outside maintenance, covering at least `[min(month start, asOf - 6 h), asOf)`.
        public var down: IntervalSet
        /// The site's agreed maintenance windows, to take out of the allowed time.
        public var calendar: MaintenanceCalendar
        /// The month's agreed maintenance, when the caller already knows it (classify computes it once a month).
        public var monthMaintenanceMs: Int64?
        public init(site: String, target: Double, down: IntervalSet, calendar: MaintenanceCalendar, monthMaintenanceMs: Int64? = nil) {
            self.site = site; self.target = target; self.down = down; self.calendar = calendar
            self.monthMaintenanceMs = monthMaintenanceMs
        }
    }

    /// A site's down time from its checks' spans, as `used` counts it: down while any check is, outside every
    /// maintenance time of any check. Classify's budget watch and the report both take it from here, so they agree.
    public static func siteDown(_ checks: [SpanAttribution]) -> IntervalSet {
        IntervalSet.union(checks.map(\.down)).subtracting(IntervalSet.union(checks.map(\.maintenance)))
    }

    /// Figure is one client's budget at an instant; its JSON is the report's `budgets` entries.
    public struct Figure: Codable, Sendable, Equatable {
        public var client: String
        /// The strictest target among the client's sites.
        public var target: Double
        public var sites: [String]
        /// `2026-11`, in the config's zone.
        public var month: String
        public var monthStart: String
        public var monthEnd: String
        /// The event time the figures are taken at.
        public var asOf: String
        public var allowedMs: Int64
        public var usedMs: Int64
        /// Allowed minus used: negative once the budget is spent.
        public var remainingMs: Int64
        /// nil for a 100 % target (no budget to burn) or a window wholly inside maintenance.
        public var burnRate1h: Double?
        public var burnRate6h: Double?
        /// When the budget runs out at the slower of the two burn rates, if that is before the month ends.
        public var exhaustsAt: String?
        /// Both windows burn over their thresholds (14.4 and 6) and the budget runs out before the month ends (or
        /// already has): what opens classify's budget warning.
        public var warning: Bool

        enum CodingKeys: String, CodingKey {
            case client, target, sites, month, monthStart, monthEnd, asOf, allowedMs, usedMs, remainingMs
            // Spelled out so a snake_case encoder writes burn_rate_1h, not burn_rate1h.
            case burnRate1h = "burn_rate_1h", burnRate6h = "burn_rate_6h"
            case exhaustsAt, warning
        }

        /// Percent of the allowed downtime used (0 with nothing allowed and nothing used).
        public var usedShare: Double? { allowedMs > 0 ? Double(usedMs) * 100 / Double(allowedMs) : nil }
    }

    /// Every client with at least one site that has an SLA target, in config order, with its strictest target.
    public static func clients(in config: Config) -> [(client: String, target: Double)] {
        var order: [String] = []
        var targets: [String: Double] = [:]
        for site in config.sites {
            guard let t = config.tier(named: site.tier)?.sla else { continue }
            let key = site.clientKey
            if targets[key] == nil { order.append(key) }
            targets[key] = max(targets[key] ?? 0, t)
        }
        return order.map { ($0, targets[$0]!) }
    }

    /// Each client's sites that have a target, with the target, in config order: one pass over the sites for all
    /// clients (asked client by client, classify's start and every report went over every site once per client).
    public static func sitesByClient(in config: Config) -> [String: [(site: Site, target: Double)]] {
        var byClient: [String: [(site: Site, target: Double)]] = [:]
        for site in config.sites {
            guard let t = config.tier(named: site.tier)?.sla else { continue }
            byClient[site.clientKey, default: []].append((site, t))
        }
        return byClient
    }

    /// `99.9`, `99.95`, `100`: a target as people write it.
    public static func format(_ target: Double) -> String {
        target == target.rounded() ? String(Int(target)) : String(target)
    }

    /// The local month holding `time`: `[start, end)` and its label. A month with a daylight-saving change is an hour
    /// shorter or longer (October 2026 in London is 745 h: the clocks go back).
    public static func month(containing time: Int64, clock: LocalClock) -> (start: Int64, end: Int64, label: String) {
        let day = clock.day(containing: Timestamp(milliseconds: time))
        let next = day.month == 12 ? (day.year + 1, 1) : (day.year, day.month + 1)
        let start = clock.instant(year: day.year, month: day.month, day: 1, minutes: 0)?.milliseconds ?? time
        let end = clock.instant(year: next.0, month: next.1, day: 1, minutes: 0)?.milliseconds ?? time
        return (start, end, String(day.label.prefix(7)))
    }

    /// The agreed maintenance of a site in `[from, to)`, from its windows (not from what results said).
    public static func maintenance(_ calendar: MaintenanceCalendar, from: Int64, to: Int64) -> IntervalSet {
        var out = IntervalSet()
        guard !calendar.windows.isEmpty, from < to else { return out }
        var t = from
        var seen = 0
        while t < to, seen < 400 {
            var next = t
            for o in calendar.occurrences(on: Timestamp(milliseconds: t)) {
                out.add(max(o.start.milliseconds, from), min(o.end.milliseconds, to))
            }
            // The next local day: occurrences() caches the day it computed, whose end is where the next one starts.
            next = calendar.dayEnd(containing: Timestamp(milliseconds: t)).milliseconds
            t = max(next, t + 1)
            seen += 1
        }
        return out
    }

    /// The client's budget at `asOf` (event time), over the local month holding `asOf - 1 ms` in `clock`'s zone.
    /// `month`: the month holding `asOf - 1 ms`, when the caller has it already (classify evaluates every minute).
    /// `thresholds`: the burn rates the warning needs (`classify.budget_warning`).
    public static func figure(client: String, sites: [SiteDowntime], asOf: Int64, clock: LocalClock,
                              month known: (start: Int64, end: Int64, label: String)? = nil,
                              thresholds: ClassifySettings.BudgetWarningThresholds = .init()) -> Figure {
        let month = known ?? month(containing: asOf - 1, clock: clock)
        let monthLength = month.end - month.start
        var allowed = 0.0, used: Int64 = 0
        var windowAllowed: [Double] = [0, 0], windowDown: [Int64] = [0, 0]
        let windows = [shortWindowMs, longWindowMs]
        for s in sites {
            let share = (100 - s.target) / 100
            let maint = s.monthMaintenanceMs ?? maintenance(s.calendar, from: month.start, to: month.end).total
            allowed += share * Double(monthLength - maint)
            used += s.down.total(from: month.start, to: min(asOf, month.end))
            for (k, w) in windows.enumerated() {
                let from = asOf - w
                let inWindow = maintenance(s.calendar, from: from, to: asOf)
                windowAllowed[k] += share * Double(w - inWindow.total)
                windowDown[k] += s.down.total(from: from, to: asOf)
            }
        }
        let allowedMs = Int64(allowed.rounded())
        let burn = (0..<2).map { k -> Double? in
            windowAllowed[k] > 0.5 ? (Double(windowDown[k]) / windowAllowed[k] * 1000).rounded() / 1000 : nil
        }
        let remaining = allowedMs - used
        var exhaustsAt: Int64?
        if let r1 = burn[0], let r6 = burn[1], min(r1, r6) > 0, allowedMs > 0 {
            // Spending at rate r uses r x allowed over the month's length per millisecond.
            let perMs = min(r1, r6) * Double(allowedMs) / Double(monthLength)
            let at = asOf + Int64((Double(max(remaining, 0)) / perMs).rounded(.up))
            if at < month.end { exhaustsAt = at }
        }
        let fast = (burn[0] ?? 0) >= thresholds.burn1h && (burn[1] ?? 0) >= thresholds.burn6h
        return Figure(
            client: client, target: sites.map(\.target).max() ?? 100, sites: sites.map(\.site), month: month.label,
            monthStart: Timestamp(milliseconds: month.start).rfc3339, monthEnd: Timestamp(milliseconds: month.end).rfc3339,
            asOf: Timestamp(milliseconds: asOf).rfc3339, allowedMs: allowedMs, usedMs: used, remainingMs: remaining,
            burnRate1h: burn[0], burnRate6h: burn[1], exhaustsAt: exhaustsAt.map { Timestamp(milliseconds: $0).rfc3339 },
            warning: fast && exhaustsAt != nil)
    }
}
