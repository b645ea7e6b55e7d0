/// DeliveryEvent records one delivery attempt's outcome, written by `route` (and read by `report` for the noise budget).
public struct DeliveryEvent: Sendable, Equatable {
    public enum Outcome: String, Sendable, Codable { case sent, retrying, dead }

    public var incident: String
    public var event: IncidentEvent.Event
    public var sink: String
    public var outcome: Outcome
    public var attempt: Int
    public var at: Timestamp
    /// Why it failed, redacted; set for `retrying` and `dead`.
    public var error: String?
    /// The delivery's idempotency key, the same on every attempt: a crash repeat carries the same key.
    public var key: String?
    /// Set when one message carried several deliveries (a grouped Slack post): count distinct values to count messages.
    public var message: String?
    /// Set when the delivery carried an ack or a note to a ticket (`event` is then `updated`): `ack`, `public` or
    /// `internal`.
    public var note: String?
    /// Set on an attempt repeating one that was in flight when route stopped without recording its outcome (a
    /// crash): the receiver may have had the message already.
    public var repeated = false
    public var extra: [JSONMember] = []

    public init(incident: String, event: IncidentEvent.Event, sink: String, outcome: Outcome, attempt: Int, at: Timestamp) {
        self.incident = incident; self.event = event; self.sink = sink; self.outcome = outcome
        self.attempt = attempt; self.at = at
    }

    static let knownKeys: Set<String> = ["v", "type", "incident", "event", "sink", "outcome", "attempt", "at", "error", "key", "message", "note",
                                         "repeated"]

    public init(_ object: ScannedObject) throws(EventError) {
        let type = try object.eventType()
        guard type == "delivery" else { throw EventError("expected a delivery event, got \"\(type)\"") }
        let eventText = try object.requiredString("event")
        guard let event = IncidentEvent.Event(rawValue: eventText) else {
            throw EventError("field \"event\" must be opened, updated or resolved (got \"\(eventText)\")")
        }
        let outcomeText = try object.requiredString("outcome")
        guard let outcome = Outcome(rawValue: outcomeText) else {
            throw EventError("field \"outcome\" must be sent, retrying or dead (got \"\(outcomeText)\")")
        }
        guard let attemptField = object.field("attempt") else { throw .missing("attempt") }
        guard attemptField.kind == .number, let attempt = object.integer(attemptField), let a = Int(exactly: attempt) else {
            throw .type("attempt", "an integer")
        }
        self.init(incident: try object.requiredString("incident"), event: event, sink: try object.requiredString("sink"),
                  outcome: outcome, attempt: a, at: try object.requiredTimestamp("at"))
        error = try object.optionalString("error")
        key = try object.optionalString("key")
        message = try object.optionalString("message")
        note = try object.optionalString("note")
        repeated = try object.optionalBool("repeated") ?? false
        for f in object.fields where !DeliveryEvent.knownKeys.contains(object.key(f)) {
            extra.append(JSONMember(key: object.key(f), value: object.value(f)))
        }
    }

    public func encoded() -> [UInt8] {
        var w = JSONObjectWriter()
        w.add("v", 1)
        w.add("type", "delivery")
        w.add("incident", incident)
        w.add("event", event.rawValue)
        w.add("sink", sink)
        w.add("outcome", outcome.rawValue)
        w.add("attempt", attempt)
        w.add("at", at)
        if let error { w.add("error", error) }
        if let key { w.add("key", key) }
        if let message { w.add("message", message) }
        if let note { w.add("note", note) }
        if repeated { w.add("repeated", true) }
        for m in extra { w.add(m.key, m.value) }
        return w.finish()
    }
}
