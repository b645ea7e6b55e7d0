import Foundation
import LookoutCore

/// HealthProbe fetches a JSON health report (the agency's `/health_check.php`) and judges it two ways:
///
/// - by default it understands the common shape `{"status": "ok|degraded|fail", "checks": {"db": "ok",
///   "queue": {"status": "degraded"}}}`: a failed component is down, a degraded one degraded, and the component
///   names go into `failed` (`components: false` turns this off);
/// - `assert:` lists `JSONPathAssertion`s such as `$.queue.failed < 10`, each named in `failed` as written.
public struct HealthProbe: ProbeKind {
    public static let name = "health"
    public static let settingKeys: Set<String> = HTTPRequestSpec.keys.union(["assert", "components", "status"])

    public let request: HTTPRequestSpec
    public let assertions: [JSONPathAssertion]
    public let understandsComponents: Bool
    /// Accepted HTTP statuses; empty accepts any status whose body is a JSON report (many reports answer 503 when
    /// a component fails, and the report says more than the status).
    public let statuses: [Int]

    public var host: String? { request.host }

    public init(target: ConfigNode, check: ConfigMapping, context: ConfigContext) throws {
        request = try HTTPRequestSpec(target: target, check: check, context: context)
        assertions = try (check["assert"]?.list() ?? []).map(JSONPathAssertion.parse)
        understandsComponents = try check["components"]?.bool() ?? true
        statuses = try (check["status"]?.list() ?? []).map(HTTPExpectation.status)
    }

    /// How a status word reads: `ok`, `pass`, `up`, `healthy` are fine; `warn`, `degraded` degraded; anything else down.
    enum Health { case ok, degraded, down }

    static func health(_ word: String) -> Health {
        switch word.lowercased() {
        case "ok", "pass", "passed", "up", "healthy", "green", "success": .ok
        case "degraded", "warn", "warning", "yellow": .degraded
        default: .down
        }
    }

    public func run(_ run: ProbeRun) async -> ProbeOutcome {
        let response: HTTPRequestSpec.Response
        switch await request.fetch(client: run.services.http, timeout: run.timeout) {
        case .failure(let f): return ProbeOutcome(fetchFailure: f)
        case .success(let r): response = r
        }
        var outcome = ProbeOutcome(response: response)
        if !statuses.isEmpty, !statuses.contains(response.status) {
            let written = HTTPExpectation.written(statuses)
            outcome.fail("status: \(written)", because: "status \(response.status), expected \(written)")
        }
        guard let document = response.body.withUnsafeBufferPointer({ JSONValue.parse($0) }) else {
            outcome.fail("json", because: "status \(response.status), and the body is not JSON")
            return outcome
        }
        if understandsComponents { judgeComponents(document, into: &outcome) }
        for a in assertions {
            if let why = a.failure(in: document) { outcome.fail(a.written, because: why) }
        }
        return outcome
    }

    private func judgeComponents(_ document: JSONValue, into outcome: inout ProbeOutcome) {
        var degradedNames: [(name: String, reason: String)] = []
        var componentDetails: [JSONMember] = []
        if case .object(let members)? = document["checks"] {
            for m in members {
                let word = m.value.stringValue ?? m.value["status"]?.stringValue
                guard let word else { continue }
                componentDetails.append(JSONMember(key: m.key, value: .string(word)))
                switch HealthProbe.health(word) {
                case .ok: break
                case .degraded: degradedNames.append((m.key, "component \(m.key) is \(word)"))
                case .down: outcome.fail(m.key, because: "component \(m.key) is \(word)")
                }
            }
        }
        if let overall = document["status"]?.stringValue {
            outcome.details.append(JSONMember(key: "report_status", value: .string(overall)))
            switch HealthProbe.health(overall) {
            case .ok: break
            case .degraded where outcome.ok && degradedNames.isEmpty:
                degradedNames.append(("status", "the report's status is \(overall)"))
            case .degraded: break
            case .down where outcome.ok: outcome.fail("status", because: "the report's status is \(overall)")
            case .down: break
            }
        }
        if !componentDetails.isEmpty { outcome.details.append(JSONMember(key: "components", value: .object(componentDetails))) }
        for d in degradedNames { outcome.degrade(d.name, because: d.reason) }
    }
}
