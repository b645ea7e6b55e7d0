import Foundation
@testable import LookoutCore
@testable import LookoutProbe
import Testing

@Suite struct HTTPProbeTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var checkYAML: String
        var ok: Bool
        var degraded = false
        var status: Int?
        var failed: [String] = []
        var error: String?
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "full page", checkYAML: """
            expect: {status: [200], contains: ["<footer", "/finest in the (land|sea)/"], not_contains: ["Fatal error"], min_bytes: 5000}
            """, ok: true, status: 200),
        Case(name: "header-only page with content assertions", checkYAML: """
            path: /header-only
            expect: {contains: ["<footer"], min_bytes: 5000}
            """, ok: false, status: 200, failed: ["contains: <footer", "min_bytes: 5000"],
             error: "body does not contain \"<footer\""),
        Case(name: "503", checkYAML: "path: /unavailable", ok: false, status: 503, failed: ["status"],
             error: "status 503, expected 2xx"),
        Case(name: "503 against a status list", checkYAML: """
            path: /unavailable
            expect: {status: [200, 204]}
            """, ok: false, status: 503, failed: ["status: [200, 204]"], error: "status 503, expected [200, 204]"),
        Case(name: "fatal error in the page", checkYAML: """
            path: /error-page
            expect: {not_contains: ["/fatal ERROR/i"]}
            """, ok: false, status: 200, failed: ["not_contains: /fatal ERROR/i"],
             error: "body contains a match for \"/fatal ERROR/i\""),
        Case(name: "redirect loop", checkYAML: "path: /loop-a", ok: false, failed: ["redirects"],
             error: "redirect loop: /loop-a -> /loop-b -> /loop-a"),
        Case(name: "redirect followed", checkYAML: "path: /moved\nexpect: {contains: [\"<footer\"]}", ok: true, status: 200),
        Case(name: "redirect not followed", checkYAML: "path: /moved\nredirects: 0\nexpect: {status: 301}", ok: true, status: 301),
        Case(name: "2 s response within max_ms 1000 and a 5 s timeout", checkYAML: """
            path: /slow
            timeout: 60s
            expect: {max_ms: 1000}
            """, ok: true, degraded: true, status: 200, failed: ["max_ms: 1000"]),
    ]

    @Test(arguments: cases)
    func judges(_ c: Case) async throws {
        let server = try await ProbeSite(respond: TestSite.reply)
        defer { Task { await server.stop() } }
        var lines = c.checkYAML.split(separator: "\n").map(String.init)
        let path = lines.first(where: { $0.hasPrefix("path: ") }).map { String($0.dropFirst(6)) } ?? "/"
        lines.removeAll { $0.hasPrefix("path: ") }
        let check = try ProbeTestSupport.check("""
            - id: acme-home
              http: \(server.baseURL)\(path)
              size_anomaly: false
            \(lines.map { "  " + $0 }.joined(separator: "\n"))
            """)
        let o = await ProbeTestSupport.run(check)
        await server.stop()
        #expect(o.ok == c.ok)
        #expect(o.degraded == c.degraded)
        #expect(o.status == c.status)
        #expect(o.failed == c.failed)
        if let e = c.error { #expect(o.error == e) }
        if c.ok && !c.degraded { #expect(o.error == nil) }
        if c.degraded { #expect(o.error?.hasPrefix("took ") == true) }
        if o.status != nil {
            let keys = o.details.map(\.key)
            #expect(keys.contains("ttfb_ms") && keys.contains("total_ms"))
            #expect((o.latencyMs ?? 0) > 0)
        }
    }

    @Test func fullPageRecordsBytesAndTimings() async throws {
        let server = try await ProbeSite(respond: TestSite.reply)
        let check = try ProbeTestSupport.check("- id: acme-home\n  http: \(server.baseURL)/\n  size_anomaly: false")
        let o = await ProbeTestSupport.run(check)
        await server.stop()
        #expect(o.ok && o.bytes == TestSite.fullPage.utf8.count)
        let ttfb = o.details.first { $0.key == "ttfb_ms" }?.value.doubleValue ?? -1
        let total = o.details.first { $0.key == "total_ms" }?.value.doubleValue ?? -1
        #expect(ttfb > 0 && ttfb <= total)
    }

    @Test func slowResponseTimesOutWithinTheTimeout() async throws {
        let server = try await ProbeSite(respond: TestSite.reply)
        let check = try ProbeTestSupport.check("- id: acme-slow\n  http: \(server.baseURL)/hang\n  timeout: 1s")
        let started = ContinuousClock.now
        let o = await ProbeTestSupport.run(check)
        let took = ContinuousClock.now - started
        await server.stop()
        // Had the probe waited for the response, it would have a status; it gave up at its deadline instead.
        #expect(!o.ok)
        #expect(o.error?.hasPrefix("timed out after ") == true)
        #expect(o.status == nil)
        #expect(took >= .milliseconds(900))
    }

    @Test func portThatNeverAnswersTimesOut() async throws {
        let silent = try ProbeTestSupport.SilentPort()
        let check = try ProbeTestSupport.check("- id: acme-hung\n  http: http://127.0.0.1:\(silent.port)/\n  timeout: 1s")
        let o = await ProbeTestSupport.run(check)
        #expect(!o.ok)
        #expect(o.error?.hasPrefix("timed out after ") == true)
        #expect(o.failed.isEmpty)
    }

    @Test func refusedPortFailsAtOnce() async throws {
        let port = try ProbeTestSupport.refusedPort()
        let check = try ProbeTestSupport.check("- id: acme-closed\n  http: http://127.0.0.1:\(port)/\n  timeout: 300s")
        let started = ContinuousClock.now
        let o = await ProbeTestSupport.run(check)
        #expect(!o.ok)
        #expect(o.error == "connection refused")
        // Not a speed test: only that the error comes long before the 300 s deadline (no silent retrying until it).
        // The margin is wide because the whole suite shares this process's cooperative pool: on a loaded 2-core
        // machine the answer once took 49 s against a 30 s bound.
        #expect(ContinuousClock.now - started < .seconds(150))
    }

    @Test func sendsMethodHeadersWithSecretsAndBody() async throws {
        let seen = Seen()
        let server = try await ProbeSite { path, _ in
            seen.paths.append(path)
            return .init(body: "ok")
        }
        let check = try ProbeTestSupport.check("""
            - id: acme-api
              http: \(server.baseURL)/api?x=1
              method: post
              headers: {Authorization: "Bearer ${ACME_TOKEN}"}
              body: '{"ping":true}'
            """, environment: ["ACME_TOKEN": "s3cr3t-token-value"])
        let probe = try #require(check.probe as? HTTPProbe)
        #expect(probe.request.method == .POST)
        #expect(probe.request.headers.first?.value == "Bearer s3cr3t-token-value")
        #expect(Redactor.shared.redact("Bearer s3cr3t-token-value").contains("s3cr3t") == false)
        let o = await ProbeTestSupport.run(check)
        await server.stop()
        #expect(o.ok)
        #expect(seen.paths == ["/api?x=1"])
    }

    final class Seen: @unchecked Sendable { var paths: [String] = [] }
}
