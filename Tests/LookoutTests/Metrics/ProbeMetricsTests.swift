import AsyncHTTPClient
import Foundation
import Logging
@testable import LookoutCore
import LookoutMetrics
@testable import LookoutProbe
@testable import LookoutTesting
import NIOCore
import Testing

/// The probe's `/metrics` after known runs against loopback sites: every value checked, and the text passed
/// through `promtool check metrics`.
@Suite struct ProbeMetricsTests {
    static let t0 = Timestamp(rfc3339: "2026-11-25T08:00:00Z")!
    static let page = "hello, world"  // 12 bytes

    static func config(site: String, refused: Int, tls: Int, caPath: String) throws -> Config {
        try Config.parse(yaml: """
            tiers:
              enhanced: {outage: critical, degraded: warning, sla: 99.9}
              prospect: {outage: none}
            sites:
              - id: acme
                client: ACME Ltd
                tier: enhanced
                checks:
                  - {id: acme-home, http: \(site)/, size_anomaly: false}
                  - {id: acme-shop, http: \(site)/shop, size_anomaly: false}
                  - {id: acme-cert, tls: "127.0.0.1:\(tls)", server_name: localhost, ca_file: \(caPath), timeout: 30s}
              - id: initech
                tier: prospect
                checks:
                  - {id: initech-home, http: "http://127.0.0.1:\(refused)/", size_anomaly: false, timeout: 2s}
                  - {id: initech-never, tcp: "127.0.0.1:\(refused)"}
            """, file: "metrics.yaml")
    }

    @Test func knownRunsGiveKnownValuesAndPassPromtool() async throws {
        // The certificate's end is fixed when it is made: compare with that moment, not with the end of a test that a
        // loaded machine can stretch past two minutes.
        let madeFrom = Date().timeIntervalSince1970
        let certs = try TestCertificates(serverValidFor: 40 * 86_400)
        let madeBy = Date().timeIntervalSince1970
        let dir = try ProbeTestSupport.tempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let site = try await ProbeSite { path, _ in path == "/shop" ? .init(status: 503, body: "down") : .init(body: ProbeMetricsTests.page) }
        let tlsSite = try await ProbeSite(tls: certs.serverContext) { _, _ in .init(body: "ok") }
        let config = try Self.config(site: site.baseURL, refused: try ProbeTestSupport.refusedPort(), tls: tlsSite.port,
                                     caPath: try certs.writeCA(in: dir))
        let metrics = ProbeMetrics()
        metrics.configure(config, location: "lon1")
        let services = try ProbeServices(metrics: metrics)
        let output = try ProbeRunnerTests.Output()
        let runner = ProbeRunner(checks: config.allChecks.filter { $0.id != "initech-never" }, location: "lon1",
                                 writer: output.writer, clock: ManualClock(Self.t0), services: services)
        try await runner.runOnce()
        try await runner.runOnce()
        await site.stop()
        await tlsSite.stop()
        await services.shutdown()

        let scrape = try await Self.scrape(metrics)
        let home = ["check": "acme-home", "site": "acme", "client": "ACME Ltd", "tier": "enhanced", "kind": "http", "location": "lon1"]
        let shop = ["check": "acme-shop"], refused = ["check": "initech-home", "client": "initech", "tier": "prospect"]
        #expect(scrape.value("lookout_check_success", home) == 1)
        #expect(scrape.value("lookout_check_success", shop) == 0)
        #expect(scrape.value("lookout_check_success", refused) == 0)
        #expect(scrape.value("lookout_check_http_status_code", home) == 200)
        #expect(scrape.value("lookout_check_http_status_code", shop) == 503)
        #expect(scrape.value("lookout_check_http_status_code", refused) == 0, "no response: 0, as blackbox says")
        #expect(scrape.value("lookout_check_body_size_bytes", home) == 12)
        #expect(scrape.value("lookout_check_runs_total", home.merging(["outcome": "up"]) { $1 }) == 2)
        #expect(scrape.value("lookout_check_runs_total", shop.merging(["outcome": "down"]) { $1 }) == 2)
        #expect(scrape.value("lookout_check_last_run_timestamp_seconds", home) == Double(Self.t0.milliseconds / 1000))
        #expect(scrape.value("lookout_check_duration_seconds_count", home) == 2)
        #expect(scrape.value("lookout_check_duration_seconds_bucket", home.merging(["le": "+Inf"]) { $1 }) == 2)
        // Every bucket holds exactly the runs whose result says they were at most that long (no timing assumed).
        let homeLines = output.lines().compactMap(JSONValue.parse).filter { $0["check"]?.stringValue == "acme-home" }
        let seconds = homeLines.compactMap { $0["latency_ms"]?.doubleValue }.map { $0 / 1000 }
        #expect(seconds.count == 2)
        for le in ProbeMetrics.durationBuckets {
            let label = le == le.rounded() && le >= 1 ? String(format: "%.1f", le) : String(le)
            #expect(scrape.value("lookout_check_duration_seconds_bucket", home.merging(["le": label]) { $1 })
                == Double(seconds.filter { $0 <= le }.count), "le=\(label)")
        }
        #expect(abs((scrape.value("lookout_check_duration_seconds_sum", home) ?? -1) - seconds.reduce(0, +)) < 0.000_01)
        // The certificate's not_after, as the tls result reported it.
        // (On a loaded 2-core CI machine the handshake once failed, most likely past the default 10 s: hence 30 s above,
        // and the line itself in the message if it fails again.)
        let certLine = output.lines().first { $0.contains(#""check":"acme-cert""#) }
        let notAfter = certLine.flatMap(JSONValue.parse)?["details"]?["not_after"]?.stringValue
        let expiry = try #require(notAfter.flatMap(Timestamp.init(rfc3339:)), "the tls result: \(certLine ?? "none")")
        #expect(scrape.value("lookout_check_certificate_expiry_timestamp_seconds", ["check": "acme-cert", "kind": "tls"])
            == Double(expiry.milliseconds) / 1000)
        let expirySeconds = Double(expiry.milliseconds) / 1000
        #expect(expirySeconds >= (madeFrom + 40 * 86_400).rounded(.down) - 1 && expirySeconds <= madeBy + 40 * 86_400 + 1,
                "not_after \(expirySeconds) vs made \(madeFrom)...\(madeBy) + 40 days")
        #expect(scrape.value("lookout_probe_results_total") == 8)
        #expect(scrape.value("lookout_probe_last_result_timestamp_seconds") == Double(Self.t0.milliseconds / 1000))
        #expect(scrape.value("lookout_probe_checks") == 5)
        // Cardinality: one label set per check that ran, none for the check that never did, no per-error labels.
        #expect(Set(scrape.samples.filter { $0.name == "lookout_check_success" }.compactMap { $0.labels["check"] })
            == ["acme-home", "acme-shop", "acme-cert", "initech-home"])
        #expect(scrape.samples.allSatisfy { Set($0.labels.keys).isSubset(of: ["check", "site", "client", "tier", "kind", "location", "outcome", "le", "signal", "reason"]) })

        let (status, printed) = try scrape.promtool()
        #expect(status == 0, "promtool check metrics: \(printed)")
        #expect(printed.isEmpty, "promtool's lint: \(printed)")
    }

    @Test func aReloadDropsTheSeriesOfRemovedChecks() async throws {
        let dir = try ProbeTestSupport.tempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let caPath = try TestCertificates(serverValidFor: 86_400).writeCA(in: dir)
        let config = try Self.config(site: "http://127.0.0.1:1", refused: 1, tls: 1, caPath: caPath)
        let metrics = ProbeMetrics()
        metrics.configure(config, location: nil)
        for id in ["acme-home", "initech-home"] { metrics.record(ResultEvent(check: id, at: Self.t0, ok: true)) }
        metrics.record(ResultEvent(check: "not-configured", at: Self.t0, ok: true))
        var scrape = Exposition(text: metrics.render())
        #expect(scrape.value("lookout_check_success", ["check": "initech-home"]) == 1)
        #expect(scrape.value("lookout_check_success", ["check": "not-configured"]) == nil, "no series for a check the config lacks")
        #expect(scrape.samples.allSatisfy { $0.labels["location"] == nil }, "no location label without --location")

        var smaller = config
        smaller.sites.removeLast()
        metrics.configure(smaller, location: nil)
        scrape = Exposition(text: metrics.render())
        #expect(scrape.value("lookout_check_success", ["check": "initech-home"]) == nil)
        #expect(scrape.value("lookout_check_success", ["check": "acme-home"]) == 1)
        #expect(scrape.value("lookout_probe_checks") == 3)
    }

    /// GET /metrics over HTTP from the server a stage runs.
    static func scrape(_ metrics: ProbeMetrics) async throws -> Exposition {
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        let server = MetricsServer.start(host: "127.0.0.1", port: 0, serverName: "test", logger: Logger(label: "test"),
                                         render: { metrics.render() }) { continuation.yield($0) }
        var port = 0
        for await p in stream { port = p; break }
        do {
            let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/metrics"), timeout: .seconds(30))
            #expect(response.status.code == 200)
            #expect(response.headers["content-type"].first == "text/plain; version=0.0.4; charset=utf-8", "the text format docs/metrics.md names")
            let text = String(buffer: try await response.body.collect(upTo: 1 << 22))
            await server.stop()
            return Exposition(text: text)
        } catch {
            await server.stop()
            throw error
        }
    }
}
