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
    public init(_ o: ScannedObject) throws(EventError) {
        let type = try o.eventType()
        guard type == "result" else { throw EventError("expected a result event, got \"\(type)\"") }
        let head = try ResultHead(o)
        self.init(check: head.check, at: head.at, ok: head.ok)
        degraded = head.degraded
        location = head.location
        kind = try o.optionalString(EventKeys.kind)
        if let f = o.field(EventKeys.latencyMs), f.kind != .null {
            guard f.kind == .number else { throw .type("latency_ms", "a number") }
            latencyMs = o.double(f)
        }
        status = try o.optionalInt(EventKeys.status)
        bytes = try o.optionalInt(EventKeys.bytes)
        error = try o.optionalString(EventKeys.error)
        failed = try o.optionalStrings(EventKeys.failed)
        if let f = o.field(EventKeys.details), f.kind != .null {
            guard f.kind == .object else { throw .type("details", "an object") }
            details = o.value(f)
        }
        let site = try o.optionalString(EventKeys.site), tier = try o.optionalString(EventKeys.tier)
        let maintenance = try o.optionalString(EventKeys.maintenance), severity = try o.optionalString(EventKeys.severity)
        if let state = try o.optionalString(EventKeys.state) {
            classification = Classification(site: site, tier: tier, maintenance: maintenance, state: state,
                                            severity: severity ?? "none")
        }
        for f in o.fields where !ResultEvent.knownKeys.contains(where: { o.keyEquals(f, $0) }) {
            extra.append(JSONMember(key: o.key(f), value: o.value(f)))
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

    public init(_ o: ScannedObject) throws(EventError) {
        var check: String?, at: Timestamp?, ok: Bool?, degraded = false, location: String?
        var checkField: JSONField?, classified = false
        for f in o.fields {
            let len = f.keyEnd - f.keyStart
            if f.keyEscaped {
                if !classified, ResultEvent.classificationKeys.contains(where: { o.keyEquals(f, $0) }) { classified = true }
                continue
            }
            guard len >= 2, len <= 11 else { continue }
            switch o.bytes[f.keyStart] {
            case UInt8(ascii: "c") where o.keyEquals(f, EventKeys.check):
                guard f.kind == .string else { throw .type("check", "a string") }
                check = o.string(f)
                checkField = f
            case UInt8(ascii: "a") where o.keyEquals(f, EventKeys.at):
                at = try o.timestamp(f, "at")
            case UInt8(ascii: "o") where o.keyEquals(f, EventKeys.ok):
                guard f.kind == .bool else { throw .type("ok", "a boolean") }
                ok = o.bool(f)
            case UInt8(ascii: "d") where o.keyEquals(f, EventKeys.degraded):
                guard f.kind == .bool || f.kind == .null else { throw .type("degraded", "a boolean") }
                degraded = f.kind == .bool && o.bool(f)
            case UInt8(ascii: "d") where o.keyEquals(f, EventKeys.details):
                guard f.kind == .object || f.kind == .null else { throw .type("details", "an object") }
            case UInt8(ascii: "l") where o.keyEquals(f, EventKeys.location):
                guard f.kind == .string || f.kind == .null else { throw .type("location", "a string") }
                location = f.kind == .string ? o.string(f) : nil
            case UInt8(ascii: "l") where o.keyEquals(f, EventKeys.latencyMs):
                guard f.kind == .number || f.kind == .null else { throw .type("latency_ms", "a number") }
            case UInt8(ascii: "s") where o.keyEquals(f, EventKeys.status):
                guard f.kind == .null || (f.kind == .number && o.integer(f).flatMap { Int(exactly: $0) } != nil) else {
                    throw .type("status", "an integer")
                }
            case UInt8(ascii: "b") where o.keyEquals(f, EventKeys.bytes):
                guard f.kind == .null || (f.kind == .number && o.integer(f).flatMap { Int(exactly: $0) } != nil) else {
                    throw .type("bytes", "an integer")
                }
            case UInt8(ascii: "k") where o.keyEquals(f, EventKeys.kind):
                guard f.kind == .string || f.kind == .null else { throw .type("kind", "a string") }
            case UInt8(ascii: "e") where o.keyEquals(f, EventKeys.error):
                guard f.kind == .string || f.kind == .null else { throw .type("error", "a string") }
            case UInt8(ascii: "f") where o.keyEquals(f, EventKeys.failed):
                guard f.kind == .null || f.kind == .array else { throw .type("failed", "an array of strings") }
                _ = try o.optionalStrings(EventKeys.failed)
            case UInt8(ascii: "s") where o.keyEquals(f, EventKeys.site) || o.keyEquals(f, EventKeys.state)
                || o.keyEquals(f, EventKeys.severity):
                guard f.kind == .string || f.kind == .null else { throw .type(o.key(f), "a string") }
                classified = true
            case UInt8(ascii: "t") where o.keyEquals(f, EventKeys.tier):
                guard f.kind == .string || f.kind == .null else { throw .type("tier", "a string") }
                classified = true
            case UInt8(ascii: "m") where o.keyEquals(f, EventKeys.maintenance):
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
}
