import Foundation
import LookoutCore

/// HTTPProbe fetches a page and judges what a status code hides: the expected status, text or regex that must (or
/// must not) appear, a minimum size, a latency limit (over it: degraded), and, with nothing configured, a body far
/// smaller than the check's recent median (the header-only page).
///
/// ```yaml
/// - id: acme-home
///   http: https://acme.example/
///   headers: {Authorization: "Bearer ${ACME_TOKEN}"}
///   expect: {status: [200], contains: ["<footer", "/Copyright \\d{4}/"], not_contains: ["Fatal error"],
///            min_bytes: 20000, max_ms: 3000}
/// ```
public struct HTTPProbe: ProbeKind {
    public static let name = "http"
    public static let settingKeys: Set<String> = HTTPRequestSpec.keys.union(["expect", "size_anomaly"])

    public let request: HTTPRequestSpec
    public let expectation: HTTPExpectation
    /// nil when `size_anomaly: false`.
    public let sizeAnomaly: SizeAnomalyRule?

    public var host: String? { request.host }

    public init(target: ConfigNode, check: ConfigMapping, context: ConfigContext) throws {
        request = try HTTPRequestSpec(target: target, check: check, context: context)
        expectation = try HTTPExpectation(check["expect"])
        sizeAnomaly = try SizeAnomalyRule.parse(check["size_anomaly"])
    }

    public func run(_ run: ProbeRun) async -> ProbeOutcome {
        switch await request.fetch(client: run.services.http, timeout: run.timeout) {
        case .failure(let f):
            return ProbeOutcome(fetchFailure: f)
        case .success(let response):
            var outcome = ProbeOutcome(response: response)
            let statusOK = expectation.check(response, into: &outcome)
            if statusOK, let rule = sizeAnomaly {
                outcome.judgeSize(response.bytes, of: "body", key: run.checkID, rule: rule, at: run.startedAt,
                                  baselines: run.services.baselines, assertion: "body_size_anomaly", medianKey: "median_bytes")
            }
            expectation.checkLatency(response.totalMs, into: &outcome)
            return outcome
        }
    }
}
