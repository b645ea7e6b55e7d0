import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// `classify --follow --metrics-listen 127.0.0.1:0` as it runs for real: the port it logs answers /metrics with the
/// state of what it read, and SIGTERM still stops it cleanly with the server.
@Suite struct ClassifyMetricsEndpointTests {
    @Test func servesTheStateWhileFollowingAndStopsOnSIGTERM() async throws {
        let dir = try Fixtures.tempFolder("cm")
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("c.yaml"), input = dir.appendingPathComponent("results.ndjson")
        try """
            tiers: {enhanced: {outage: critical, sla: 99.9}}
            defaults: {confirm: {failures: 2, for: 1m}}
            sites:
              - {id: acme, client: ACME Ltd, tier: enhanced, checks: [{id: acme-home, tcp: "127.0.0.1:9"}]}
            """.write(to: config, atomically: true, encoding: .utf8)
        let lines = (0..<3).map { k in
            #"{"v":1,"type":"result","check":"acme-home","at":"2026-11-10T10:0\#(k):00Z","ok":\#(k == 0)}"#
        }
        try (lines.joined(separator: "\n") + "\n").write(to: input, atomically: true, encoding: .utf8)
        let classify = try CollectedChild("classify", ["--config", config.path, "--follow", "--input", input.path,
                                                       "--output", dir.appendingPathComponent("out.ndjson").path,
                                                       "--metrics-listen", "127.0.0.1:0"])
        defer { classify.killIfRunning() }
        // Generous: a debug build starting beside the whole suite on two cores has been seen to take over 30 s.
        #expect(await classify.stderr.waitFor(seconds: 120) { $0.contains("metrics listening on 127.0.0.1:") })
        let port = try #require(classify.stderr.lines.compactMap { $0.split(separator: "metrics listening on 127.0.0.1:").last.flatMap { Int($0) } }.first)
        var text = ""
        for _ in 0..<100 {
            let (data, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/metrics")!)
            text = String(decoding: data, as: UTF8.self)
            if text.contains("lookout_classify_lines_read_total 3.0") { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(text.contains(#"lookout_check_state{check="acme-home",site="acme",client="ACME Ltd",tier="enhanced",kind="tcp",state="down"} 1.0"#), "\(text)")
        #expect(text.contains(#"lookout_client_error_budget_used_seconds{client="ACME Ltd",sla="99.9"} 60.0"#), "\(text)")
        #expect(text.contains("lookout_classify_lines_read_total 3.0"))
        #expect(classify.stop(SIGTERM) == 0)
    }
}
