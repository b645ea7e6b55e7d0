import AsyncHTTPClient
import Foundation
@testable import LookoutCore
import Testing

/// The built `probe --listen` serves each check's series on /metrics once the check has run: probe makes per-check
/// series only when /metrics is served (making them for 15,000 checks cost seconds of CPU, bench/RESULTS.md), so this
/// is what keeps the served case whole.
@Suite struct ProbeMetricsEndpointTests {
    @Test func aCheckThatRanHasItsSeriesOnMetrics() async throws {
        let dir = try Fixtures.tempFolder("probe-metrics")
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = try ProbeEndToEndTests.write(ProbeEndToEndTests.config("""
                  - {id: acme-port, tcp: "127.0.0.1:\(LoopbackPort.free())"}
            """), in: dir)
        let results = dir.appendingPathComponent("results.ndjson").path
        let port = LoopbackPort.free()
        var probe = try BackgroundStage("probe", ["--config", config, "--listen", "127.0.0.1:\(port)", "--output", results],
                                        in: dir, tag: "probe")
        defer { probe.terminate() }
        #expect(await waitUntil(timeout: 60) {
            ((try? String(contentsOfFile: results, encoding: .utf8)) ?? "").contains(#""check":"acme-port""#)
        }, "\(probe.stderr)")
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/metrics"), timeout: .seconds(30))
        let text = String(buffer: try await response.body.collect(upTo: 1 << 22))
        let lines = text.split(separator: "\n")
        func value(_ line: Substring) -> Double? { line.split(separator: " ").last.flatMap { Double($0) } }
        #expect(lines.first { $0.hasPrefix("lookout_probe_checks ") }.flatMap(value) == 1, "\(text)")
        let success = lines.filter { $0.hasPrefix("lookout_check_success{") }
        #expect(success.count == 1 && success[0].contains(#"check="acme-port""#) && value(success[0]) == 0, "\(text)")
    }
}
