/// ControlEvent is what a person says about the pipeline's alerts, as a line in the stream: acknowledge an incident,
/// silence checks for a while, start a maintenance window now, add a note, or end a silence or window early
/// (docs/events.md, "Control lines"). `classify` applies them in event time beside the results and passes them on.
public enum ControlEvent: Sendable, Equatable {
    /// Matchers a silence selects checks by: every given one must match (a check id, a site id, a site's client).
    public struct Matchers: Sendable, Equatable {
        public var check: String?
        public var site: String?
        public var client: String?
        public init(check: String? = nil, site: String? = nil, client: String? = nil) {
            self.check = check; self.site = site; self.client = client
        }
        public var isEmpty: Bool { check == nil && site == nil && client == nil }
        public func matches(check id: String, site: String, client: String?) -> Bool {
            (check == nil || check == id) && (self.site == nil || self.site == site) && (self.client == nil || self.client == client)
        }
    }

    public struct Ack: Sendable, Equatable {
        public var incident: String, by: String, at: Timestamp, text: String?
        public init(incident: String, by: String, at: Timestamp, text: String? = nil) {
            self.incident = incident; self.by = by; self.at = at; self.text = text
        }
    }

    /// A silence (`kind` .silence, any matchers) or an on-demand maintenance window (`kind` .maintenance, one site):
    /// both hold incidents at severity none from `start` (inclusive) to `end` (exclusive).
    public struct Window: Sendable, Equatable {
        public enum Kind: String, Sendable { case silence, maintenance }
        public var kind: Kind
        public var id: String, by: String, at: Timestamp
        public var matchers: Matchers
        public var start: Timestamp, end: Timestamp
        public var reason: String?
        public init(kind: Kind, id: String, by: String, at: Timestamp, matchers: Matchers, start: Timestamp, end: Timestamp,
                    reason: String? = nil) {
            self.kind = kind; self.id = id; self.by = by; self.at = at; self.matchers = matchers
            self.start = start; self.end = end; self.reason = reason
        }
        /// The name written in `maintenance` on results and incidents while the window holds them.
        public var name: String { "\(kind.rawValue):\(id)" }
    }

    public struct Note: Sendable, Equatable {
        public enum Visibility: String, Sendable { case `public`, `internal` }
        public var incident: String, visibility: Visibility, text: String, by: String, at: Timestamp
        public init(incident: String, visibility: Visibility, text: String, by: String, at: Timestamp) {
            self.incident = incident; self.visibility = visibility; self.text = text; self.by = by; self.at = at
        }
    }

    /// `unsilence` ends a silence, `cancel` an on-demand window, at `at`.
    public struct End: Sendable, Equatable {
        public var kind: Window.Kind, id: String, by: String, at: Timestamp
        public init(kind: Window.Kind, id: String, by: String, at: Timestamp) {
            self.kind = kind; self.id = id; self.by = by; self.at = at
        }
    }

    case ack(Ack)
    case window(Window)
    case note(Note)
    case end(End)

    /// The `type` values of control lines.
    public static let types: Set<String> = ["ack", "silence", "maintenance", "note", "unsilence", "cancel"]

    public var at: Timestamp {
        switch self {
        case .ack(let a): a.at
        case .window(let w): w.at
        case .note(let n): n.at
        case .end(let e): e.at
        }
    }

    public init(_ object: ScannedObject) throws(EventError) {
        let type = try object.eventType()
        let at = try object.requiredTimestamp("at")
        let by = try object.requiredString("by")
        guard !by.isEmpty else { throw EventError("field \"by\" must name who did it") }
        switch type {
        case "ack":
            self = .ack(Ack(incident: try object.requiredNonEmpty("incident"), by: by, at: at,
                            text: try object.optionalString("text")))
        case "note":
            let v = try object.requiredString("visibility")
            guard let visibility = Note.Visibility(rawValue: v) else {
                throw EventError("field \"visibility\" must be public or internal (got \"\(v)\")")
            }
            self = .note(Note(incident: try object.requiredNonEmpty("incident"), visibility: visibility,
                              text: try object.requiredNonEmpty("text"), by: by, at: at))
        case "silence", "maintenance":
            let kind = Window.Kind(rawValue: type)!
            let matchers = Matchers(check: try object.optionalString("check"), site: try object.optionalString("site"),
                                    client: try object.optionalString("client"))
            if kind == .maintenance {
                guard matchers.site != nil, matchers.check == nil, matchers.client == nil else {
                    throw EventError("a maintenance line names one \"site\" and no check or client")
                }
            } else if matchers.isEmpty {
                throw EventError("a silence needs at least one of \"check\", \"site\", \"client\"")
            }
            let start = kind == .maintenance ? at : (try object.optionalTimestamp("start") ?? at)
            let endField = try object.optionalTimestamp("end")
            let duration = try object.optionalString("duration")
            let end: Timestamp
            switch (endField, duration) {
            case (let e?, nil): end = e
            case (nil, let d?):
                guard let span = TimeSpan(parsing: d) else {
                    throw EventError("field \"duration\" must be a span such as 30m, 2h or 1d (got \"\(d)\")")
                }
                end = start + span
            case (nil, nil): throw EventError("a \(type) needs \"end\" or \"duration\"")
            case (_?, _?): throw EventError("a \(type) takes \"end\" or \"duration\", not both")
            }
            guard end > start else { throw EventError("the \(type) ends (\(end)) before or when it starts (\(start))") }
            self = .window(Window(kind: kind, id: try object.requiredNonEmpty("id"), by: by, at: at, matchers: matchers,
                                  start: start, end: end, reason: try object.optionalString("reason")))
        case "unsilence", "cancel":
            self = .end(End(kind: type == "unsilence" ? .silence : .maintenance, id: try object.requiredNonEmpty("id"),
                            by: by, at: at))
        default:
            throw EventError("expected a control line (\(ControlEvent.types.sorted().joined(separator: ", "))), got \"\(type)\"")
        }
    }

    /// Decodes one stored or written control line; nil for anything else.
    public static func decode(_ line: [UInt8]) -> ControlEvent? {
        line.withUnsafeBufferPointer { buffer in
            var fields: [JSONField] = []
            guard (try? JSONScanner.scanObject(buffer, into: &fields)) != nil else { return nil }
            return try? ControlEvent(ScannedObject(bytes: buffer, fields: fields))
        }
    }

    /// The line, members in a fixed order; `end` is always written as a time, never as a duration.
    public func encoded() -> [UInt8] {
        var w = JSONObjectWriter()
        w.add("v", 1)
        switch self {
        case .ack(let a):
            w.add("type", "ack")
            w.add("incident", a.incident)
            w.add("by", a.by)
            w.add("at", a.at)
            if let t = a.text { w.add("text", t) }
        case .note(let n):
            w.add("type", "note")
            w.add("incident", n.incident)
            w.add("visibility", n.visibility.rawValue)
            w.add("text", n.text)
            w.add("by", n.by)
            w.add("at", n.at)
        case .window(let x):
            w.add("type", x.kind.rawValue)
            w.add("id", x.id)
            if let c = x.matchers.check { w.add("check", c) }
            if let s = x.matchers.site { w.add("site", s) }
            if let c = x.matchers.client { w.add("client", c) }
            if x.kind == .silence { w.add("start", x.start) }
            w.add("end", x.end)
            if let r = x.reason { w.add("reason", r) }
            w.add("by", x.by)
            w.add("at", x.at)
        case .end(let e):
            w.add("type", e.kind == .silence ? "unsilence" : "cancel")
            w.add("id", e.id)
            w.add("by", e.by)
            w.add("at", e.at)
        }
        return w.finish()
    }
}

extension ScannedObject {
    func requiredNonEmpty(_ key: JSONKey) throws(EventError) -> String {
        let s = try requiredString(key)
        guard !s.isEmpty else { throw EventError("field \"\(key.name)\" must not be empty") }
        return s
    }

    func optionalTimestamp(_ key: JSONKey) throws(EventError) -> Timestamp? {
        guard let f = field(key), f.kind != .null else { return nil }
        return try timestamp(f, key.name)
    }
}
