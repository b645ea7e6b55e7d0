import Foundation
import LookoutCore

/// HTTPExpectation is an http check's `expect:` block. Each failed entry is named in `failed` as written in config:
/// `status: [200, 204]`, `contains: <footer`, `not_contains: /fatal error/i`, `min_bytes: 20000`, `max_ms: 3000`.
public struct HTTPExpectation: Sendable {
    /// Accepted statuses; empty means any 2xx.
    public var statuses: [Int] = []
    var statusWritten: String { HTTPExpectation.written(statuses) }
    public var contains: [TextMatcher] = []
    public var notContains: [TextMatcher] = []
    public var minBytes: Int?
    public var maxMs: Int?

    static let keys: Set<String> = ["status", "contains", "not_contains", "min_bytes", "max_ms"]

    init(_ node: ConfigNode?) throws {
        guard let node else { return }
        let m = try node.mapping(allowing: HTTPExpectation.keys)
        if let n = m["status"] {
            statuses = try n.list().map(HTTPExpectation.status)
            guard !statuses.isEmpty else { throw n.error("\(n.path) must list at least one status") }
        }
        contains = try TextMatcher.list(m["contains"])
        notContains = try TextMatcher.list(m["not_contains"])
        if let n = m["min_bytes"] {
            minBytes = try n.int()
            guard minBytes! >= 0 else { throw n.error("\(n.path) must not be negative") }
            minBytes = try n.int(in: 0...ConfigBounds.maxBytes)
        }
        if let n = m["max_ms"] {
            maxMs = try n.int()
            guard maxMs! > 0 else { throw n.error("\(n.path) must be more than 0") }
            maxMs = try n.int(in: 1...Int(TimeSpan.maxConfigured.milliseconds))
        }
    }

    /// One accepted status from config.
    static func status(_ item: ConfigNode) throws -> Int {
        let code = try item.int()
        guard (100...599).contains(code) else { throw item.error("\(item.path) must be an HTTP status between 100 and 599") }
        return code
    }

    /// Accepted statuses as `failed` names them: `200`, or `[200, 204]`.
    static func written(_ statuses: [Int]) -> String {
        statuses.count == 1 ? "\(statuses[0])" : "[\(statuses.map(String.init).joined(separator: ", "))]"
    }

    /// Checks status and content; returns whether the status was accepted (only then is the body worth judging).
    func check(_ r: HTTPRequestSpec.Response, into outcome: inout ProbeOutcome) -> Bool {
        let statusOK = checkStatus(r.status, into: &outcome)
        checkContent(r.body, bytes: r.bytes, subject: "body", into: &outcome)
        return statusOK
    }

    /// Whether `status` is accepted (by default any 2xx); a refused one fails as `status` or `status: [200, 204]`.
    func checkStatus(_ status: Int, into outcome: inout ProbeOutcome) -> Bool {
        let statusOK = statuses.isEmpty ? (200..<300).contains(status) : statuses.contains(status)
        if !statusOK {
            outcome.fail(statuses.isEmpty ? "status" : "status: \(statusWritten)",
                         because: "status \(status), expected \(statuses.isEmpty ? "2xx" : statusWritten)")
        }
        return statusOK
    }

    /// `contains`, `not_contains` and `min_bytes` on a text (`subject` names it in errors: "body", "visible text");
    /// `bytes` is its whole size, of which `content` may be the first part.
    func checkContent(_ content: [UInt8], bytes: Int, subject: String, into outcome: inout ProbeOutcome) {
        var text: String?
        let decoded = {
            if let text { return text }
            let s = String(decoding: content, as: UTF8.self)
            text = s
            return s
        }
        for m in contains where !m.matches(content, decoded: decoded) {
            outcome.fail("contains: \(m.written)", because: "\(subject) does not contain \(m.isRegex ? "a match for " : "")\"\(m.written)\"")
        }
        for m in notContains where m.matches(content, decoded: decoded) {
            outcome.fail("not_contains: \(m.written)", because: "\(subject) contains \(m.isRegex ? "a match for " : "")\"\(m.written)\"")
        }
        if let minBytes, bytes < minBytes {
            outcome.fail("min_bytes: \(minBytes)", because: "\(subject) is \(bytes) bytes, under min_bytes \(minBytes)")
        }
    }

    /// Over `max_ms` the site works but is slow: degraded, not down.
    func checkLatency(_ totalMs: Double, into outcome: inout ProbeOutcome) {
        if let maxMs, totalMs > Double(maxMs) {
            outcome.degrade("max_ms: \(maxMs)", because: "took \(Int(totalMs.rounded())) ms, over max_ms \(maxMs)")
        }
    }
}
