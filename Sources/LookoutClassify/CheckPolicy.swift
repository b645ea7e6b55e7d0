import LookoutCore

/// CheckPolicy is everything a check's tracker decides by: its rules, its tier's severities and the classify
/// settings, resolved once from config.
public struct CheckPolicy: Sendable, Equatable {
    public var checkID: String
    public var every: TimeSpan
    public var confirm: ConfirmRule
    public var recover: RecoverRule
    public var outage: Severity
    public var degraded: Severity
    public var settings: ClassifySettings

    public init(checkID: String, every: TimeSpan, confirm: ConfirmRule, recover: RecoverRule, outage: Severity,
                degraded: Severity, settings: ClassifySettings = ClassifySettings()) {
        self.checkID = checkID; self.every = every; self.confirm = confirm; self.recover = recover
        self.outage = outage; self.degraded = degraded; self.settings = settings
    }

    public init(check: Check, tier: Tier, settings: ClassifySettings) {
        self.init(checkID: check.id, every: check.every, confirm: check.confirm, recover: check.recover,
                  outage: tier.outage, degraded: tier.degraded, settings: settings)
    }

    func severity(of kind: IncidentKind) -> Severity {
        switch kind {
        case .down: outage
        case .degraded: degraded
        case .flapping: settings.flapping.severity == .outage ? outage : degraded
        }
    }
}

/// Observation is the part of one result a tracker decides on.
public struct Observation: Sendable, Equatable {
    public var at: Timestamp
    public var ok: Bool
    public var degraded: Bool
    public var location: String?
    /// Read from the line only when the result is in trouble, for the incident's reason.
    public var error: String?
    public var failed: [String]?

    public init(at: Timestamp, ok: Bool, degraded: Bool = false, location: String? = nil, error: String? = nil,
                failed: [String]? = nil) {
        self.at = at; self.ok = ok; self.degraded = degraded; self.location = location
        self.error = error; self.failed = failed
    }
}

/// Verdict is a tracker's answer for one result: what to write on it and what else to do.
public struct Verdict: Sendable, Equatable {
    public var state: ResultState
    public var severity: Severity
    public var actions: [ClassifierAction]
    /// The result was older than the out-of-order tolerance and changed nothing.
    public var late = false
}
