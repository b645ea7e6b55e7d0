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
    public struct SinkState: Sendable, Equatable, Codable {
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
        let ticketTier = getsTickets(incident)
        var out: [String] = []
        for rule in config.routes where rule.matches(incident) {
            for name in rule.sinks where !out.contains(name) && hears(name, ticketTier: ticketTier) { out.append(name) }
        }
        return out
    }

    /// Whether the incident's tier gets tickets (`ticket: true`).
    func getsTickets(_ incident: IncidentEvent) -> Bool { tiers.first { $0.name == incident.tier }?.ticket ?? false }

    /// Whether the sink is defined and hears of an incident whose tier does (or does not) get tickets.
    func hears(_ sink: String, ticketTier: Bool) -> Bool {
        guard let configured = config.sink(named: sink) else { return false }
        return ticketTier || !configured.sink.isTicketSink
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

    // MARK: Escalation

    /// What the router remembers of an incident that may still escalate: when its clock started, the `after` of the
    /// last step fired (zero: none) and whether an ack stopped it. A resolve forgets it.
    public struct Escalation: Sendable, Equatable {
        public var openedAt: Timestamp
        public var fired: TimeSpan
        public var acked: Bool
        public init(openedAt: Timestamp, fired: TimeSpan = .zero, acked: Bool = false) {
            self.openedAt = openedAt; self.fired = fired; self.acked = acked
        }
    }

    /// The escalation steps of every route matching the incident, merged in order of `after` (sinks of steps with
    /// the same delay joined).
    public func escalationSteps(_ incident: IncidentEvent) -> [EscalationStep] {
        var byDelay: [TimeSpan: [String]] = [:]
        for rule in config.routes where rule.matches(incident) {
            for step in rule.escalate {
                for sink in step.sinks where !(byDelay[step.after]?.contains(sink) ?? false) { byDelay[step.after, default: []].append(sink) }
            }
        }
        return byDelay.keys.sorted().map { EscalationStep(after: $0, sinks: byDelay[$0]!) }
    }

    /// The escalation state after `incident` (its latest line): started by an alerting, unmuted, unacknowledged line
    /// of an incident some route escalates; stopped by `acked_by`; nil once resolved.
    public func escalation(after incident: IncidentEvent, state: Escalation?) -> Escalation? {
        if incident.event == .resolved { return nil }
        if var s = state {
            if incident.ackedBy != nil { s.acked = true }
            return s
        }
        guard incident.maintenance == nil, incident.ackedBy == nil, !escalationSteps(incident).isEmpty else { return nil }
        return Escalation(openedAt: incident.at, fired: .zero, acked: incident.ackedBy != nil)
    }

    /// The steps due by `now` (event time) not fired yet, each once, as openings to their sinks (an escalation sink
    /// that already heard of the incident gets nothing new: the key is the opening's), and the new state.
    /// While the incident's latest line is muted (a maintenance window or a silence), no step fires; the steps due
    /// fire once it is unmuted and still not acknowledged.
    public func escalate(_ incident: IncidentEvent, state: Escalation, now: Timestamp) -> (deliveries: [Planned], state: Escalation) {
        guard !state.acked, incident.maintenance == nil else { return ([], state) }
        var state = state
        var out: [Planned] = []
        let ticketTier = getsTickets(incident)
        for step in escalationSteps(incident) where step.after > state.fired && now - state.openedAt >= step.after {
            for sink in step.sinks where hears(sink, ticketTier: ticketTier) {
                out.append(Planned(sink: sink, key: IncidentRouter.key(incident.id, .opened, at: incident.at, sink: sink), event: .opened))
            }
            state.fired = step.after
        }
        return (out, state)
    }
}
