import Foundation
import Logging
import LookoutCommands
@testable import LookoutCore
@testable import LookoutProbe
import Testing

/// `probe push` as an admin runs it from cron: the built binary posting this host's metrics to a real receiver.
@Suite struct ProbePushTests {
    static let token = "push-3c9e1a7b5d2f8e4a6b0c"

    @Test func pushIsStoredAsAHeartbeatWithTheHostsMetrics() async throws {
        let config = try Config.parse(yaml: """
            tiers: {enhanced: {outage: critical}}
            sites:
              - id: acme
                tier: enhanced
                checks:
                  - id: acme-web1
                    heartbeat: {every: 5m}
                    token: ${PUSH_TOKEN}
                    metrics: {critical: ['$.disk["/"].used_pct <= 100']}
            """, file: "push.yaml", environment: ["PUSH_TOKEN": ProbePushTests.token])
        let store = try PingStore(path: nil)
        let receiver = HeartbeatReceiver(checks: config.allChecks, store: store, clock: SystemClock(), metrics: ProbeMetrics())
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let server = receiver.start(host: "127.0.0.1", port: 0, logger: Logger(label: "test")) { continuation.yield($0) }
        var port = 0
        for await p in ports { port = p; break }
        let url = "http://127.0.0.1:\(port)/ping/\(ProbePushTests.token)"
        // Waited for on a Dispatch thread: the receiver above answers on this process's cooperative pool (one thread
        // per core), which a blocking wait here, beside another test's, would starve until the push timed out. Other
        // suites still block that pool for seconds at a time on a 2-core machine (the push timed out at 10 s in a full
        // run while Chromium checked the status pages), so the push gets 45 s: the test is about what is stored.
        let run = try await withCheckedThrowingContinuation { (c: CheckedContinuation<ChildProcess.Output, any Error>) in
            DispatchQueue.global().async {
                c.resume(with: Result { try ChildProcess.run("probe", ["push", "--url", url, "--mount", "/", "--timeout", "45s"], timeout: 60) })
            }
        }
        await server.stop()
        #expect(run.status == 0, "\(run.stderrText)")
        #expect(run.stdout.isEmpty)
        let (signal, _) = try store.latest(for: "acme-web1")
        let ping = try #require(signal)
        #expect(ping.kind == .success)
        let body = try #require(ping.body.withUnsafeBufferPointer { JSONValue.parse($0) })
        #expect(body["disk"]?["/"]?["used_pct"]?.doubleValue != nil)
        #expect(body["load"]?["1m"] != nil)
        #expect(body["memory"]?["total_mb"] != nil)
    }

    @Test func anUnreachableReceiverExits69WithoutPrintingTheURL() throws {
        let run = try ChildProcess.run("probe", ["push", "--url", "http://127.0.0.1:1/ping/\(ProbePushTests.token)",
                                                 "--timeout", "2s"], timeout: 30)
        #expect(run.status == 69)
        // One readable line (it was "connection reset (error set): Connection refused) (errno: 111)").
        #expect(run.stderrText == "probe push: cannot reach the receiver: connection refused\n", "\(run.stderrText)")
        #expect(!run.stderrText.contains(ProbePushTests.token))
        #expect(!run.stdoutText.contains(ProbePushTests.token))
    }

    @Test func aPortOver65535IsABadArgumentNotATrap() throws {
        let run = try ChildProcess.run("probe", ["push", "--url", "http://127.0.0.1:99999/ping/\(ProbePushTests.token)",
                                                 "--timeout", "2s"], timeout: 30)
        #expect(run.status == 64)
        #expect(run.stderrText.contains("--url has port 99999, outside 1...65535"))
        #expect(!run.stderrText.contains(ProbePushTests.token))
    }

    @Test func dryRunPrintsTheDocument() throws {
        let run = try ChildProcess.run("probe", ["push", "--url", "http://127.0.0.1:1/ping/x", "--dry-run", "--mount", "/"])
        #expect(run.status == 0)
        let doc = try #require(JSONValue.parse(run.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(doc["disk"]?["/"] != nil)
    }
}
