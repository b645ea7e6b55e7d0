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
                judgeSize(response.bytes, rule: rule, run: run, into: &outcome)
            }
            expectation.checkLatency(response.totalMs, into: &outcome)
            return outcome
        }
    }

    private func judgeSize(_ bytes: Int, rule: SizeAnomalyRule, run: ProbeRun, into outcome: inout ProbeOutcome) {
        do {
            switch try run.services.baselines.judge(check: run.checkID, bytes: bytes, at: run.startedAt, rule: rule) {
            case .anomalous(let median):
                outcome.details.append(JSONMember(key: "median_bytes", value: .int(Int64(median))))
                outcome.fail("body_size_anomaly", because: "body is \(bytes) bytes, under \(Int(rule.ratio * 100))% of the recent median \(median) bytes")
            case .normal(let median):
                outcome.details.append(JSONMember(key: "median_bytes", value: .int(Int64(median))))
            case .learning:
                break
            }
        } catch {
            // The baseline is an extra; losing it for one run must not turn a good page into an alert.
            outcome.details.append(JSONMember(key: "baseline_error", value: .string(HTTPRequestSpec.oneLine("\(error)"))))
        }
    }
}
