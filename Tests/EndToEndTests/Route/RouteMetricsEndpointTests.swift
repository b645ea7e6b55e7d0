import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
@testable import LookoutCore
import LookoutTesting
import Testing

/// `route --follow --metrics-listen 127.0.0.1:0` as it runs for real, against loopback receivers that accept, fail
/// (500, then dead after three attempts), refuse (400, dead at once) and rate-limit (503 with an hour's Retry-After):
/// the scrape gives the exact counts the delivery lines say, the outbox's backlog, passes `promtool check metrics`,
/// and SIGTERM stops the server with the stage.
@Suite struct RouteMetricsEndpointTests {
    @Test func servesDeliveriesAndBacklogPerSinkAndStopsOnSIGTERM() async throws {
        let dir = try Fixtures.tempFolder("rm")
        defer { try? FileManager.default.removeItem(at: dir) }
        let ok = try RecordingServer { _, _ in .ok }
        let broken = try RecordingServer { _, _ in .init(status: 500, body: "boom") }
        let refused = try RecordingServer { _, _ in .init(status: 400, body: "bad request") }
        let limited = try RecordingServer { _, _ in .init(status: 503, headers: [("Retry-After", "3600")], body: "slow down") }
        defer { [ok, broken, refused, limited].forEach { $0.shutdown() } }
        let routing = """
          retry: {base: 10ms, max_delay: 20ms, max_attempts: 3}
          sinks:
            ok: {kind: webhook, url: "${OK_URL}"}
            broken: {kind: webhook, url: "${BROKEN_URL}"}
            refused: {kind: webhook, url: "${REFUSED_URL}"}
            limited: {kind: webhook, url: "${LIMITED_URL}", concurrency: 1}
          routes:
            - {sinks: [ok, broken, refused, limited]}
        """
        let config = dir.appendingPathComponent("c.yaml"), input = dir.appendingPathComponent("classified.ndjson")
        try RouteHarness.config(sites: 2, routing: routing).write(to: config, atomically: true, encoding: .utf8)
        let lines = [1, 2].map { String(decoding: RouteHarness.incident($0, .opened, at: 90).encoded(), as: UTF8.self) }
        try ([lines[0], "not json", lines[1]].joined(separator: "\n") + "\n").write(to: input, atomically: true, encoding: .utf8)
        let output = dir.appendingPathComponent("deliveries.ndjson")
        let started = Date().timeIntervalSince1970
        let route = try CollectedChild("route", ["--config", config.path, "--follow", "--input", input.path,
                                                 "--state", dir.appendingPathComponent("outbox.sqlite").path,
                                                 "--output", output.path, "--metrics-listen", "127.0.0.1:0"],
                                   environment: ["OK_URL": ok.baseURL + "/hook", "BROKEN_URL": broken.baseURL + "/hook",
                                                 "REFUSED_URL": refused.baseURL + "/hook", "LIMITED_URL": limited.baseURL + "/hook"])
        defer { route.killIfRunning() }
        #expect(await route.stderr.waitFor(seconds: 120) { $0.contains("metrics listening on 127.0.0.1:") })
        let port = try #require(route.stderr.lines.compactMap { $0.split(separator: "metrics listening on 127.0.0.1:").last.flatMap { Int($0) } }.first)

        // Every outcome is known once the counters reach them: 2 sent; 2 x (2 retries, then dead); 2 dead; 1 retry.
        let expected: [String: [String: Double]] = [
            "ok": ["sent": 2, "retrying": 0, "dead": 0], "broken": ["sent": 0, "retrying": 4, "dead": 2],
            "refused": ["sent": 0, "retrying": 0, "dead": 2], "limited": ["sent": 0, "retrying": 1, "dead": 0],
        ]
        var scrape = Scrape(text: "")
        for _ in 0..<600 {
            scrape = try await Scrape.get(port: port)
            let done = expected.allSatisfy { sink, outcomes in
                outcomes.allSatisfy { scrape.value("lookout_route_deliveries_total", ["sink": sink, "outcome": $0.key]) == $0.value }
            }
            if done && scrape.value("lookout_route_lines_read_total") == 3 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        for (sink, outcomes) in expected {
            for (outcome, value) in outcomes {
                #expect(scrape.value("lookout_route_deliveries_total", ["sink": sink, "outcome": outcome]) == value, "\(sink) \(outcome)\n\(scrape.text)")
            }
        }
        // The limited sink holds its first delivery for the Retry-After and has not tried the second yet.
        let backlog: [String: [String: Double]] = [
            "ok": ["queued": 0, "in_flight": 0, "retrying": 0], "broken": ["queued": 0, "in_flight": 0, "retrying": 0],
            "refused": ["queued": 0, "in_flight": 0, "retrying": 0], "limited": ["queued": 1, "in_flight": 0, "retrying": 1],
        ]
        for (sink, states) in backlog {
            for (state, value) in states {
                #expect(scrape.value("lookout_route_outbox_deliveries", ["sink": sink, "state": state]) == value, "\(sink) \(state)")
            }
        }
        for (sink, dead) in ["ok": 0.0, "broken": 2, "refused": 2, "limited": 0] {
            #expect(scrape.value("lookout_route_dead_letters", ["sink": sink]) == dead, "\(sink)")
        }
        let age = try #require(scrape.value("lookout_route_oldest_queued_age_seconds", ["sink": "limited"]))
        #expect(age >= 0 && age < Date().timeIntervalSince1970 - started + 1)
        #expect(scrape.value("lookout_route_oldest_queued_age_seconds", ["sink": "ok"]) == 0)
        let last = try #require(scrape.value("lookout_route_last_delivery_timestamp_seconds", ["sink": "ok"]))
        #expect(last >= started.rounded(.down) && last <= Date().timeIntervalSince1970 + 1)
        #expect(scrape.value("lookout_route_last_delivery_timestamp_seconds", ["sink": "broken"]) == 0)
        #expect(scrape.value("lookout_route_lines_read_total") == 3)
        #expect(scrape.value("lookout_route_lines_rejected_total") == 1)
        // Only configured sinks and the fixed sets appear as label values.
        #expect(Set(scrape.samples.compactMap { $0.labels["sink"] }) == ["ok", "broken", "refused", "limited"])
        #expect(Set(scrape.samples.compactMap { $0.labels["outcome"] }) == ["sent", "retrying", "dead"])
        #expect(Set(scrape.samples.compactMap { $0.labels["state"] }) == ["queued", "in_flight", "retrying"])
        let lint = try ChildProcess.run(path: try InstalledTool.promtool(), ["check", "metrics"], stdin: Data(scrape.text.utf8))
        #expect(lint.status == 0, "\(lint.stdoutText)\(lint.stderrText)")

        // The counters say what the delivery lines say.
        let delivered = try String(contentsOf: output, encoding: .utf8).split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }
        for outcome in ["sent", "retrying", "dead"] {
            let lines = delivered.filter { $0["outcome"] as? String == outcome }.count
            #expect(Double(lines) == expected.values.reduce(0) { $0 + ($1[outcome] ?? 0) }, "\(outcome)")
        }

        // SIGTERM: the stage stops (65: a line was malformed) and its server with it; stdout stayed empty.
        #expect(route.stop(SIGTERM) == 65)
        #expect(route.stdout.lines.isEmpty)
        await #expect(throws: (any Error).self) { _ = try await Scrape.get(port: port) }
    }
}

/// Scrape is one `GET /metrics` answer.
struct Scrape {
    let text: String

    static func get(port: Int) async throws -> Scrape {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/metrics")!)
        request.timeoutInterval = 10
        let (data, _) = try await URLSession.shared.data(for: request)
        return Scrape(text: String(decoding: data, as: UTF8.self))
    }

    var samples: [PrometheusText.Sample] { PrometheusText(text).samples }

    /// The value of the one series of `name` whose labels include `labels`; nil for none or several.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        let found = PrometheusText(text).matching(name, labels)
        return found.count == 1 ? found[0].value : nil
    }
}
