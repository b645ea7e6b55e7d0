import Foundation
import Testing

/// Runs `pipelines/replay` on a stored log with a config that routes critical incidents to Slack, and checks it
/// prints the messages that would have been sent (`would_send` lines, as its header says), with the webhook redacted
/// and nothing sent.
@Suite struct ReplayScriptTests {
    static let repo = Fixtures.repository

    static let config = """
        timezone: Europe/London
        tiers:
          enhanced: {outage: critical, degraded: warning}
        defaults: {every: 60s, confirm: {failures: 3, for: 90s}, recover: {successes: 2}}
        sites:
          - id: acme
            name: ACME Ltd
            tier: enhanced
            checks:
              - {id: acme-home, tcp: "acme.example:443"}
        routing:
          sinks:
            outages: {kind: slack, webhook_url: "${REPLAY_SLACK_URL}"}
          routes:
            - {severity: critical, sinks: [outages]}
        """

    @Test func replayPrintsWhatWouldHaveBeenSent() throws {
        let dir = try Fixtures.tempFolder("replay")
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("config.yaml").path
        try Data(Self.config.utf8).write(to: URL(fileURLWithPath: config))
        let log = dir.appendingPathComponent("results.ndjson").path
        let pattern = "....xxxxxxxx....."
        let lines = pattern.enumerated().map { k, c in
            "{\"v\":1,\"type\":\"result\",\"check\":\"acme-home\",\"at\":\"2026-11-24T10:\(String(format: "%02d", k)):00Z\",\"ok\":\(c == ".")}"
        }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: log))
        let run = try ChildProcess.run(path: "/bin/bash", [Self.repo.appendingPathComponent("pipelines/replay").path, log, config],
                                       environment: ChildProcess.environment(adding: [
                                           "LOOKOUT_BIN": ChildProcess.productsDirectory.path,
                                           "REPLAY_SLACK_URL": "https://hooks.slack.com/services/T000/B000/replaysecret",
                                       ]))
        let stdout = run.stdoutText, stderr = run.stderrText
        #expect(run.status == 0, "\(stderr)")
        let printed = stdout.split(separator: "\n")
        let sends = printed.filter { $0.contains("\"type\":\"would_send\"") }
        #expect(sends.count == 2, "\(stdout)")
        #expect(sends.count == printed.count, "only would_send lines: \(stdout)")
        #expect(sends.first?.contains("|opened|outages") == true && sends.last?.contains("|resolved|outages") == true)
        #expect(!printed.contains { $0.contains("\"type\":\"result\"") })
        #expect(!printed.contains { $0.contains("\"type\":\"delivery\"") }, "a dry run delivers nothing")
        #expect(!stdout.contains("replaysecret") && !stderr.contains("replaysecret"))
    }

    /// Without its two arguments the script prints its comment header, and only that, as usage.
    @Test func missingArgumentsPrintTheUsageHeaderAndExit64() throws {
        let run = try ChildProcess.run(path: "/bin/bash", [Self.repo.appendingPathComponent("pipelines/replay").path],
                                       environment: ["LOOKOUT_BIN": ChildProcess.productsDirectory.path, "PATH": "/usr/bin:/bin"])
        #expect(run.status == 64)
        let header = try String(contentsOf: Self.repo.appendingPathComponent("pipelines/replay"), encoding: .utf8)
            .split(separator: "\n").dropFirst().prefix { $0.hasPrefix("#") }.map(String.init)
        #expect(header.contains { $0.contains("pipelines/replay LOG CONFIG") })
        #expect(run.stderrText.split(separator: "\n").map(String.init) == header, "\(run.stderrText)")
    }
}
