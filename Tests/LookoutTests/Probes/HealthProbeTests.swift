import Foundation
@testable import LookoutCore
import Testing

@Suite struct HealthProbeTests {
    @Test func failedAndDegradedComponents() async throws {
        let server = try await ProbeSite(respond: TestSite.reply)
        let check = try ProbeTestSupport.check("- id: acme-health\n  health: \(server.baseURL)/health")
        let o = await ProbeTestSupport.run(check)
        await server.stop()
        #expect(!o.ok)
        #expect(o.failed == ["search", "cache"])
        #expect(o.error == "component search is fail")
        #expect(o.status == 200)
    }

    @Test func degradedComponentAloneIsDegraded() async throws {
        let server = try await ProbeSite { _, _ in
            .init(body: #"{"status":"degraded","checks":{"database":"ok","cache":{"status":"degraded"}}}"#)
        }
        let check = try ProbeTestSupport.check("- id: acme-health\n  health: \(server.baseURL)/health")
        let o = await ProbeTestSupport.run(check)
        await server.stop()
        #expect(o.ok && o.degraded)
        #expect(o.failed == ["cache"])
        #expect(o.error == "component cache is degraded")
    }

    @Test func assertionsNamedAsWritten() async throws {
        let server = try await ProbeSite(respond: TestSite.reply)
        let check = try ProbeTestSupport.check("""
            - id: acme-health
              health: \(server.baseURL)/health
              components: false
              assert:
                - '$.checks.database == "ok"'
                - '$.queue.failed < 10'
                - '$.disk["/"].used_pct < 90'
                - '$.missing.value == 1'
            """)
        let o = await ProbeTestSupport.run(check)
        await server.stop()
        #expect(!o.ok)
        #expect(o.failed == [#"$.queue.failed < 10"#, #"$.disk["/"].used_pct < 90"#, #"$.missing.value == 1"#])
        #expect(o.error == "$.queue.failed is 25, expected < 10")
    }

    @Test func healthyReport() async throws {
        let server = try await ProbeSite(respond: TestSite.reply)
        let check = try ProbeTestSupport.check("- id: acme-health\n  health: \(server.baseURL)/health-ok\n  assert: '$.queue.failed == 0'")
        let o = await ProbeTestSupport.run(check)
        await server.stop()
        #expect(o.ok && !o.degraded && o.failed.isEmpty && o.error == nil)
    }

    @Test func bodyThatIsNotJSON() async throws {
        let server = try await ProbeSite(respond: TestSite.reply)
        let check = try ProbeTestSupport.check("- id: acme-health\n  health: \(server.baseURL)/not-json")
        let o = await ProbeTestSupport.run(check)
        await server.stop()
        #expect(!o.ok)
        #expect(o.failed == ["json"])
        #expect(o.error == "status 503, and the body is not JSON")
    }
}
