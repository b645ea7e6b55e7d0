import LookoutCore

/// IncidentRecord is everything the log said about one incident, merged from its opened, updated and resolved lines.
public struct IncidentRecord: Sendable, Codable {
    public var id: String
    public var check: String
    public var site: String
    public var tier: String
    /// `down`, `degraded` or `flapping`; nil when classify did not say (read as an outage).
    public var state: String?
    public var reason: String
    public var since: Timestamp
    public var openedAt: Timestamp?
    public var resolvedAt: Timestamp?
    public var durationMs: Int64?
    public var severity: Severity
    public var maxSeverity: Severity
    /// The window named by the first line we saw, and whether any line was outside a window.
    public var firstMaintenance: String?
    public var everOutsideMaintenance: Bool
    public var error: String?
    public var updates = 0
    /// The severity each event was announced with, for counting critical messages.
    public var severityByEvent: [String: Severity] = [:]
    /// Each line's event, time, state and reason, in log order: the status pages' timeline.
    public var steps: [IncidentStep] = []
    /// What people told the client about it (`classify note INCIDENT --public`), in log order; internal notes are
    /// never kept here, so no page can show one.
    public var publicNotes: [PublicNote] = []
    /// The newest screenshot a browser check left (`screenshot` of an opened or updated line), as probe wrote its
    /// path: the team board shows it while the incident is open.
    public var screenshot: String?

    /// PublicNote is one public note on the incident: its time and text.
    public struct PublicNote: Sendable, Equatable, Codable {
        public var at: Timestamp
        public var text: String
    }

    init(_ e: IncidentEvent) {
        id = e.id; check = e.check; site = e.site; tier = e.tier; state = e.state; reason = e.reason
        since = e.since; severity = e.severity; maxSeverity = e.severity
        firstMaintenance = e.maintenance
        everOutsideMaintenance = e.maintenance == nil
        error = e.error
        merge(e)
    }

    mutating func merge(_ e: IncidentEvent) {
        severity = e.severity
        if e.severity > maxSeverity { maxSeverity = e.severity }
        if e.maintenance == nil { everOutsideMaintenance = true }
        // When an update changes what the incident is (degraded becomes down), its reason is the better cause.
        if let s = e.state, s != state {
            if e.event == .updated { reason = e.reason }
            state = s
        }
        if let err = e.error, error == nil { error = err }
        if e.event != .resolved, let shot = e.screenshot { screenshot = shot }
        if e.since < since { since = e.since }
        severityByEvent[e.event.rawValue] = e.severity
        steps.append(IncidentStep(event: e.event, at: e.at, state: e.state, reason: e.reason, inMaintenance: e.maintenance != nil))
        switch e.event {
        case .opened: openedAt = e.at; reason = e.reason
        case .updated: updates += 1
        case .resolved:
            resolvedAt = e.at
            durationMs = e.durationMs ?? (e.at.milliseconds - since.milliseconds)
        }
    }

    /// An outage (down or flapping) rather than a degradation or a budget warning.
    public var isOutage: Bool { state != "degraded" && !isBudget }

    /// classify's error-budget warning: the team's business, never shown to the client.
    public var isBudget: Bool { state == IncidentEvent.budgetState }

    /// Held entirely inside maintenance windows: planned work, not an interruption.
    public var isMaintenanceOnly: Bool { !everOutsideMaintenance }
}

/// DeliveryRecord is one delivery attempt outcome from `route`, kept for the noise budget.
public struct DeliveryRecord: Sendable, Codable {
    public var incident: String
    public var event: String
    public var sink: String
    public var outcome: DeliveryEvent.Outcome
    public var attempt: Int
    public var at: Timestamp
    public var error: String?
    public var key: String?
    public var message: String?
}

/// IncidentStep is one incident line as the status pages' timeline shows it.
public struct IncidentStep: Sendable, Equatable, Codable {
    public var event: IncidentEvent.Event
    public var at: Timestamp
    public var state: String?
    public var reason: String
    public var inMaintenance: Bool
}
