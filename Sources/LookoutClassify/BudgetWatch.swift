import Foundation
import LookoutCore

/// BudgetWatch follows each client's error budget (ErrorBudget) in event time, from the states classify gives its
/// results, attributed exactly as the report attributes them (SpanAttribution). While both burn-rate windows say
/// the month's budget will be gone before the month ends (`Figure.warning`: 1 h over 14.4 and 6 h over 6), the
/// client has one warning incident open; it resolves when the fast window calms down. Each client is evaluated at
/// most once per minute of event time, so a replay gives the same lines.
final class BudgetWatch {
    /// ClientState is what a restart must keep of a client: when it is next evaluated and its open warning.
    struct ClientState: Codable, Equatable {
        var nextEvaluation: Int64 = .min
        var openID: String?
        var openSince: Int64 = 0
    }

    struct Client {
        let key: String
        let sites: [(site: Site, target: Double, calendar: MaintenanceCalendar)]
        var state = ClientState()
        /// Where spans were last forgotten up to (not kept: forgetting again after a restart changes no figure).
        var forgotAt: Int64 = .min / 4
        /// The month of the last full evaluation, if both its burn rates were 0: while no check of the client is
        /// down or failing and no down time falls in the last 6 h, nothing can change but the time, so the
        /// evaluation is skipped (not kept: after a restart the first one is full).
        var quietMonth: Int64?
    }

    static let evaluationEveryMs: Int64 = 60_000

    private(set) var spans: [String: SpanAttribution] = [:]
    private(set) var clients: [Client] = []
    private var clientOfCheck: [String: Int] = [:]
    private let clock: LocalClock
    private let thresholds: ClassifySettings.BudgetWarningThresholds
    /// Checks and clients changed since the last save.
    private var dirtyChecks: Set<String> = []
    private var dirtyClients: Set<Int> = []
    /// Each site's agreed maintenance in the month being evaluated: computed once a month, not once a minute.
    private var monthMaintenance: (start: Int64, bySite: [String: Int64]) = (.min, [:])
    /// The local month last evaluated in: finding it is a calendar computation, needed once a month.
    private var month: (start: Int64, end: Int64, label: String) = (.max, .min, "")

    init(config: Config, saved: [String: String] = [:], logger: ((String) -> Void)? = nil) {
        clock = LocalClock(config.timeZone)
        thresholds = config.classify.budgetWarning
        let decoder = JSONDecoder()
        let sitesByClient = ErrorBudget.sitesByClient(in: config)
        for (client, _) in ErrorBudget.clients(in: config) {
            let sites = sitesByClient[client, default: []].map { site, target in
                (site, target, MaintenanceCalendar(windows: site.maintenance, clock: LocalClock(site.timeZone)))
            }
            var entry = Client(key: client, sites: sites)
            if let text = saved["client:" + client] {
                if let s = try? decoder.decode(ClientState.self, from: Data(text.utf8)) { entry.state = s } else {
                    logger?("saved budget state of client \(client) is unreadable; it starts afresh")
                }
            }
            for (site, _, _) in sites {
                for check in site.checks {
                    clientOfCheck[check.id] = clients.count
                    let cap = check.every.milliseconds * 2
                    var span = SpanAttribution(capMs: cap, from: Int64.min / 4, to: Int64.max / 4)
                    if let text = saved["check:" + check.id], let s = try? decoder.decode(SpanAttribution.self, from: Data(text.utf8)),
                       s.capMs == cap {
                        span = s
                    }
                    spans[check.id] = span
                }
            }
            clients.append(entry)
        }
    }

    var isEmpty: Bool { clients.isEmpty }

    func watches(_ check: String) -> Bool { clientOfCheck[check] != nil }

    /// Takes one classified result of a watched check; returns the client's figure when it was evaluated, and the
    /// warning's opened or resolved line when it changed.
    func observe(check: String, at: Int64, state: SampleState, inMaintenance: Bool) -> (ErrorBudget.Figure?, IncidentEvent?) {
        guard let c = clientOfCheck[check] else { return (nil, nil) }
        spans[check]!.ingest(at: at, state: state, inMaintenance: inMaintenance)
        dirtyChecks.insert(check)
        guard at >= clients[c].state.nextEvaluation else { return (nil, nil) }
        clients[c].state.nextEvaluation = (at / BudgetWatch.evaluationEveryMs + 1) * BudgetWatch.evaluationEveryMs
        dirtyClients.insert(c)
        if isQuiet(c, at: at) { return (nil, nil) }
        let figure = evaluate(c, asOf: at)
        clients[c].quietMonth = figure.burnRate1h ?? 0 == 0 && figure.burnRate6h ?? 0 == 0 && clients[c].state.openID == nil
            ? month.start : nil
        return (figure, transition(c, figure: figure, at: at))
    }

    /// Whether a full evaluation would give the last one's figures again (at a later time) and no transition.
    private func isQuiet(_ c: Int, at: Int64) -> Bool {
        guard let quiet = clients[c].quietMonth, quiet == month.start, month.start < at, at <= month.end else { return false }
        let since = at - ErrorBudget.longWindowMs
        for (site, _, _) in clients[c].sites {
            for check in site.checks {
                guard let span = spans[check.id] else { continue }
                if span.previousState.isDown || span.previousState == .failing { return false }
                if let end = span.down.bounds.last, end > since { return false }
            }
        }
        return true
    }

    private func evaluate(_ c: Int, asOf: Int64) -> ErrorBudget.Figure {
        if !(month.start < asOf && asOf <= month.end) { month = ErrorBudget.month(containing: asOf - 1, clock: clock) }
        if monthMaintenance.start != month.start { monthMaintenance = (month.start, [:]) }
        // What no window or month can need again is dropped, hourly, so a check's state stays small all year.
        let keepFrom = min(month.start, asOf - ErrorBudget.longWindowMs)
        let forget = keepFrom - clients[c].forgotAt >= 3_600_000
        if forget { clients[c].forgotAt = keepFrom }
        let sites = clients[c].sites.map { site, target, calendar in
            let own = site.checks.compactMap { check -> SpanAttribution? in
                if forget { spans[check.id]?.forget(before: keepFrom) }
                return spans[check.id]
            }
            let down = ErrorBudget.siteDown(own)
            let maintenance = monthMaintenance.bySite[site.id]
                ?? ErrorBudget.maintenance(calendar, from: month.start, to: month.end).total
            monthMaintenance.bySite[site.id] = maintenance
            return ErrorBudget.SiteDowntime(site: site.id, target: target, down: down, calendar: calendar,
                                            monthMaintenanceMs: maintenance)
        }
        return ErrorBudget.figure(client: clients[c].key, sites: sites, asOf: asOf, clock: clock, month: month, thresholds: thresholds)
    }

    private func transition(_ c: Int, figure: ErrorBudget.Figure, at: Int64) -> IncidentEvent? {
        let site = clients[c].sites[0].site
        // The words are made only when something changes: this runs once a minute per client.
        func words() -> (burn: String, left: String) {
            let burn = "1h burn \(BudgetWatch.rate(figure.burnRate1h)), 6h burn \(BudgetWatch.rate(figure.burnRate6h))"
            let allowed = TimeSpan.milliseconds(figure.allowedMs / 1000 * 1000)
            let left = figure.remainingMs > 0
                ? "\(TimeSpan.milliseconds(figure.remainingMs / 1000 * 1000)) of \(allowed) left this month"
                : "this month's \(allowed) already spent"
            return (burn, left)
        }
        if clients[c].state.openID == nil, figure.warning {
            let id = "\(site.id):budget/\(at)"
            clients[c].state.openID = id
            clients[c].state.openSince = at
            let (burn, left) = words()
            let by = figure.remainingMs > 0 ? figure.exhaustsAt.map { ", gone by \($0) at this rate" } ?? "" : ""
            return incident(id: id, .opened, site: site, at: at, since: at,
                            reason: "error budget of \(clients[c].key) burning fast: \(burn); \(left)\(by)")
        }
        if let id = clients[c].state.openID, !figure.warning {
            let since = clients[c].state.openSince
            clients[c].state.openID = nil
            let (burn, left) = words()
            var event = incident(id: id, .resolved, site: site, at: at, since: since,
                                 reason: "error budget of \(clients[c].key) no longer burning fast: \(burn); \(left)")
            event.durationMs = at - since
            return event
        }
        return nil
    }

    private func incident(id: String, _ kind: IncidentEvent.Event, site: Site, at: Int64, since: Int64, reason: String) -> IncidentEvent {
        var e = IncidentEvent(id: id, event: kind, check: "\(site.id):budget", site: site.id, tier: site.tier, severity: .warning,
                              at: Timestamp(milliseconds: at), since: Timestamp(milliseconds: since), reason: reason)
        e.state = IncidentEvent.budgetState
        e.siteName = site.name
        e.url = site.url
        return e
    }

    static func rate(_ r: Double?) -> String { r.map { String(format: "%.1fx", $0) } ?? "-" }

    var hasChanges: Bool { !dirtyChecks.isEmpty || !dirtyClients.isEmpty }

    /// The changed entries (`check:<id>`, `client:<name>`) as JSON text, and forgets that they changed.
    func takeChanges() -> [(key: String, state: String)] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        var out: [(String, String)] = []
        for check in dirtyChecks.sorted() {
            if let data = spans[check].flatMap({ try? encoder.encode($0) }) { out.append(("check:" + check, String(decoding: data, as: UTF8.self))) }
        }
        for c in dirtyClients.sorted() {
            if let data = try? encoder.encode(clients[c].state) { out.append(("client:" + clients[c].key, String(decoding: data, as: UTF8.self))) }
        }
        dirtyChecks.removeAll(keepingCapacity: true)
        dirtyClients.removeAll(keepingCapacity: true)
        return out
    }
}
