import Foundation
@testable import LookoutCore
@testable import LookoutProbe
import Testing

@Suite struct BodySizeAnomalyTests {
    /// A site whose `/shop` serves the full page for `healthy` requests, then only its header.
    static func site(healthy: Int) async throws -> ProbeSite {
        try await ProbeSite { path, n in
            .init(body: n <= healthy ? TestSite.fullPage : TestSite.headerOnly)
        }
    }

    @Test func headerOnlyPageIsCaughtByTheAnomalyAlone() async throws {
        let server = try await Self.site(healthy: 6)
        // No `expect` at all: only the size anomaly can catch the header-only page.
        let check = try ProbeTestSupport.check("- id: acme-shop\n  http: \(server.baseURL)/shop")
        let services = try ProbeServices()
        var outcomes: [ProbeOutcome] = []
        for k in 0..<8 {
            outcomes.append(await ProbeTestSupport.run(check, services: services, at: Timestamp(milliseconds: 1_000_000 + Int64(k) * 30_000)))
        }
        await server.stop()
        await services.shutdown()
        #expect(outcomes.prefix(6).allSatisfy { $0.ok && $0.failed.isEmpty })
        // Runs 1-5 learn; run 6 is judged normal against the median.
        #expect(outcomes[5].details.contains { $0.key == "median_bytes" })
        for o in outcomes.suffix(2) {
            #expect(!o.ok)
            #expect(o.status == 200)
            #expect(o.failed == ["body_size_anomaly"])
            #expect(o.error == "body is \(TestSite.headerOnly.utf8.count) bytes, under 30% of the recent median \(TestSite.fullPage.utf8.count) bytes")
        }
        // The broken bodies never feed the baseline.
        let samples = try services.baselines.samples(check: "acme-shop")
        // Counted first: over no samples at all the check below would pass without looking at one.
        let normal = samples.filter { !$0.anomalous }
        #expect(normal.count == 6, "the six healthy runs are the baseline")
        #expect(normal.allSatisfy { $0.bytes == TestSite.fullPage.utf8.count })
    }

    @Test func baselineSurvivesARestart() async throws {
        let dir = try ProbeTestSupport.tempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let state = dir.appendingPathComponent("probe.sqlite").path
        let server = try await Self.site(healthy: 5)
        let check = try ProbeTestSupport.check("- id: acme-shop\n  http: \(server.baseURL)/shop")
        do {
            let first = try ProbeServices(state: StateDatabase.open(path: state, migrations: BodySizeBaseline.migrations))
            for k in 0..<5 {
                let o = await ProbeTestSupport.run(check, services: first, at: Timestamp(milliseconds: Int64(k) * 30_000))
                #expect(o.ok)
            }
            await first.shutdown()
        }
        // A new process would open the same file: a fresh services object over it knows the baseline.
        let second = try ProbeServices(state: StateDatabase.open(path: state, migrations: BodySizeBaseline.migrations))
        let o = await ProbeTestSupport.run(check, services: second, at: Timestamp(milliseconds: 200_000))
        await second.shutdown()
        await server.stop()
        #expect(!o.ok)
        #expect(o.failed == ["body_size_anomaly"])
    }

    @Test func smallerPageBecomesNormalAfterAcceptAfter() throws {
        let db = try StateDatabase.open(path: nil, migrations: BodySizeBaseline.migrations)
        let baseline = try BodySizeBaseline(database: db)
        var rule = SizeAnomalyRule()
        rule.samples = 3
        rule.minSamples = 3
        rule.acceptAfter = .hours(1)
        for k in 0..<3 {
            #expect(try baseline.judge(check: "c", bytes: 10_000, at: Timestamp(milliseconds: Int64(k) * 60_000), rule: rule)
                    == (k < 3 ? .learning(samples: k) : .normal(median: 10_000)))
        }
        #expect(try baseline.judge(check: "c", bytes: 10_500, at: Timestamp(milliseconds: 200_000), rule: rule) == .normal(median: 10_000))
        // The redesign ships a 2 KB page: anomalous for an hour, then accepted.
        let start: Int64 = 1_000_000
        #expect(try baseline.judge(check: "c", bytes: 2_000, at: Timestamp(milliseconds: start), rule: rule) == .anomalous(median: 10_000))
        #expect(try baseline.judge(check: "c", bytes: 2_000, at: Timestamp(milliseconds: start + 1_800_000), rule: rule) == .anomalous(median: 10_000))
        #expect(try baseline.judge(check: "c", bytes: 2_000, at: Timestamp(milliseconds: start + 3_600_000), rule: rule) == .normal(median: 10_000))
        // Now the 2 KB samples count as normal and the median moves down to them.
        #expect(try baseline.judge(check: "c", bytes: 2_000, at: Timestamp(milliseconds: start + 3_700_000), rule: rule) == .normal(median: 2_000))
    }

    @Test(arguments: [
        ([1, 2, 3], 2), ([4, 1, 3, 2], 2), ([10], 10), ([5, 5, 100, 100], 52),
    ])
    func median(values: [Int], expected: Int) {
        #expect(BodySizeBaseline.median(values) == expected)
    }
}
