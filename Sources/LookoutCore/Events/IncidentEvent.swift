/// IncidentEvent is a confirmed transition of an incident, written by `classify` and turned into messages by `route`.
public struct IncidentEvent: Sendable, Equatable {
    public enum Event: String, Sendable, Codable { case opened, updated, resolved }

    /// The `state` of classify's error-budget warning (docs/classify.md, "Error-budget warnings"): not an outage of a
    /// check but a client's budget burning too fast; its `check` is `<site>:budget`.
    public static let budgetState = "budget"

    /// Stable for the incident's whole life: `<check>/<since as epoch ms>`, so a replay gives the same ids.
    public var id: String
    public var event: Event
    public var check: String
    public var site: String
    public var tier: String
    public var severity: Severity
    public var at: Timestamp
    public var since: Timestamp
    public var reason: String
    public var maintenance: String?
    /// `down`, `degraded` or `flapping`: what kind of trouble the incident is.
    public var state: String?
    /// Set on `resolved`: how long the incident lasted.
    public var durationMs: Int64?
    public var error: String?
    public var failed: [String]?
    /// Context for messages: the site's name, address and client.
    public var siteName: String?
    public var url: String?
    /// The PNG a browser check left of the page (`details.screenshot` of the result that made this line), as probe
    /// wrote its path; never on `resolved`.
    public var screenshot: String?
    /// Who acknowledged the incident (an `ack` line), on every line after the ack.
    public var ackedBy: String?
    public var extra: [JSONMember] = []

    public init(id: String, event: Event, check: String, site: String, tier: String, severity: Severity,
                at: Timestamp, since: Timestamp, reason: String, maintenance: String? = nil) {
        self.id = id; self.event = event; self.check = check; self.site = site; self.tier = tier
        self.severity = severity; self.at = at; self.since = since; self.reason = reason; self.maintenance = maintenance
    }

    static let knownKeys: Set<String> = [
        "v", "type", "id", "event", "check", "site", "tier", "severity", "at", "since", "reason", "maintenance",
        "state", "duration_ms", "error", "failed", "site_name", "url", "screenshot", "acked_by",
    ]

    public init(_ object: ScannedObject) throws(EventError) {
        let type = try object.eventType()
        guard type == "incident" else { throw EventError("expected an incident event, got \"\(type)\"") }
        let eventText = try object.requiredString("event")
        guard let event = Event(rawValue: eventText) else {
            throw EventError("field \"event\" must be opened, updated or resolved (got \"\(eventText)\")")
        }
        let severityText = try object.requiredString("severity")
        guard let severity = Severity(rawValue: severityText) else {
            throw EventError("field \"severity\" must be critical, warning, info or none (got \"\(severityText)\")")
        }
        self.init(id: try object.requiredString("id"), event: event, check: try object.requiredString("check"),
                  site: try object.requiredString("site"), tier: try object.requiredString("tier"), severity: severity,
                  at: try object.requiredTimestamp("at"), since: try object.requiredTimestamp("since"),
                  reason: try object.requiredString("reason"), maintenance: try object.requiredNullableString("maintenance"))
        state = try object.optionalString("state")
        if let f = object.field("duration_ms"), f.kind != .null {
            guard f.kind == .number, let v = object.integer(f) else { throw .type("duration_ms", "an integer") }
            durationMs = v
        }
        error = try object.optionalString("error")
        failed = try object.optionalStrings("failed")
        siteName = try object.optionalString("site_name")
        url = try object.optionalString("url")
        screenshot = try object.optionalString("screenshot")
        ackedBy = try object.optionalString("acked_by")
        for f in object.fields where !IncidentEvent.knownKeys.contains(object.key(f)) {
            extra.append(JSONMember(key: object.key(f), value: object.value(f)))
        }
    }

    public func encoded() -> [UInt8] {
        var w = JSONObjectWriter()
        w.add("v", 1)
        w.add("type", "incident")
        w.add("id", id)
        w.add("event", event.rawValue)
        w.add("check", check)
        w.add("site", site)
        w.add("tier", tier)
        w.add("severity", severity.rawValue)
        w.add("at", at)
        w.add("since", since)
        w.add("reason", reason)
        w.add("maintenance", maintenance)
        if let state { w.add("state", state) }
        if let durationMs { w.add("duration_ms", durationMs) }
        if let error { w.add("error", error) }
        if let failed { w.add("failed", failed) }
        if let siteName { w.add("site_name", siteName) }
        if let url { w.add("url", url) }
        if let screenshot { w.add("screenshot", screenshot) }
        if let ackedBy { w.add("acked_by", ackedBy) }
        for m in extra { w.add(m.key, m.value) }
        return w.finish()
    }
}
