import Foundation
@testable import LookoutCore
@testable import LookoutRoute
import Testing

/// `route --follow` SIGKILLed in the middle of a batch: forty incidents queued and claimed by one read of input, the
/// first few answered and recorded, the next `concurrency` held by the receiver when the kill comes, the rest claimed
/// but not started. Nothing may be lost, and what is sent twice is only what docs/routing.md allows: the sends whose
/// outcome was not committed (at most the sink's batch, 8 x `concurrency`), again with the same keys; the delivery
/// file holds each outcome once.
@Suite(.serialized) struct RouteBatchKillTests {
    static let incidents = 40
    static let quick = 12
    static let concurrency = 8

    @Test func killedWithRequestsInFlightLosesNothingAndRepeatsOnlyTheUnrecordedSends() throws {
        let dir = try Fixtures.tempFolder("batch-kill")
        defer { try? FileManager.default.removeItem(at: dir) }
        // The first route process gets `quick` answers, then no answer for a minute: its requests stay in flight.
        // The restarted one (its own path) is answered at once.
        let hook = try RecordingServer { request, n in
            request.path.hasSuffix("/run1") && n >= RouteBatchKillTests.quick ? .init(status: 200, body: "ok", delay: .seconds(60)) : .ok
        }
        defer { hook.shutdown() }
        let routing = """
          retry: {base: 50ms, max_attempts: 5}
          sinks:
            hook: {kind: webhook, url: "${HOOK_URL}", concurrency: \(Self.concurrency)}
          routes:
            - {sinks: [hook]}
        """
        let config = dir.appendingPathComponent("route.yaml").path, input = dir.appendingPathComponent("classified.ndjson").path
        let output = dir.appendingPathComponent("deliveries.ndjson").path, state = dir.appendingPathComponent("route.sqlite").path
        try RouteHarness.config(sites: Self.incidents, routing: routing).write(toFile: config, atomically: true, encoding: .utf8)
        let events = (1...Self.incidents).map { RouteHarness.incident($0, .opened, at: 90) }
        // One write, so one read and one batch: queued, and as much claimed as the sink has room for, in one commit.
        try (events.map { String(decoding: $0.encoded(), as: UTF8.self) }.joined(separator: "\n") + "\n")
            .write(toFile: input, atomically: true, encoding: .utf8)
        let expected = Set(events.map { IncidentRouter.key($0.id, .opened, at: $0.at, sink: "hook") })
        let arguments = ["--config", config, "--input", input, "--follow", "--state", state, "--output", output]
        func start(_ run: Int) throws -> BackgroundStage {
            try BackgroundStage("route", arguments, in: dir, tag: "route", environment: ["HOOK_URL": hook.baseURL + "/hook/run\(run)"])
        }

        var stage = try start(1)
        // Every sender busy with a held request: `quick` sent and answered, `concurrency` in flight, the rest claimed
        // or queued behind them.
        #expect(hook.waitFor(Self.quick + Self.concurrency), "\(stage.stderr.suffix(2000))")
        usleep(200_000)
        #expect(hook.requests.count == Self.quick + Self.concurrency, "no sender may start past its concurrency")
        stage.kill9()

        // What the killed process had committed: sent outcomes, and attempts counted before they were made.
        let firstRun = hook.requests
        let heldKeys = Set(firstRun.dropFirst(Self.quick).compactMap(\.idempotencyKey))
        let recorded = try Set(Outbox(path: state, router: IncidentRouter(config: RoutingConfig(), tiers: [])).deliveryKeys(status: "sent").map(\.key))
        let unrecorded = Set(firstRun.compactMap(\.idempotencyKey)).subtracting(recorded)
        #expect(unrecorded == heldKeys, "answered sends whose outcome was lost: \(unrecorded.subtracting(heldKeys).sorted())")
        #expect(unrecorded.count <= 8 * Self.concurrency)

        stage = try start(2)
        let sentLines = { (FileManager.default.contents(atPath: output) ?? Data()).split(separator: 0x0A).compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0))) as? [String: Any]
        } }
        #expect(eventually { sentLines().count >= Self.incidents }, "\(stage.stderr.suffix(2000))")
        #expect(stage.terminate() == 0, "\(stage.stderr.suffix(2000))")

        // Nothing lost: every delivery reached the receiver and has exactly one `sent` line.
        let keys = hook.requests.compactMap(\.idempotencyKey)
        #expect(Set(keys) == expected)
        let lines = sentLines()
        let sent = lines.filter { $0["outcome"] as? String == "sent" }.compactMap { $0["key"] as? String }
        #expect(sent.count == lines.count, "only sent outcomes are expected from a receiver that always answers 200")
        #expect(sent.count == Self.incidents, "\(sent.count) sent lines for \(Self.incidents) deliveries")
        #expect(Set(sent) == expected)
        // Sent twice: only the requests whose outcome the kill lost (here those in flight), each once more, with its
        // key (a receiver drops it); the ones claimed but never started went once, on the restart.
        var repeated: [String] = []
        for (key, posts) in Dictionary(grouping: keys, by: { $0 }) where posts.count > 1 {
            repeated.append(contentsOf: Array(repeating: key, count: posts.count - 1))
        }
        #expect(Set(repeated) == heldKeys && repeated.count == heldKeys.count && heldKeys.count == Self.concurrency,
                "repeated \(repeated.count): \(repeated.sorted())")
        // Their second attempt says so.
        for line in lines where heldKeys.contains(line["key"] as? String ?? "") {
            #expect(line["attempt"] as? Int == 2, "\(line)")
        }
    }
}
