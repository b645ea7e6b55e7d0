import Foundation
@testable import LookoutCore
@testable import LookoutRoute
import Testing

/// The built `route` as a child process: killed at random points and restarted, dry runs, and secrets that must
/// never reach stdout or stderr.
@Suite(.serialized) struct RouteProcessTests {
    /// A temp folder removed at the end of the test.
    final class TempDir {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lookout-route-\(UUID())")
        init() throws { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
        func path(_ name: String) -> String { url.appendingPathComponent(name).path }
        deinit { try? FileManager.default.removeItem(at: url) }
    }

    /// `count` incidents over `sites` sites, each opened and later resolved, in event-time order.
    static func lifecycles(count: Int, sites: Int) -> [IncidentEvent] {
        var events: [IncidentEvent] = []
        for n in 0..<count {
            let site = n % sites + 1
            let since = Int64(n * 60)
            events.append(RouteHarness.incident(site, .opened, at: since + 90, since: since))
            events.append(RouteHarness.incident(site, .resolved, at: since + 400, since: since))
        }
        return events.sorted { $0.at < $1.at }
    }

    static func write(_ events: [IncidentEvent], to path: String) throws {
        let text = events.map { String(decoding: $0.encoded(), as: UTF8.self) }.joined(separator: "\n") + "\n"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// Starts `route`, returning the process; stdout and stderr are appended to files.
    static func start(_ arguments: [String], environment: [String: String], stdout: String, stderr: String) throws -> Process {
        for path in [stdout, stderr] where !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
        }
        let out = try #require(FileHandle(forWritingAtPath: stdout)), err = try #require(FileHandle(forWritingAtPath: stderr))
        out.seekToEndOfFile()
        err.seekToEndOfFile()
        let process = Process()
        process.executableURL = ChildProcess.executable("route")
        process.arguments = arguments
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        try process.run()
        return process
    }

    @Test func killedAtRandomPointsAndRestartedEveryMessageArrivesExactlyOnce() throws {
        let dir = try TempDir()
        let desk = FakeHelpdesk(.zendesk)
        let helpdesk = try RecordingServer { r, _ in desk.respond(r) }
        defer { helpdesk.shutdown() }
        // A receiver that takes 20 ms per answer keeps the whole job longer than the early runs' kill times even with
        // eight requests in flight, so several runs are killed mid-way rather than finishing first.
        let hook = try RecordingServer { _, _ in .init(status: 200, body: "ok", delay: .milliseconds(20)) }
        defer { hook.shutdown() }
        let routing = """
          retry: {base: 50ms, max_attempts: 20}
          sinks:
            automation: {kind: webhook, url: "${HOOK_URL}", headers: {Authorization: "Bearer ${HOOK_TOKEN}"}}
            helpdesk: {kind: zendesk, url: "\(helpdesk.baseURL)", email: ops@agency.example, token: "${ZENDESK_TOKEN}"}
          routes:
            - {sinks: [automation]}
            - {severity: critical, sinks: [helpdesk]}
        """
        try RouteHarness.config(sites: 20, routing: routing).write(toFile: dir.path("config.yaml"), atomically: true, encoding: .utf8)
        let events = RouteProcessTests.lifecycles(count: 200, sites: 20)
        try RouteProcessTests.write(events, to: dir.path("in.ndjson"))
        var env = RouteHarness.environment
        env["HOOK_URL"] = hook.baseURL + "/hooks/secretHOOKpath"
        let arguments = ["--config", dir.path("config.yaml"), "--input", dir.path("in.ndjson"), "--state", dir.path("outbox.sqlite")]

        // A new seed each run, named in the failure messages and printed, so a failing run can be repeated with LOOKOUT_SEED=N
        // (the kill moments are the same; how far route got by each is up to the machine).
        var rng = SystemRandomNumberGenerator()
        let seed = ProcessInfo.processInfo.environment["LOOKOUT_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 0..<1_000_000, using: &rng)
        var random = SeededGenerator(seed: seed)
        let deadline = Date().addingTimeInterval(240)
        var kills = 0, runs = 0
        var finishedStatus: Int32?
        while finishedStatus == nil, Date() < deadline {
            runs += 1
            let process = try RouteProcessTests.start(arguments, environment: env, stdout: dir.path("stdout"), stderr: dir.path("stderr"))
            // Early runs are killed after a random 10-300 ms (start-up, queueing and sending all take longer than
            // that in total, so every phase gets hit); from the 15th run on, route is left to finish.
            let killAfter = runs < 15 ? 0.01 + Double(Int.random(in: 0..<290, using: &random)) / 1000 : 120
            let stop = Date().addingTimeInterval(killAfter)
            while process.isRunning, Date() < stop { Thread.sleep(forTimeInterval: 0.005) }
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                kills += 1
            } else {
                process.waitUntilExit()
                if process.terminationReason == .exit { finishedStatus = process.terminationStatus }
            }
        }
        #expect(finishedStatus == 0, "route finished within the time bound (seed \(seed), \(runs) runs)")
        #expect(kills >= 3, "the test killed route mid-way at least a few times (seed \(seed))")

        // Every expected message arrived; by idempotency key, none twice in effect and none unexpected.
        var expectedHook = Set<String>(), expectedDesk = Set<String>()
        for e in events {
            expectedHook.insert(IncidentRouter.key(e.id, e.event, at: e.at, sink: "automation"))
            expectedDesk.insert(IncidentRouter.key(e.id, e.event, at: e.at, sink: "helpdesk"))
        }
        let hookKeys = hook.requests.compactMap(\.idempotencyKey)
        #expect(hookKeys.count == hook.requests.count, "every webhook request carries its key")
        #expect(Set(hookKeys) == expectedHook)
        let deskWrites = helpdesk.requests.filter { $0.method != "GET" }
        #expect(Set(deskWrites.compactMap(\.idempotencyKey)) == expectedDesk)
        #expect(desk.createdCount == 200, "one ticket per incident, never two (seed \(seed))")
        #expect(events.filter { $0.event == .opened }.allSatisfy { desk.ticket(for: $0.id).map(desk.isSolved) == true })
        // A repeat can only be a send whose outcome the kill lost (in flight, or come back and not yet committed with
        // its batch): at most each sink's batch, 8 x its concurrency (8), per kill (docs/routing.md).
        let repeats = (hookKeys.count - Set(hookKeys).count) + (deskWrites.count - Set(deskWrites.compactMap(\.idempotencyKey)).count)
        #expect(repeats <= 2 * 64 * kills, "\(repeats) repeats for \(kills) kills")
        // Every repeat says so (the receiver always answered 200, so a repeat can only follow a kill).
        var seen = Set<String>()
        for r in hook.requests {
            guard let key = r.idempotencyKey else { continue }
            if !seen.insert(key).inserted {
                #expect((r.json as? [String: Any])?["repeated"] as? Bool == true, "\(key) was sent again unmarked (seed \(seed))")
            }
        }
        // Sent concurrently across incidents and killed mid-flight, each incident's resolve still reached the
        // webhook only after every attempt of its opening.
        for e in events where e.event == .resolved {
            let opened = IncidentRouter.key(e.id, .opened, at: e.at, sink: "automation")
            let resolved = IncidentRouter.key(e.id, .resolved, at: e.at, sink: "automation")
            let lastOpening = try #require(hookKeys.lastIndex(of: opened)), firstResolve = try #require(hookKeys.firstIndex(of: resolved))
            #expect(lastOpening < firstResolve, "\(resolved) overtook its opening (seed \(seed))")
        }
        print("crash test: seed \(seed), \(runs) runs, \(kills) kills, \(hook.requests.count + helpdesk.requests.count) requests, \(repeats) repeated attempts")

        // The delivery lines of all runs together say every delivery was sent.
        let out = try String(contentsOfFile: dir.path("stdout"), encoding: .utf8)
        let sentKeys = Set(out.split(separator: "\n").compactMap { line -> String? in
            guard line.contains(#""type":"delivery""#), line.contains(#""outcome":"sent""#) else { return nil }
            return ((try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any])?["key"] as? String
        })
        #expect(expectedHook.union(expectedDesk).subtracting(sentKeys).sorted() == [], "sent without a delivery line")
        #expect(sentKeys.subtracting(expectedHook.union(expectedDesk)).sorted() == [], "delivery lines for unexpected keys")
        let err = try String(contentsOfFile: dir.path("stderr"), encoding: .utf8)
        for secret in RouteHarness.secrets + ["secretHOOKpath"] {
            #expect(!out.contains(secret) && !err.contains(secret), "a secret leaked")
        }
    }

    @Test func dryRunPrintsWhatWouldBeSentRedactedAndSendsNothing() throws {
        let dir = try TempDir()
        let slack = try RecordingServer()
        defer { slack.shutdown() }
        let desk = try RecordingServer()
        defer { desk.shutdown() }
        try Data(RouteHarness.zendeskToken.utf8).write(to: URL(fileURLWithPath: dir.path("zendesk-token")))
        let routing = """
          group_wait: 100ms
          sinks:
            outages: {kind: slack, webhook_url: "${SLACK_OUTAGES}"}
            helpdesk: {kind: zendesk, url: "\(desk.baseURL)", email: ops@agency.example, token_file: "\(dir.path("zendesk-token"))"}
          routes:
            - {severity: critical, sinks: [outages, helpdesk]}
        """
        try RouteHarness.config(routing: routing).write(toFile: dir.path("config.yaml"), atomically: true, encoding: .utf8)
        let events = [RouteHarness.incident(1, .opened, at: 90), RouteHarness.incident(1, .resolved, at: 5000)]
        try RouteProcessTests.write(events, to: dir.path("in.ndjson"))
        var env = RouteHarness.environment
        env["SLACK_OUTAGES"] = slack.baseURL + "/services/T1/B1/dryRUNsecret"
        let run = try ChildProcess.run("route", ["--config", dir.path("config.yaml"), "--input", dir.path("in.ndjson"), "--dry-run"],
                                       environment: env, timeout: 30)
        #expect(run.status == 0, "\(run.stderrText)")
        #expect(slack.requests.isEmpty && desk.requests.isEmpty, "a dry run sends nothing")
        let lines = run.stdoutLines.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
        #expect(lines.allSatisfy { $0["type"] as? String == "would_send" })
        let slackLines = lines.filter { $0["url"] as? String == "[redacted]" }
        #expect(slackLines.count == 2, "the opening and the resolve, to a webhook URL that is itself a secret")
        #expect(lines.contains { $0["method"] as? String == "POST" && $0["url"] as? String == desk.baseURL + "/api/v2/tickets.json" })
        #expect(lines.contains { $0["method"] as? String == "PUT" })
        #expect(!run.stdoutText.contains("dryRUNsecret") && !run.stderrText.contains("dryRUNsecret"))
        #expect(!run.stdoutText.contains(RouteHarness.zendeskToken))
    }

    @Test func noSecretReachesStdoutOrStderrWhenDeliveriesFail() throws {
        let dir = try TempDir()
        let slack = try RecordingServer { r, _ in
            // Echo the request path back in the error body, as a misbehaving proxy might.
            .init(status: 404, body: "no_service for \(r.uri)")
        }
        defer { slack.shutdown() }
        let flaky = try RecordingServer { r, n in n == 0 ? .init(status: 500, body: "oops \(r.header("Authorization") ?? "")") : .ok }
        defer { flaky.shutdown() }
        let gone = try RecordingServer()
        let goneURL = gone.baseURL
        gone.shutdown()
        try Data((goneURL + "/refused/fileSECRETpath\n").utf8).write(to: URL(fileURLWithPath: dir.path("hook-url")))
        let routing = """
          retry: {base: 50ms, max_attempts: 2}
          group_wait: 100ms
          sinks:
            outages: {kind: slack, webhook_url: "${SLACK_OUTAGES}"}
            flaky: {kind: webhook, url: "${FLAKY_URL}", headers: {Authorization: "Bearer ${HOOK_TOKEN}"}}
            refused: {kind: webhook, url_file: "\(dir.path("hook-url"))", timeout: 1s}
          routes:
            - {sinks: [outages, flaky, refused]}
        """
        try RouteHarness.config(routing: routing).write(toFile: dir.path("config.yaml"), atomically: true, encoding: .utf8)
        try RouteProcessTests.write([RouteHarness.incident(1, .opened, at: 90)], to: dir.path("in.ndjson"))
        var env = RouteHarness.environment
        env["SLACK_OUTAGES"] = slack.baseURL + "/services/T000SECRET/B000SECRET/XXXXwebhookSECRET"
        env["FLAKY_URL"] = flaky.baseURL + "/flakySECRETpath"
        let run = try ChildProcess.run("route", ["--config", dir.path("config.yaml"), "--input", dir.path("in.ndjson")],
                                       environment: env, timeout: 60)
        #expect(run.status == 0)
        #expect(slack.requests.count == 1 && flaky.requests.count == 2)
        let outcomes = run.stdoutLines.filter { $0.contains(#""type":"delivery""#) }
        #expect(outcomes.contains { $0.contains(#""sink":"outages","outcome":"dead""#) })
        #expect(outcomes.contains { $0.contains(#""sink":"flaky","outcome":"sent""#) })
        #expect(outcomes.contains { $0.contains(#""sink":"refused","outcome":"dead""#) })
        #expect(run.stderrText.contains("gave up"), "failures are logged: \(run.stderrText)")
        for secret in RouteHarness.secrets + ["flakySECRETpath", "fileSECRETpath", "XXXXwebhookSECRET", "T000SECRET"] {
            #expect(!run.stdoutText.contains(secret), "stdout leaks \(secret.prefix(6))…")
            #expect(!run.stderrText.contains(secret), "stderr leaks \(secret.prefix(6))…")
        }
    }

    @Test func theStdoutSinkWritesNotificationLinesBesideThePassedThroughStream() throws {
        let dir = try TempDir()
        let routing = """
          sinks:
            pipeline: {kind: stdout}
          routes:
            - {severity: [critical, warning], sinks: [pipeline]}
        """
        try RouteHarness.config(routing: routing).write(toFile: dir.path("config.yaml"), atomically: true, encoding: .utf8)
        let events = [RouteHarness.incident(1, .opened, at: 90), RouteHarness.incident(1, .resolved, at: 5000)]
        let result = #"{"v":1,"type":"result","check":"site1-home","at":"2026-11-18T11:08:10Z","ok":false,"extra":{"kept":true}}"#
        let input = [result] + events.map { String(decoding: $0.encoded(), as: UTF8.self) }
        try (input.joined(separator: "\n") + "\n").write(toFile: dir.path("in.ndjson"), atomically: true, encoding: .utf8)
        let run = try ChildProcess.run("route", ["--config", dir.path("config.yaml"), "--input", dir.path("in.ndjson")], timeout: 30)
        #expect(run.status == 0, "\(run.stderrText)")
        let lines = run.stdoutLines
        #expect(Array(lines.filter { !$0.contains(#""type":"notification""#) && !$0.contains(#""type":"delivery""#) }) == input,
                "every input line passes through unchanged, in order")
        let notes = lines.filter { $0.contains(#""type":"notification""#) }
        #expect(notes == [
            #"{"v":1,"type":"notification","sink":"pipeline","key":"site1-home/1795000000000|opened|pipeline","incident":"site1-home/1795000000000","event":"opened","severity":"critical","site":"site1","text":"Client 1 Shop (site1-home) is down: connection refused"}"#,
            #"{"v":1,"type":"notification","sink":"pipeline","key":"site1-home/1795000000000|resolved|pipeline","incident":"site1-home/1795000000000","event":"resolved","severity":"critical","site":"site1","text":"Client 1 Shop (site1-home) recovered after 1h23m20s"}"#,
        ])
        #expect(lines.filter { $0.contains(#""type":"delivery""#) && $0.contains(#""outcome":"sent""#) }.count == 2)
    }
}
