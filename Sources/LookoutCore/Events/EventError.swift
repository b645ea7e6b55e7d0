import Foundation

/// EventError says why a line is not a valid event of the contract; the stage reports it with the line number.
public struct EventError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }

    static func missing(_ key: String) -> EventError { EventError("missing required field \"\(key)\"") }
    static func type(_ key: String, _ expected: String) -> EventError { EventError("field \"\(key)\" must be \(expected)") }
}

/// EventKeys are the contract's member names, prepared once for byte comparison.
package enum EventKeys {
    static let v: JSONKey = "v", type: JSONKey = "type", check: JSONKey = "check", at: JSONKey = "at", ok: JSONKey = "ok"
    static let degraded: JSONKey = "degraded", kind: JSONKey = "kind", location: JSONKey = "location"
    static let latencyMs: JSONKey = "latency_ms", status: JSONKey = "status", bytes: JSONKey = "bytes"
    package static let error: JSONKey = "error", failed: JSONKey = "failed", details: JSONKey = "details"
    static let site: JSONKey = "site", tier: JSONKey = "tier", maintenance: JSONKey = "maintenance"
    static let state: JSONKey = "state", severity: JSONKey = "severity"
    /// A value, not a key: the `type` of result lines.
    package static let result: JSONKey = "result"
}

extension ScannedObject {
    func requiredString(_ key: JSONKey) throws(EventError) -> String {
        guard let f = field(key) else { throw .missing(key.name) }
        guard f.kind == .string else { throw .type(key.name, "a string") }
        return string(f)
    }

    /// A member the contract requires that may be null (an incident's `maintenance`): absent is refused.
    func requiredNullableString(_ key: JSONKey) throws(EventError) -> String? {
        guard field(key) != nil else { throw .missing(key.name) }
        return try optionalString(key)
    }

    package func optionalString(_ key: JSONKey) throws(EventError) -> String? {
        guard let f = field(key), f.kind != .null else { return nil }
        guard f.kind == .string else { throw .type(key.name, "a string") }
        return string(f)
    }

    func requiredTimestamp(_ key: JSONKey) throws(EventError) -> Timestamp {
        guard let f = field(key) else { throw .missing(key.name) }
        return try timestamp(f, key.name)
    }

    package func timestamp(_ field: JSONField, _ name: String) throws(EventError) -> Timestamp {
        guard field.kind == .string else { throw .type(name, "an RFC 3339 time string") }
        let parsed: Timestamp?
        if let body = unescapedStringBody(field) { parsed = Timestamp(rfc3339: body) } else { parsed = Timestamp(rfc3339: string(field)) }
        guard let t = parsed else { throw .type(name, "an RFC 3339 time such as 2026-11-25T08:00:00Z") }
        return t
    }

    func optionalInt(_ key: JSONKey) throws(EventError) -> Int? {
        guard let f = field(key), f.kind != .null else { return nil }
        guard f.kind == .number, let v = integer(f), let i = Int(exactly: v) else { throw .type(key.name, "an integer") }
        return i
    }

    func optionalBool(_ key: JSONKey) throws(EventError) -> Bool? {
        guard let f = field(key), f.kind != .null else { return nil }
        guard f.kind == .bool else { throw .type(key.name, "true or false") }
        return bool(f)
    }

    package func optionalStrings(_ key: JSONKey) throws(EventError) -> [String]? {
        guard let f = field(key), f.kind != .null else { return nil }
        guard f.kind == .array, case .array(let items) = value(f) else { throw .type(key.name, "an array of strings") }
        var out: [String] = []
        for item in items {
            guard case .string(let s) = item else { throw .type(key.name, "an array of strings") }
            out.append(s)
        }
        return out
    }

    /// The contract version and event type every line carries.
    public func eventType() throws(EventError) -> String {
        try string(typeField())
    }

    /// Whether `eventType()` is `type`, checked as strictly but without building the type's String.
    package func isEventType(_ type: JSONKey) throws(EventError) -> Bool {
        let f = try typeField()
        guard let body = unescapedStringBody(f) else { return string(f) == type.name }
        return body.isEmpty ? type.literal.utf8CodeUnitCount == 0 : type.matches(body.baseAddress!, body.count)
    }

    private func typeField() throws(EventError) -> JSONField {
        guard let v = field(EventKeys.v) else { throw .missing("v") }
        guard v.kind == .number, let version = integer(v) else { throw .type("v", "an integer") }
        guard version == 1 else { throw EventError("unsupported contract version \(version); this build reads v1") }
        guard let f = field(EventKeys.type) else { throw .missing("type") }
        guard f.kind == .string else { throw .type("type", "a string") }
        return f
    }
}
