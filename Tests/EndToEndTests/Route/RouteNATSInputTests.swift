import Foundation
import LookoutCore
@testable import LookoutRoute
import Testing

/// `route --input nats://... --follow --state` killed at random moments while classify's output streams into the
/// subject: route's position is the stream sequence, committed with its outbox, so every delivery reaches its
/// receiver (a ticket exactly once) and the delivery file holds exactly one `sent` line per delivery, as when it
/// follows a file (RouteFollowFaultTests).
@Suite(.serialized) struct RouteNATSInputTests {
    @Test func routeReadingASubjectKilledAtRandomMomentsDeliversEverythingOnce() async throws {
        let seed: UInt64 = 27
        let rig = try RouteFollowFaultTests.Rig()
        let server = try NATSServer(store: rig.dir.appendingPathComponent("js"))
        defer { server.stop() }
        let subject = "\(server.url)/lookout.classified"
        rig.inputAddress = subject
        let classified = try RouteFollowFaultTests.classifiedDay(seed: seed, in: rig.dir)
        let expected = try rig.expectedKeys(classified)
        let hookKeys = expected["automation"] ?? [], deskKeys = expected["helpdesk"] ?? []
        let openings = deskKeys.filter { $0.contains("|opened|") }.count
        #expect(hookKeys.count >= 150, "the day should hold many incidents, has \(hookKeys.count) webhook deliveries")

        // classify's `--output nats://` publishes a batch and waits for the server to store it; so does this.
        let lines = classified.split(separator: 0x0A).map { String(decoding: $0, as: UTF8.self) }
        let published = NATSChainTests.publishInBackground(lines, to: subject, chunk: 250, name: "classify")
        var rng = SeededGenerator(seed: seed)
        var stage = try rig.start()
        var kills = 0
        // Generous: a start can wait long on a loaded two-core machine (one CI run managed a single kill in 60 s).
        let deadline = Date().addingTimeInterval(240)
        while published.value < lines.count || kills < 5, Date() < deadline {
            try await Task.sleep(for: .milliseconds(Int.random(in: 100...400, using: &rng)))
            stage.kill9()
            kills += 1
            stage = try rig.start()
        }
        #expect(published.value == lines.count, "the publisher stalled at \(published.value) of \(lines.count) lines")
        let total = hookKeys.count + deskKeys.count
        let caughtUp = await waitUntil(timeout: 60) { rig.sentCount >= total }
        let up = Date().timeIntervalSince(stage.started)
        if up < 1 { try await Task.sleep(for: .seconds(1 - up)) }
        #expect(stage.terminate() == 0, "\(stage.stderr.suffix(2000))")
        #expect(caughtUp, "\(rig.sentCount) of \(total) sent lines; \(stage.stderr.suffix(2000))")
        #expect(kills >= 5)
        RouteFollowFaultTests.expectEveryDeliveryOnce(rig, hookKeys: hookKeys, deskKeys: deskKeys, openings: openings, seed: seed)
        // The committed position is the stream sequence of the last line: every line was read.
        let outbox = try Outbox(path: rig.state, router: IncidentRouter(config: RoutingConfig(), tiers: []))
        #expect(try outbox.journalBacklog() == 0)
        #expect(try outbox.loadPosition()?.inputOffset == Int64(lines.count))
    }

    /// Read once, `route --output nats://` publishes the lines it passes through to the subject (it wrote them to
    /// stdout, the subject left empty, when it had no `--follow`).
    @Test func routeReadOncePublishesToItsOutputSubject() throws {
        let folder = try FileChain.Folder()
        defer { folder.remove() }
        let server = try NATSServer(store: folder.dir.appendingPathComponent("js"))
        defer { server.stop() }
        let lines = Array(FileChain.day(seed: 3).prefix(50))
        try (lines.joined(separator: "\n") + "\n").write(toFile: folder.input, atomically: true, encoding: .utf8)
        let run = try ChildProcess.run("route", ["--config", folder.config, "--input", folder.input, "--output", "\(server.url)/lookout.routed"], timeout: 60)
        #expect(run.status == 0, "\(run.stderrText)")
        #expect(run.stdout.isEmpty, "\(run.stdoutText.prefix(300))")
        let back = try ChildProcess.run("route", ["--config", folder.config, "--input", "\(server.url)/lookout.routed"], timeout: 60)
        #expect(back.stdoutLines == lines, "\(back.stderrText)")
    }
}
