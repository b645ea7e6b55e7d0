/// AnyEvent is a fully decoded line of any type the contract defines; lines of a newer, unknown type stay raw.
public enum AnyEvent: Sendable, Equatable {
    case result(ResultEvent)
    case incident(IncidentEvent)
    case delivery(DeliveryEvent)
    /// A person's ack, silence, maintenance, note, unsilence or cancel (ControlEvent.swift).
    case control(ControlEvent)
    /// A well-formed v1 line of a type this build does not know: passed through, never refused.
    case other(type: String)

    public init(_ object: ScannedObject) throws(EventError) {
        switch try object.eventType() {
        case "result": self = .result(try ResultEvent(object))
        case "incident": self = .incident(try IncidentEvent(object))
        case "delivery": self = .delivery(try DeliveryEvent(object))
        case let t where ControlEvent.types.contains(t): self = .control(try ControlEvent(object))
        case let other: self = .other(type: other)
        }
    }
}
