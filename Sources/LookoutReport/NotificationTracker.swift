import LookoutCore
import LookoutRoute

/// NotificationTracker works out, from the incident lines, which openings `route` was to announce to which sink
/// (the same pure `IncidentRouter.plan` route runs, so maintenance mutes and escalations count as route counts them),
/// and matches them by idempotency key to route's `sent` delivery lines. An announcement that came late, or never,
/// is how the report shows that route, or a sink, was down: the classified log alone looks healthy then.
struct NotificationTracker {
    /// One opening route was to announce to one sink.
    struct Planned: Codable {
        var incident: String
        var sink: String
        /// The incident line that called for it (an opening, or an update that escalated or left a window).
        var dueMs: Int64
        var firstSentMs: Int64?
        /// The latest failed attempt, while nothing was sent.
        var failure: Failure?
    }

    struct Failure: Codable {
        var outcome: DeliveryEvent.Outcome
        var error: String?
    }

    /// What an `opened` delivery line says about its key.
    struct Outcome: Codable {
        var key: String
        var outcome: DeliveryEvent.Outcome
        var atMs: Int64
        var error: String?
    }

    /// What is kept between runs (report's `--state`); the router itself comes from the config.
    struct Saved: Codable {
        var sinkStates: [String: [String: IncidentRouter.SinkState]]
        var planned: [String: Planned]
        var order: [String]
        var early: [String: [Outcome]]
    }

    private let router: IncidentRouter?
    private var sinkStates: [String: [String: IncidentRouter.SinkState]] = [:]
    private(set) var planned: [String: Planned] = [:]
    private(set) var order: [String] = []
    /// Outcomes read before the incident line that planned them (files given in another order).
    private var early: [String: [Outcome]] = [:]

    init(config: Config) {
        router = config.routing.map { IncidentRouter(config: $0, tiers: config.tiers) }
    }

    init(config: Config, saved: Saved) {
        self.init(config: config)
        sinkStates = saved.sinkStates; planned = saved.planned; order = saved.order; early = saved.early
    }

    var saved: Saved { Saved(sinkStates: sinkStates, planned: planned, order: order, early: early) }

    mutating func incident(_ e: IncidentEvent) {
        guard let router else { return }
        let (deliveries, state) = router.plan(e, state: sinkStates[e.id] ?? [:])
        sinkStates[e.id] = e.event == .resolved ? nil : state
        for d in deliveries where d.event == .opened && planned[d.key] == nil {
            planned[d.key] = Planned(incident: e.id, sink: d.sink, dueMs: e.at.milliseconds)
            order.append(d.key)
            for outcome in early.removeValue(forKey: d.key) ?? [] { record(outcome) }
        }
    }

    mutating func delivery(_ d: DeliveryEvent) {
        guard router != nil, d.event == .opened, let key = d.key else { return }
        record(Outcome(key: key, outcome: d.outcome, atMs: d.at.milliseconds, error: d.error))
    }

    private mutating func record(_ d: Outcome) {
        let key = d.key
        guard planned[key] != nil else {
            early[key, default: []].append(d)
            return
        }
        switch d.outcome {
        case .sent:
            planned[key]!.firstSentMs = min(planned[key]!.firstSentMs ?? .max, d.atMs)
            planned[key]!.failure = nil
        case .retrying, .dead:
            if planned[key]!.firstSentMs == nil { planned[key]!.failure = Failure(outcome: d.outcome, error: d.error) }
        }
    }

    /// The openings due in `[fromMs, toMs)` announced more than `afterMs` late, or not at all although the log runs
    /// on for `afterMs` past them (one that is too recent to judge is left out), in the order they fell due.
    func late(fromMs: Int64, toMs: Int64, afterMs: Int64, logEndMs: Int64) -> [Planned] {
        order.compactMap { planned[$0] }.filter { p in
            guard p.dueMs >= fromMs, p.dueMs < toMs else { return false }
            if let sent = p.firstSentMs { return sent - p.dueMs > afterMs }
            return logEndMs - p.dueMs >= afterMs
        }
    }
}
