import Foundation
import Testing

/// Every duration, count, port and size the config accepts, at its upper bound, runs through classify, route and
/// report without trapping (a red team found `every: 53375995584d` loading and then trapping in report, and a port
/// of 99999 trapping in route on every restart). The bounds are `TimeSpan.maxConfigured` and `ConfigBounds`.
@Suite struct ConfigBoundsTests {
    static let max = "366d"
    static let config = """
    timezone: Europe/London
    maintenance_policy: {daily_min_contract_hours: 744, earliest: "00:00", latest: "23:59"}
    tiers:
      enhanced: {contract_hours: 744, outage: critical, degraded: warning, ticket: true, sla: 100}
    defaults:
      every: \(max)
      timeout: \(max)
      confirm: {failures: 10000, for: \(max)}
      recover: {successes: 10000}
    classify:
      flapping: {window: 64, high: 100, low: 100}
      quorum: 10000
      reminder: \(max)
      out_of_order: \(max)
    report:
      certificate_warning_days: 3650
      late_notification: \(max)
    sites:
      - id: big
        name: Every bound at its maximum
        tier: enhanced
        url: http://127.0.0.1:65535/
        maintenance:
          - {name: long, from: "2026-01-01T00:00", to: "2026-12-31T23:59"}
        checks:
          - id: big-http
            http: http://127.0.0.1:65535/
            redirects: 20
            expect: {max_ms: 31622400000, min_bytes: 1099511627776}
            size_anomaly: {samples: 10000, min_samples: 10000, accept_after: \(max)}
          - id: big-tls
            tls: https://127.0.0.1:65535/
            warn_days: 3650
          - id: big-heartbeat
            heartbeat: {every: \(max), grace: \(max)}
            token: ${BOUNDS_TOKEN}
      - id: small
        name: Opens incidents under the routing bounds
        tier: enhanced
        checks:
          - {id: small-tcp, tcp: "127.0.0.1:65535", every: 1s, confirm: {failures: 1, for: 0s}, recover: {successes: 1}}
    routing:
      group_wait: \(max)
      update_interval: \(max)
      retry: {base: \(max), max_delay: \(max), max_attempts: 10000, max_age: \(max)}
      sinks:
        hook: {kind: webhook, url: "${BOUNDS_HOOK}", timeout: \(max), pace: \(max), concurrency: 1}
        desk: {kind: zendesk, url: "http://127.0.0.1:65535", email: a@b.example, token: "${BOUNDS_TOKEN}"}
      routes:
        - {severity: critical, sinks: [hook, desk]}
    """

    /// A day of results: big-* pass and fail with figures near their bounds, small-tcp fails and recovers.
    static var input: String {
        var lines: [String] = []
        for k in 0..<40 {
            let at = String(format: "2026-11-25T10:%02d:%02dZ", k / 2, (k % 2) * 30)
            let ok = k % 7 != 3
            lines.append(#"{"v":1,"type":"result","check":"small-tcp","at":"\#(at)","ok":\#(ok),"kind":"tcp","latency_ms":1.5\#(ok ? "" : #","error":"refused""#)}"#)
            lines.append(#"{"v":1,"type":"result","check":"big-http","at":"\#(at)","ok":\#(k % 2 == 0),"kind":"http","latency_ms":31622399999,"status":200,"bytes":1099511627776}"#)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test func everyBoundAtItsMaximumRunsThroughEveryStage() throws {
        let tmp = try Fixtures.tempFolder("config-bounds")
        defer { try? FileManager.default.removeItem(at: tmp) }
        let config = tmp.appendingPathComponent("c.yaml")
        try Self.config.write(to: config, atomically: true, encoding: .utf8)
        let env = ChildProcess.environment(adding: ["BOUNDS_HOOK": "http://127.0.0.1:65535/hook", "BOUNDS_TOKEN": "bounds-token-0123456789abcdef"])
        let classify = try ChildProcess.run("classify", ["--config", config.path], stdin: Data(Self.input.utf8), environment: env)
        #expect(classify.status == 0, "classify: exit \(classify.status): \(classify.stderrText)")
        #expect(classify.stdoutText.contains(#""type":"incident""#))
        let route = try ChildProcess.run("route", ["--config", config.path, "--dry-run"], stdin: classify.stdout, environment: env)
        #expect(route.status == 0, "route: exit \(route.status): \(route.stderrText)")
        #expect(route.stdoutText.contains(#""type":"would_send""#))
        for format in ["markdown", "json", "html"] {
            let report = try ChildProcess.run("report", ["--config", config.path, "--day", "2026-11-25", "--format", format],
                                              stdin: classify.stdout + route.stdout, environment: env)
            #expect(report.status == 0, "report --format \(format): exit \(report.status): \(report.stderrText)")
        }
    }
}
