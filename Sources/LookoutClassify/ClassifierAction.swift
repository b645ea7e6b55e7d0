import LookoutCore

/// ClassifierAction is what a check's tracker decided on one result, for the driver to write or count.
public enum ClassifierAction: Sendable, Equatable {
    /// An incident line to write.
    case incident(IncidentChange)
    /// A failure that ended without confirming: absorbed, counted for the report.
    case blip
}

/// IncidentChange is an incident transition before the driver adds the site's context and encodes it.
public struct IncidentChange: Sendable, Equatable {
    public var event: IncidentEvent.Event
    public var id: String
    public var kind: IncidentKind
    public var severity: Severity
    public var at: Timestamp
    public var since: Timestamp
    public var reason: String
    /// The window the incident is held in; nil once it alerts.
    public var maintenance: String?
    public var durationMs: Int64?
    public var error: String?
    public var failed: [String]?
    /// Who acknowledged the incident, once someone has.
    public var ackedBy: String? = nil
    /// This `updated` raises an incident that was held in a maintenance window which has now ended.
    public var leftMaintenance = false
}

/// IncidentKind is the trouble an incident is about; an outage supersedes a degradation.
public enum IncidentKind: String, Sendable, Equatable {
    case down, degraded, flapping
}

/// ResultState is the `state` classify writes on each result.
public enum ResultState: String, Sendable, CaseIterable {
    case up, failing, down, degraded, flapping, recovering, unknown
}
