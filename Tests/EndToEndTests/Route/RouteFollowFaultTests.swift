import Foundation
import LookoutCommands
@testable import LookoutCore
@testable import LookoutRoute
import Testing

/// `route --input FILE --follow --state --output FILE` killed at random moments while a classified day streams into
/// its input: every delivery must reach its receiver (tickets exactly once, webhook repeats only for a send that a
/// kill interrupted, with the same key), and the delivery file must hold exactly one `sent` line per delivery.
@Suite(.serialized) struct RouteFollowFaultTests {
    /// The chain's config with tickets for the enhanced tier and a route section: every incident to a webhook,
    /// critical ones to a helpdesk.
    static func routeConfig(hook: String, desk: String) -> String {
        FileChain.config.replacingOccurrences(of: "enhanced: {outage: critical, degraded: warning}",
                                              with: "enhanced: {outage: critical, degraded: warning, ticket: true}") + """

            routing:
              retry: {base: 50ms, max_attempts: 20}
              update_interval: 1m
              sinks:
                automation: {kind: webhook, url: "${HOOK_URL}"}
                helpdesk: {kind: zendesk, url: "\(desk)", email: ops@agency.example, token: "${ZENDESK_TOKEN}"}
              routes:
                - {sinks: [automation]}
                - {severity: critical, sinks: [helpdesk]}
            """
    }

    /// A loopback webhook receiver and Zendesk, a temp folder, and the files route works with.
    final class Rig {
        let dir: URL
        let hook: RecordingServer
        let desk = FakeHelpdesk(.zendesk)
        let helpdesk: RecordingServer
        let environment: [String: String]
        let config: String, input: String, output: String, state: String

        init(hook answer: @escaping RecordingServer.Handler = { _, _ in .ok }) throws {
            dir = try Fixtures.tempFolder("chain")
            hook = try RecordingServer(handler: answer)
            let desk = self.desk
            helpdesk = try RecordingServer { r, _ in desk.respond(r) }
            environment = ["HOOK_URL": hook.baseURL + "/hooks/secretHOOKpath", "ZENDESK_TOKEN": RouteHarness.zendeskToken]
            config = dir.appendingPathComponent("route.yaml").path
            input = dir.appendingPathComponent("classified.ndjson").path
            output = dir.appendingPathComponent("deliveries.ndjson").path
            state = dir.appendingPathComponent("route.sqlite").path
            try RouteFollowFaultTests.routeConfig(hook: hook.baseURL, desk: helpdesk.baseURL).write(toFile: config, atomically: true, encoding: .utf8)
            _ = FileManager.default.createFile(atPath: input, contents: nil)
        }

        /// Extra options for every start (`--rotate-bytes N`).
        var extraArguments: [String] = []

        /// Read from here instead of the input file (a `nats://` subject).
        var inputAddress: String?

        var arguments: [String] { ["--config", config, "--input", inputAddress ?? input, "--follow", "--state", state, "--output", output] + extraArguments }

        /// The output file and the ones rotated away from it (`deliveries.ndjson.YYYY-MM-DD.N`), oldest first.
        var outputFiles: [String] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
            let rotated = names.filter { $0.hasPrefix("deliveries.ndjson.") }.sorted { $0.compare($1, options: .numeric) == .orderedAscending }
            return rotated.map { dir.appendingPathComponent($0).path } + [output]
        }

        private(set) var runs = 0

        /// Starts route; each run posts to its own webhook path (`.../run<N>`), so a repeated post shows which
        /// processes made it.
        func start() throws -> BackgroundStage {
            runs += 1
            var env = environment
            env["HOOK_URL"] = hook.baseURL + "/hooks/secretHOOKpath/run\(runs)"
            return try BackgroundStage("route", arguments, in: dir, tag: "route", environment: env)
        }

        /// The delivery keys an uninterrupted route queues for `classified`, by sink, computed by the real router.
        func expectedKeys(_ classified: Data) throws -> [String: Set<String>] {
            let parsed = try Config.parse(yaml: String(contentsOfFile: config, encoding: .utf8), file: config, environment: environment)
            let routing = try #require(parsed.routing)
            let outbox = try Outbox(path: nil, router: IncidentRouter(config: routing, tiers: parsed.tiers))
            for line in classified.split(separator: 0x0A) where line.contains(Array(#""type":"incident""#.utf8)) {
                let incident = try #require(IncidentEvent.decode(Array(line)))
                try outbox.enqueue(incident, line: Array(line), now: Timestamp(seconds: 0))
            }
            return try outbox.deliveryKeys().reduce(into: [:]) { out, d in out[d.sink, default: []].insert(d.key) }
        }

        /// The `delivery` lines in the output, each decoded (nil for a line that is not one).
        var deliveryLines: [[String: Any]?] {
            outputFiles.flatMap { file in
                let data = FileManager.default.contents(atPath: file) ?? Data()
                return data.split(separator: 0x0A).map { (try? JSONSerialization.jsonObject(with: Data($0))) as? [String: Any] }
            }
        }

        var sentCount: Int { deliveryLines.filter { $0?["outcome"] as? String == "sent" }.count }

        deinit {
            hook.shutdown()
            helpdesk.shutdown()
            try? FileManager.default.removeItem(at: dir)
        }
    }

    /// A classified day with many incidents (about 24 outages per check, half of them opening degraded, so
    /// `updated` lines too), from the real classify.
    static func classifiedDay(seed: UInt64, in dir: URL) throws -> Data {
        let config = dir.appendingPathComponent("classify.yaml").path
        try FileChain.config.write(toFile: config, atomically: true, encoding: .utf8)
        let results = dir.appendingPathComponent("results.ndjson").path
        try (FileChain.day(seed: seed, outageOneIn: 60, degradedFirst: true).joined(separator: "\n") + "\n")
            .write(toFile: results, atomically: true, encoding: .utf8)
        return try FileChain.uninterrupted(config: config, input: results)
    }

    @Test(arguments: [UInt64(21), 22, 23, 24])
    func routeKilledAtRandomMomentsDeliversEverythingAndWritesEachOutcomeOnce(seed: UInt64) throws {
        try killedRun(seed: seed, rotateInput: false)
    }

    /// The same while classify's output, route's input, is rotated (renamed to classified.ndjson.N, a new file
    /// started) at random line boundaries, sometimes while route is down, and route rotates its own output by size.
    @Test(arguments: [UInt64(25), 26])
    func routeKilledWhileItsFilesRotateDeliversEverythingOnce(seed: UInt64) throws {
        try killedRun(seed: seed, rotateInput: true)
    }

    func killedRun(seed: UInt64, rotateInput: Bool) throws {
        let rig = try Rig()
        if rotateInput { rig.extraArguments = ["--rotate-bytes", "12000"] }
        let classified = try Self.classifiedDay(seed: seed, in: rig.dir)
        let expected = try rig.expectedKeys(classified)
        let hookKeys = expected["automation"] ?? [], deskKeys = expected["helpdesk"] ?? []
        let openings = deskKeys.filter { $0.contains("|opened|") }.count
        #expect(hookKeys.count >= 150, "the day should hold many incidents, has \(hookKeys.count) webhook deliveries")
        #expect(hookKeys.contains { $0.contains("|updated") }, "the day should hold updated incidents too")

        var rng = SeededGenerator(seed: seed)
        let bytes = Array(classified)
        var stage = try rig.start()
        var kills = 0, rotations = 0
        var written = 0
        let began = Date()
        func rotate() {
            rotations += 1
            #expect(rename(rig.input, "\(rig.input).\(rotations)") == 0)
            _ = FileManager.default.createFile(atPath: rig.input, contents: nil)
        }
        if rotateInput {
            // A route that has never committed does not know which file it was to read (a first start reads the
            // current one, docs/operations.md): it gets to commit before rotations begin.
            let firstIncident = try #require(classified.range(of: Data(#""type":"incident""#.utf8)))
            written = classified[firstIncident.upperBound...].firstIndex(of: 0x0A)! + 1
            FileChain.append(bytes[..<written], to: rig.input)
            #expect(eventually { rig.sentCount >= 1 }, "\(stage.stderr.suffix(2000))")
        }
        while written < bytes.count {
            // Chunks end anywhere, mid-line included: the follower must wait for the rest of a line.
            var n = min(bytes.count - written, Int.random(in: 1...40_000, using: &rng))
            // A rotating writer rotates between lines: with rotation, half the chunks end with one.
            if rotateInput, Bool.random(using: &rng), let nl = bytes[(written + n - 1)...].firstIndex(of: 0x0A) {
                n = nl + 1 - written
            }
            FileChain.append(bytes[written..<(written + n)], to: rig.input)
            written += n
            usleep(UInt32.random(in: 2_000...30_000, using: &rng))
            let atLineEnd = bytes[written - 1] == 0x0A
            if Int.random(in: 0..<5, using: &rng) == 0 {
                stage.kill9()
                kills += 1
                if rotateInput, atLineEnd, Bool.random(using: &rng) { rotate() }
                stage = try rig.start()
            } else if rotateInput, atLineEnd, Int.random(in: 0..<4, using: &rng) == 0 {
                rotate()
            }
        }
        // A few more kills while it catches up on the deliveries, then it is left to finish.
        for _ in 0..<3 {
            usleep(UInt32.random(in: 20_000...150_000, using: &rng))
            stage.kill9()
            kills += 1
            stage = try rig.start()
        }
        let total = hookKeys.count + deskKeys.count
        let caughtUp = eventually(timeout: 60) { rig.sentCount >= total }
        // SIGTERM before route has set up its handler kills it outright (harmless, but not the clean stop checked
        // here): the last run may have caught up within milliseconds of its start.
        let up = Date().timeIntervalSince(stage.started)
        if up < 1 { usleep(UInt32((1 - up) * 1_000_000)) }
        let status = stage.terminate()
        let elapsed = Date().timeIntervalSince(began)
        #expect(caughtUp, "\(rig.sentCount) of \(total) sent lines (seed \(seed)); \(stage.stderr.suffix(2000))")
        #expect(status == 0, "\(stage.stderr.suffix(2000))")
        // A clean stop folds the write-ahead log into the database (it left 1.3 MB beside a 4 KB file).
        let wal = (try? FileManager.default.attributesOfItem(atPath: rig.state + "-wal")[.size] as? Int) ?? 0
        #expect(wal == 0, "route left a \(wal)-byte \(rig.state)-wal after SIGTERM")
        #expect(kills >= 5)
        if rotateInput { #expect(rotations >= 3, "the input should have been rotated a few times, rotated \(rotations)") }

        let repeats = Self.expectEveryDeliveryOnce(rig, hookKeys: hookKeys, deskKeys: deskKeys, openings: openings, seed: seed)
        if rotateInput { #expect(rig.outputFiles.count >= 4, "the output should have been rotated a few times: \(rig.outputFiles.count) files") }
        #expect(!stage.stderr.contains("differs from what was written"), "the replayed journal did not match the file's tail")
        // Everything journaled was written and forgotten; the input was read to its end.
        let outbox = try Outbox(path: rig.state, router: IncidentRouter(config: RoutingConfig(), tiers: []))
        #expect(try outbox.journalBacklog() == 0)
        let current = try FileManager.default.attributesOfItem(atPath: rig.input)[.size] as? Int
        #expect(try outbox.loadPosition()?.inputOffset == Int64(rotateInput ? current ?? -1 : bytes.count))
        let replayedTails = stage.stderr.components(separatedBy: "written after the last commit").count - 1
        print("route follow fault test: seed \(seed), \(kills) kills, \(rotations) input rotations, \(hookKeys.filter { $0.contains("|opened|") }.count) incidents, \(total) deliveries, \(repeats) repeated webhook posts, \(replayedTails) uncommitted output tails checked on restart, \(String(format: "%.1f", elapsed)) s")
    }

    /// The receivers got every delivery and the delivery file holds one `sent` line for each; returns how many
    /// webhook posts a killed run made again.
    @discardableResult
    static func expectEveryDeliveryOnce(_ rig: Rig, hookKeys: Set<String>, deskKeys: Set<String>, openings: Int, seed: UInt64) -> Int {
        // The receivers got every delivery.
        let hookRequests = rig.hook.requests
        #expect(hookRequests.allSatisfy { $0.idempotencyKey != nil }, "every webhook post carries its key")
        #expect(Set(hookRequests.compactMap(\.idempotencyKey)) == hookKeys)
        let deskWrites = rig.helpdesk.requests.filter { $0.method != "GET" }
        #expect(Set(deskWrites.compactMap(\.idempotencyKey)) == deskKeys)
        #expect(rig.desk.createdCount == openings, "one ticket per critical incident, never two (seed \(seed))")
        // A post is repeated only when the run that made it was killed before recording it: each run posts a key
        // at most once (the receiver always says 200, so nothing is retried), and only killed runs precede another.
        var repeats = 0
        for (key, posts) in Dictionary(grouping: hookRequests, by: { $0.idempotencyKey ?? "" }) where posts.count > 1 {
            repeats += posts.count - 1
            let runs = posts.map { $0.path.split(separator: "/").last.map(String.init) ?? "" }
            #expect(Set(runs).count == runs.count, "\(key) was posted twice by one route process: \(runs) (seed \(seed))")
        }

        // The delivery file: every line whole, one `sent` line per delivery, nothing else.
        let lines = rig.deliveryLines
        for file in rig.outputFiles { #expect(FileManager.default.contents(atPath: file).map { $0.isEmpty || $0.last == 0x0A } == true, "\(file) ends mid-line") }
        let sent = lines.compactMap { $0 }.filter { $0["outcome"] as? String == "sent" }.compactMap { $0["key"] as? String }
        #expect(lines.allSatisfy { $0?["type"] as? String == "delivery" }, "a line in the delivery file is not a whole delivery line")
        #expect(sent.count == lines.count, "only sent outcomes are expected from receivers that always answer 200")
        #expect(sent.count == Set(sent).count, "\(sent.count - Set(sent).count) delivery lines written twice (seed \(seed))")
        #expect(Set(sent) == hookKeys.union(deskKeys), "missing: \(hookKeys.union(deskKeys).subtracting(sent).sorted().prefix(5))")
        return repeats
    }

    @Test func restartResumesAfterTheCommittedPositionEvenOnceDeliveriesArePruned() throws {
        let rig = try Rig()
        let classified = try Self.classifiedDay(seed: 31, in: rig.dir)
        // Split where no incident is open, so forgetting the first half's routing state changes nothing after it.
        let lines = classified.split(separator: 0x0A)
        var open = Set<String>(), quiet: [Int] = []
        for (i, line) in lines.enumerated() {
            if let incident = IncidentEvent.decode(Array(line)) {
                if incident.event == .resolved { open.remove(incident.id) } else { open.insert(incident.id) }
            }
            if open.isEmpty { quiet.append(i + 1) }
        }
        let half = try #require(quiet.min { abs($0 - lines.count / 2) < abs($1 - lines.count / 2) })
        let first = Data(lines.prefix(half).joined(separator: [0x0A]) + [0x0A])
        let second = Data(lines.dropFirst(half).joined(separator: [0x0A]) + [0x0A])
        let keys = { (d: Data) in try rig.expectedKeys(d).values.reduce(into: Set<String>()) { $0.formUnion($1) } }
        let firstKeys = try keys(first)
        let allKeys = try firstKeys.union(keys(second))
        #expect(firstKeys.count > 20 && allKeys.count > firstKeys.count)

        FileChain.append(first, to: rig.input)
        var stage = try rig.start()
        #expect(eventually { rig.sentCount == firstKeys.count }, "\(stage.stderr.suffix(2000))")
        stage.kill9()
        // Forget every finished delivery, as the 30-day pruning does: only the stored position keeps the lines
        // already read from being queued and sent again.
        let outbox = try Outbox(path: rig.state, router: IncidentRouter(config: RoutingConfig(), tiers: []))
        #expect(try outbox.loadPosition()?.inputOffset == Int64(first.count))
        #expect(try outbox.prune(olderThan: .zero, now: Timestamp(seconds: 4_000_000_000)) == firstKeys.count)
        let requestsBefore = rig.hook.requests.count + rig.helpdesk.requests.count

        stage = try rig.start()
        usleep(500_000)
        #expect(rig.hook.requests.count + rig.helpdesk.requests.count == requestsBefore, "lines read before the kill were sent again")
        #expect(try outbox.pendingCount() == 0)
        FileChain.append(second, to: rig.input)
        #expect(eventually { rig.sentCount == allKeys.count }, "\(rig.sentCount) of \(allKeys.count); \(stage.stderr.suffix(2000))")
        #expect(stage.terminate() == 0, "\(stage.stderr.suffix(2000))")
        let queued = try outbox.deliveryKeys().count
        #expect(queued == allKeys.count - firstKeys.count, "only the new lines' deliveries were queued after the restart")
        let sent = rig.deliveryLines.compactMap { $0?["key"] as? String }
        #expect(sent.count == allKeys.count && Set(sent) == allKeys)
        #expect(rig.desk.createdCount == allKeys.filter { $0.hasSuffix("|opened|helpdesk") }.count)
    }

    @Test func sigtermStopsPromptlyWhileASinkIsHeldAndKeepsWhatIsQueued() throws {
        // The webhook asks route to come back in 30 s: that holds the whole sink.
        let rig = try Rig(hook: { _, _ in .init(status: 429, headers: [("Retry-After", "30")], body: "slow down") })
        let lines = try Self.classifiedDay(seed: 41, in: rig.dir).split(separator: 0x0A)
        let incidents = lines.indices.filter { lines[$0].contains(Array(#""type":"incident""#.utf8)) }
        let prefix = lines[...incidents[1]]
        FileChain.append(Data(prefix.joined(separator: [0x0A]) + [0x0A]), to: rig.input)
        let stage = try rig.start()
        let retrying = { rig.deliveryLines.filter { $0?["outcome"] as? String == "retrying" }.count }
        #expect(eventually { retrying() >= 1 }, "\(stage.stderr.suffix(2000))")
        let asked = Date()
        let status = stage.terminate(grace: 20)
        let took = Date().timeIntervalSince(asked)
        #expect(status == 0, "\(stage.stderr.suffix(2000))")
        #expect(took < 10, "route took \(took) s to stop: it waited out the Retry-After instead of stopping")
        let outbox = try Outbox(path: rig.state, router: IncidentRouter(config: RoutingConfig(), tiers: []))
        #expect(try outbox.pendingCount(sink: "automation") >= 1, "the held delivery stays queued for the next start")
        #expect(try outbox.journalBacklog() == 0, "every recorded outcome was written before stopping")
        // The two incident lines may both have been in flight when the 429 came back (the webhook sends to different
        // incidents at once): each attempt made has its one retrying line, none was repeated, nothing started after.
        let keys = rig.hook.requests.compactMap(\.idempotencyKey)
        #expect(retrying() == keys.count && Set(keys).count == keys.count && (1...2).contains(keys.count), "\(keys)")
        #expect(try outbox.loadPosition()?.inputOffset == Int64(prefix.reduce(0) { $0 + $1.count + 1 }))
    }

    @Test func aSecondRouteOnTheSameStateIsRefusedClearly() throws {
        let rig = try Rig()
        let stage = try rig.start()
        #expect(eventually { FileManager.default.fileExists(atPath: rig.output) })
        usleep(200_000)
        var env = ProcessInfo.processInfo.environment
        env.merge(rig.environment) { _, new in new }
        let second = try ChildProcess.run("route", Array(rig.arguments.dropLast(2)) + ["--output", rig.dir.appendingPathComponent("other.ndjson").path],
                                          environment: env, timeout: 20)
        #expect(second.status == 74)
        #expect(second.stderrText.contains("in use by another route process"), "\(second.stderrText)")
        #expect(stage.process.isRunning)
        #expect(stage.terminate() == 0, "\(stage.stderr)")
    }

    @Test(arguments: [
        (["--follow", "--dry-run"], "cannot --follow"),
        (["--follow"], "--follow needs --state"),
    ])
    func followRefusesCombinationsThatCannotResumeExactly(extra: [String], message: String) throws {
        let rig = try Rig()
        let args = ["--config", rig.config, "--input", rig.input] + extra
        var env = ProcessInfo.processInfo.environment
        env.merge(rig.environment) { _, new in new }
        let run = try ChildProcess.run("route", args, environment: env, timeout: 20)
        #expect(run.status == 64)
        #expect(run.stderrText.contains(message), "\(run.stderrText)")
        // An error that stops the run is one bare line, as a config error is, not a timestamped log line.
        #expect(run.stderrText.hasPrefix("route: ") && run.stderrText.split(separator: "\n").count == 1, "\(run.stderrText)")
    }
}
