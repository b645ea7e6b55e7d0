/// ResultEvent is one check run, written by `probe` and enriched by `classify` (contract v1, docs/events.md).
public struct ResultEvent: Sendable, Equatable {
    public var check: String
    public var at: Timestamp
    public var ok: Bool
    public var degraded: Bool = false
    public var kind: String? = nil
    public var location: String? = nil
    public var latencyMs: Double? = nil
    public var status: Int? = nil
    public var bytes: Int? = nil
    public var error: String? = nil
    public var failed: [String]? = nil
    public var details: JSONValue? = nil
    /// Added by `classify`.
    public var classification: Classification? = nil
    /// Members this build does not know, in their order, kept so they pass through unchanged.
    public var extra: [JSONMember] = []

    public init(check: String, at: Timestamp, ok: Bool) {
        self.check = check
        self.at = at
        self.ok = ok
    }

    /// Classification is what `classify` adds to a result.
    public struct Classification: Sendable, Equatable {
        public var site: String?
        public var tier: String?
        public var maintenance: String?
        public var state: String
        public var severity: String
        public init(site: String?, tier: String?, maintenance: String?, state: String, severity: String) {
            self.site = site; self.tier = tier; self.maintenance = maintenance; self.state = state; self.severity = severity
        }
    }

    static let knownKeys: [JSONKey] = [
        EventKeys.v, EventKeys.type, EventKeys.check, EventKeys.at, EventKeys.ok, EventKeys.degraded, EventKeys.kind,
        EventKeys.location, EventKeys.latencyMs, EventKeys.status, EventKeys.bytes, EventKeys.error, EventKeys.failed,
        EventKeys.details, EventKeys.site, EventKeys.tier, EventKeys.maintenance, EventKeys.state, EventKeys.severity,
    ]
    /// The members `classify` writes; on a re-classified log they are replaced, never duplicated.
    public static let classificationKeys: [JSONKey] = [
        EventKeys.site, EventKeys.tier, EventKeys.maintenance, EventKeys.state, EventKeys.severity,
    ]

    /// Decodes every member of a `result` line, checking the type of each one the contract defines.
    public init(_ object: ScannedObject) throws(EventError) {
        let type = try object.eventType()
        guard type == "result" else { throw EventError("expected a result event, got \"\(type)\"") }
        let head = try ResultHead(object)
        self.init(check: head.check, at: head.at, ok: head.ok)
        degraded = head.degraded
        location = head.location
        kind = try object.optionalString(EventKeys.kind)
        if let f = object.field(EventKeys.latencyMs), f.kind != .null {
            // 1e999 reads as infinity, which JSON cannot write back (it went out as null): refused like a string.
            guard f.kind == .number, object.double(f).isFinite else { throw .type("latency_ms", "a number") }
            latencyMs = object.double(f)
        }
        status = try object.optionalInt(EventKeys.status)
        bytes = try object.optionalInt(EventKeys.bytes)
        error = try object.optionalString(EventKeys.error)
        failed = try object.optionalStrings(EventKeys.failed)
        if let f = object.field(EventKeys.details), f.kind != .null {
            guard f.kind == .object else { throw .type("details", "an object") }
            details = object.value(f)
        }
        let site = try object.optionalString(EventKeys.site), tier = try object.optionalString(EventKeys.tier)
        let maintenance = try object.optionalString(EventKeys.maintenance), severity = try object.optionalString(EventKeys.severity)
        if let state = try object.optionalString(EventKeys.state) {
            classification = Classification(site: site, tier: tier, maintenance: maintenance, state: state,
                                            severity: severity ?? "none")
        }
        for f in object.fields where !ResultEvent.knownKeys.contains(where: { object.keyEquals(f, $0) }) {
            extra.append(JSONMember(key: object.key(f), value: object.value(f)))
        }
    }

    /// The line `probe` writes: contract members first in a fixed order, then any extra members.
    public func encoded() -> [UInt8] {
        var w = JSONObjectWriter()
        w.add("v", 1)
        w.add("type", "result")
        w.add("check", check)
        w.add("at", at)
        w.add("ok", ok)
        if degraded { w.add("degraded", true) }
        if let kind { w.add("kind", kind) }
        if let location { w.add("location", location) }
        if let latencyMs { w.add("latency_ms", .double((latencyMs * 1000).rounded() / 1000)) }
        if let status { w.add("status", status) }
        if let bytes { w.add("bytes", bytes) }
        if let error { w.add("error", error) }
        if let failed { w.add("failed", failed) }
        if let details { w.add("details", details) }
        for m in extra { w.add(m.key, m.value) }
        if let c = classification {
            w.add("site", c.site)
            w.add("tier", c.tier)
            w.add("maintenance", c.maintenance)
            w.add("state", c.state)
            w.add("severity", c.severity)
        }
        return w.finish()
    }
}

/// ResultHead is the part of a result `classify` decides on, read without decoding the rest of the line.
///
/// It still checks the type of every contract member present, so the fast path refuses exactly the lines a full
/// decode refuses (a property the tests check on a fuzzed corpus).
public struct ResultHead: Sendable, Equatable {
    public var check: String
    public var at: Timestamp
    public var ok: Bool
    public var degraded: Bool
    public var location: String?
    /// The member holding `check`, so a caller can look the id up by its bytes.
    public var checkField: JSONField
    /// Whether the line already holds members `classify` writes (`site`, `tier`, `maintenance`, `state`,
    /// `severity`): a re-classified log has them replaced, which needs the slower rewrite.
    public var classified: Bool

    public init(_ object: ScannedObject) throws(EventError) {
        var check: String?, at: Timestamp?, ok: Bool?, degraded = false, location: String?
        var checkField: JSONField?, classified = false
        for f in object.fields {
            let len = f.keyEnd - f.keyStart
            if f.keyEscaped {
                if !classified, ResultEvent.classificationKeys.contains(where: { object.keyEquals(f, $0) }) { classified = true }
                continue
            }
            guard len >= 2, len <= 11 else { continue }
            switch object.bytes[f.keyStart] {
            case UInt8(ascii: "c") where object.keyEquals(f, EventKeys.check):
                guard f.kind == .string else { throw .type("check", "a string") }
                check = object.string(f)
                checkField = f
            case UInt8(ascii: "a") where object.keyEquals(f, EventKeys.at):
                at = try object.timestamp(f, "at")
            case UInt8(ascii: "o") where object.keyEquals(f, EventKeys.ok):
                guard f.kind == .bool else { throw .type("ok", "a boolean") }
                ok = object.bool(f)
            case UInt8(ascii: "d") where object.keyEquals(f, EventKeys.degraded):
                guard f.kind == .bool || f.kind == .null else { throw .type("degraded", "a boolean") }
                degraded = f.kind == .bool && object.bool(f)
            case UInt8(ascii: "d") where object.keyEquals(f, EventKeys.details):
                guard f.kind == .object || f.kind == .null else { throw .type("details", "an object") }
            case UInt8(ascii: "l") where object.keyEquals(f, EventKeys.location):
                guard f.kind == .string || f.kind == .null else { throw .type("location", "a string") }
                location = f.kind == .string ? object.string(f) : nil
            case UInt8(ascii: "l") where object.keyEquals(f, EventKeys.latencyMs):
                guard f.kind == .null || (f.kind == .number && object.double(f).isFinite) else { throw .type("latency_ms", "a number") }
            case UInt8(ascii: "s") where object.keyEquals(f, EventKeys.status):
                guard f.kind == .null || (f.kind == .number && object.integer(f).flatMap { Int(exactly: $0) } != nil) else {
                    throw .type("status", "an integer")
                }
            case UInt8(ascii: "b") where object.keyEquals(f, EventKeys.bytes):
                guard f.kind == .null || (f.kind == .number && object.integer(f).flatMap { Int(exactly: $0) } != nil) else {
                    throw .type("bytes", "an integer")
                }
            case UInt8(ascii: "k") where object.keyEquals(f, EventKeys.kind):
                guard f.kind == .string || f.kind == .null else { throw .type("kind", "a string") }
            case UInt8(ascii: "e") where object.keyEquals(f, EventKeys.error):
                guard f.kind == .string || f.kind == .null else { throw .type("error", "a string") }
            case UInt8(ascii: "f") where object.keyEquals(f, EventKeys.failed):
                guard f.kind == .null || f.kind == .array else { throw .type("failed", "an array of strings") }
                _ = try object.optionalStrings(EventKeys.failed)
            case UInt8(ascii: "s") where object.keyEquals(f, EventKeys.site) || object.keyEquals(f, EventKeys.state)
                || object.keyEquals(f, EventKeys.severity):
                guard f.kind == .string || f.kind == .null else { throw .type(object.key(f), "a string") }
                classified = true
            case UInt8(ascii: "t") where object.keyEquals(f, EventKeys.tier):
                guard f.kind == .string || f.kind == .null else { throw .type("tier", "a string") }
                classified = true
            case UInt8(ascii: "m") where object.keyEquals(f, EventKeys.maintenance):
                guard f.kind == .string || f.kind == .null else { throw .type("maintenance", "a string") }
                classified = true
            default: continue
            }
        }
        guard let check, let checkField else { throw .missing("check") }
        guard let at else { throw .missing("at") }
        guard let ok else { throw .missing("ok") }
        self.check = check
        self.at = at
        self.ok = ok
        self.degraded = degraded
        self.location = location
        self.checkField = checkField
        self.classified = classified
    }

    /// A line's head read ahead of handling it (`StageLoop.runPipelined`); nil for a line that is not a result, or
    /// whose type or head is refused (handling reads it again and finds out why).
    public static func ahead(_ object: ScannedObject) -> ResultHead? {
        guard (try? object.isEventType(EventKeys.result)) == true else { return nil }
        return try? ResultHead(object)
    }
}
