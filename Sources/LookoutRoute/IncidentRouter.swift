import LookoutCore

/// IncidentRouter decides, purely from an incident event, the routing config and what was already routed for the incident,
/// which deliveries to queue. It never sends and never reads a clock: "now" is the event's `at`.
public struct IncidentRouter: Sendable {
    public let config: RoutingConfig
    public let tiers: [Tier]

    public init(config: RoutingConfig, tiers: [Tier]) {
        self.config = config
        self.tiers = tiers
    }

    /// A delivery to queue.
    public struct Planned: Sendable, Equatable {
        public var sink: String
        /// Incident id + event + sink (an update also carries its event time): the same on every retry and replay.
        public var key: String
        public var event: IncidentEvent.Event
    }

    /// What the router remembers per incident and sink.
    public struct SinkState: Sendable, Equatable {
        public var openedAt: Timestamp
        /// Event time of the last `updated` delivery queued, for the comment interval.
        public var lastUpdate: Timestamp?
        public init(openedAt: Timestamp, lastUpdate: Timestamp? = nil) { self.openedAt = openedAt; self.lastUpdate = lastUpdate }
    }

    public static func key(_ id: String, _ event: IncidentEvent.Event, at: Timestamp, sink: String) -> String {
        switch event {
        case .updated: "\(id)|updated@\(at.milliseconds)|\(sink)"
        case .opened, .resolved: "\(id)|\(event.rawValue)|\(sink)"
        }
    }

    /// Sinks whose routes match the event, in config order, without ticket sinks for tiers that get no tickets.
    public func matchingSinks(_ incident: IncidentEvent) -> [String] {
        let ticketTier = tiers.first { $0.name == incident.tier }?.ticket ?? false
        var out: [String] = []
        for rule in config.routes where rule.matches(incident) {
            for name in rule.sinks where !out.contains(name) {
                guard let sink = config.sink(named: name) else { continue }
                if sink.sink.isTicketSink && !ticketTier { continue }
                out.append(name)
            }
        }
        return out
    }

    /// The deliveries for `incident` and the incident's new per-sink state.
    public func plan(_ incident: IncidentEvent, state: [String: SinkState]) -> (deliveries: [Planned], state: [String: SinkState]) {
        var state = state
        var out: [Planned] = []
        switch incident.event {
        case .opened:
            // Muted by a maintenance window: nobody is told, so there is nothing to resolve later either.
            guard incident.maintenance == nil else { break }
            // A replayed opening plans the same keys again; the outbox drops them as duplicates.
            for sink in matchingSinks(incident) {
                out.append(Planned(sink: sink, key: IncidentRouter.key(incident.id, .opened, at: incident.at, sink: sink), event: .opened))
                if state[sink] == nil { state[sink] = SinkState(openedAt: incident.at) }
            }
        case .updated:
            for sink in state.keys.sorted() {
                guard let s = state[sink], config.sink(named: sink)?.sendsUpdates ?? false else { continue }
                let last = s.lastUpdate ?? s.openedAt
                if incident.at - last >= config.updateInterval {
                    out.append(Planned(sink: sink, key: IncidentRouter.key(incident.id, .updated, at: incident.at, sink: sink), event: .updated))
                    state[sink]?.lastUpdate = incident.at
                }
            }
            // An escalation (say warning to critical) reaches the sinks of the new severity as an opening.
            if incident.maintenance == nil {
                for sink in matchingSinks(incident) where state[sink] == nil {
                    out.append(Planned(sink: sink, key: IncidentRouter.key(incident.id, .opened, at: incident.at, sink: sink), event: .opened))
                    state[sink] = SinkState(openedAt: incident.at)
                }
            }
        case .resolved:
            // Whoever heard of the opening hears of the end, maintenance window or not.
            for sink in state.keys.sorted() {
                out.append(Planned(sink: sink, key: IncidentRouter.key(incident.id, .resolved, at: incident.at, sink: sink), event: .resolved))
            }
        }
        return (out, state)
    }
}
