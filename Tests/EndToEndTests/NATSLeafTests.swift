import Foundation
import LookoutCore
import Testing

/// The leaf topology of docs/scaling.md with real processes on loopback: a central `nats-server`, a leaf server with
/// JetStream at each of three locations, a real `probe --location` publishing to each leaf, and classify with a
/// quorum of 2 reading the central stream, which lookout creates (no subjects, sourcing each leaf's stream).
@Suite(.serialized) struct NATSLeafTests {
    /// One location's config: the same checks everywhere, each pointing where `targets` says for this location.
    static func config(_ topology: LeafTopology, targets: [(check: String, port: Int)], confirm: String = "{failures: 2, for: 1s}") -> String {
        """
        timezone: Europe/London
        tiers: {enhanced: {outage: critical, degraded: warning}}
        defaults: {every: 1s, timeout: 1s, confirm: \(confirm), recover: {successes: 2}}
        classify: {quorum: 2}
        \(topology.natsSection)
        sites:
          - id: acme
            tier: enhanced
            checks:
        \(targets.map { "      - {id: \($0.check), tcp: \"127.0.0.1:\($0.port)\"}" }.joined(separator: "\n"))
        """
    }

    static func write(_ text: String, _ path: String) throws -> String {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func aFailureFromOneLocationOpensNoIncidentFromTwoItDoes() async throws {
        let folder = try FileChain.Folder()
        defer { folder.remove() }
        let topology = try LeafTopology(folder: folder)
        defer { topology.stop() }
        let open = topology.central.port, refused = LoopbackPort.free()
        // `one-place` is refused from lon only; `two-places` from lon and fra; nyc reaches both.
        let failing: [String: Set<String>] = ["lon": ["one-place", "two-places"], "fra": ["two-places"], "nyc": []]
        var configs: [String: String] = [:]
        for location in LeafTopology.locations {
            let targets = ["one-place", "two-places"].map { ($0, failing[location]!.contains($0) ? refused : open) }
            configs[location] = try Self.write(Self.config(topology, targets: targets), folder.path("\(location).yaml"))
        }
        let classify = try BackgroundStage("classify", ["--config", configs["nyc"]!, "--input", topology.input, "--follow",
                                                        "--state", folder.path("classify.sqlite"), "--output", folder.output],
                                           in: folder.dir, tag: "classify")
        let probes = try LeafTopology.locations.map { location in
            try BackgroundStage("probe", ["--config", configs[location]!, "--location", location, "--output", topology.output(location)],
                                in: folder.dir, tag: "probe-\(location)")
        }
        // Long enough for two-places to fail over the confirmation's 2 failures and 1 s from two locations.
        try await Task.sleep(for: .seconds(5))
        let stopped = probes.map { $0.terminate() }
        #expect(stopped.allSatisfy { $0 == 0 }, "\(probes.map { $0.stderr.suffix(1000) })")
        let published = try topology.published()
        let caughtUp = await waitUntil(timeout: 30) { ClassifiedLog(path: folder.output).results.count >= published.count }
        #expect(classify.terminate() == 0, "\(classify.stderr.suffix(2000))")
        #expect(caughtUp, "classify has \(ClassifiedLog(path: folder.output).results.count) of \(published.count) results; \(classify.stderr.suffix(2000)); central: \(topology.central.logTail)")

        let log = ClassifiedLog(path: folder.output)
        #expect(log.resultIdentities.count == Set(log.resultIdentities).count, "\((try? String(contentsOfFile: folder.output, encoding: .utf8)) ?? "")")
        #expect(Set(published.map { ClassifiedLog.identity(ClassifiedLog([$0]).objects[0]) }) == Set(log.resultIdentities))
        for location in LeafTopology.locations {
            #expect(log.results.contains { $0["location"] as? String == location }, "no result from \(location)")
        }
        let opened = log.objects.filter { $0["type"] as? String == "incident" && $0["event"] as? String == "opened" }
        // The quorum's verdict: two-places opens, one-place never does. (On a loaded machine the leaves' results can
        // arrive in bursts, one location ahead of the others, which docs/scaling.md says can resolve an incident for
        // a moment and open it again: the count of openings is not what this test is about.)
        #expect(Set(opened.map { $0["check"] as? String }) == ["two-places"], "\(log.incidentEvents)")
    }

    /// Every fault of docs/scaling.md's table at once, at seeded random times: classify killed with `kill -9` five
    /// times while it consumes, the central server killed once (every leaf's link down while it is away, the leaves
    /// storing), a probe killed once. Every result the leaves stored is classified exactly once, in order for its
    /// check and location, no incident opens or resolves twice, and the output is byte for byte what one
    /// uninterrupted classify makes of the central stream.
    @Test func killsAndALinkCutLoseAndRepeatNothing() async throws {
        let folder = try FileChain.Folder()
        defer { folder.remove() }
        let topology = try LeafTopology(folder: folder)
        defer { topology.stop() }
        let target = TogglingListener(), steady = TogglingListener()
        let open = steady.port, refused = LoopbackPort.free()
        // `shared` goes down and up again for everyone (an incident opened and resolved), `lon-only` fails from lon only
        // (no incident, except that after the central server's outage the leaves' backlogs arrive one after another,
        // and while lon's comes first the other locations look silent in event time and stop voting: docs/scaling.md).
        var configs: [String: String] = [:]
        for location in LeafTopology.locations {
            let targets = [("shared", target.port), ("lon-only", location == "lon" ? refused : open), ("steady", open)]
            configs[location] = try Self.write(Self.config(topology, targets: targets), folder.path("\(location).yaml"))
        }
        let args = ["--config", configs["nyc"]!, "--input", topology.input, "--follow", "--state", folder.path("classify.sqlite"),
                    "--output", folder.output]
        var classify = try BackgroundStage("classify", args, in: folder.dir, tag: "classify")
        func probe(_ location: String) throws -> BackgroundStage {
            try BackgroundStage("probe", ["--config", configs[location]!, "--location", location, "--output", topology.output(location)],
                                in: folder.dir, tag: "probe-\(location)")
        }
        var probes = try LeafTopology.locations.map(probe)
        var rng = SeededGenerator(seed: 19)
        var kills = 0
        /// Waits `seconds` (suspended: a long wait must not hold one of the few cooperative threads other tests need),
        /// killing classify at random moments within them as `count` allows.
        func run(for seconds: Double, killing count: Int) async throws {
            let end = Date().addingTimeInterval(seconds)
            var left = count
            while Date() < end {
                let pause = left > 0 ? Double.random(in: 0.2...(max(0.3, end.timeIntervalSinceNow / Double(left))), using: &rng) : end.timeIntervalSinceNow
                try await Task.sleep(for: .seconds(max(0, min(pause, end.timeIntervalSinceNow))))
                if left > 0 && Date() < end {
                    classify.kill9()
                    kills += 1
                    left -= 1
                    classify = try BackgroundStage("classify", args, in: folder.dir, tag: "classify")
                }
            }
            // A loaded machine may oversleep past the end: the kills still due happen now.
            while left > 0 {
                classify.kill9()
                kills += 1
                left -= 1
                classify = try BackgroundStage("classify", args, in: folder.dir, tag: "classify")
            }
        }
        try await run(for: 4, killing: 2)
        probes[2].kill9()  // nyc's probe: what it had not published yet is lost with it, as documented
        probes[2] = try probe("nyc")
        target.down()
        try await run(for: 2, killing: 1)
        // The central server crashes: every leaf's link is down until it is back; the probes go on, the leaves store.
        // For the minute the issue asks for (LOOKOUT_TEST_CUT_SECONDS=4 shortens it when working on this test).
        let cut = Double(ProcessInfo.processInfo.environment["LOOKOUT_TEST_CUT_SECONDS"] ?? "") ?? 61
        topology.central.kill9()
        let cutFrom = FileChain.rfc3339(Date().addingTimeInterval(1)), cutTo = FileChain.rfc3339(Date().addingTimeInterval(cut - 1))
        try await run(for: cut, killing: 1)
        try topology.central.start()
        target.up()
        try await run(for: 5, killing: 1)
        let stopped = probes.map { $0.terminate() }
        #expect(stopped.allSatisfy { $0 == 0 }, "\(probes.map { $0.stderr.suffix(1000) })")

        let published = try topology.published()
        let caughtUp = await waitUntil(timeout: 60) { ClassifiedLog(path: folder.output).results.count >= published.count }
        // 30 s, not 10: on a loaded 2-core machine a classify restarted just before the stop once took longer than 10 s
        // to finish its stop (exit 9 from the fallback kill), with nothing lost or repeated.
        #expect(classify.terminate(grace: 30) == 0, "\(classify.stderr.suffix(2000))")
        #expect(caughtUp, "classify has \(ClassifiedLog(path: folder.output).results.count) of \(published.count) results; \(classify.stderr.suffix(2000)); central: \(topology.central.logTail)")
        #expect(kills == 5)

        let log = ClassifiedLog(path: folder.output)
        let stored = published.map { ClassifiedLog.identity(ClassifiedLog([$0]).objects[0]) }
        #expect(log.resultIdentities.count == stored.count, "\(log.resultIdentities.count) results classified, \(stored.count) stored")
        #expect(Set(log.resultIdentities) == Set(stored))
        #expect(log.outOfOrder.isEmpty, "\(log.outOfOrder)")
        // Results from every location made while the link was down, stored at the leaf and carried over afterwards.
        for location in LeafTopology.locations {
            let during = log.results.filter { $0["location"] as? String == location && ($0["at"] as? String).map { $0 > cutFrom && $0 < cutTo } == true }
            #expect(!during.isEmpty, "nothing from \(location) between \(cutFrom) and \(cutTo)")
        }
        #expect(log.repeatedIncidentEvents.isEmpty, "\(log.repeatedIncidentEvents)")
        let events = log.incidentEvents
        #expect(events.contains { $0.hasPrefix("shared/") && $0.hasSuffix(" opened") } && events.contains { $0.hasPrefix("shared/") && $0.hasSuffix(" resolved") },
                "\(events)")
        // And nothing the crashes did shows: one run over the same stream writes the same bytes.
        let once = try ChildProcess.run("classify", ["--config", configs["nyc"]!, "--input", topology.input], timeout: 60)
        #expect(once.status == 0, "\(once.stderrText)")
        let got = FileManager.default.contents(atPath: folder.output) ?? Data()
        #expect(FileChain.firstDifference(got, once.stdout) == nil, "\(classify.stderr.suffix(2000))")
    }

    /// A location added to `nats.leaves` is sourced by the central stream from the next start of a stage there, with
    /// what its leaf stored before.
    @Test func aLeafAddedToTheConfigIsSourcedFromTheNextStart() throws {
        let folder = try FileChain.Folder()
        defer { folder.remove() }
        let topology = try LeafTopology(folder: folder)
        defer { topology.stop() }
        let start = Date(timeIntervalSince1970: 1_795_000_000)
        for location in LeafTopology.locations {
            let lines = (0..<2).map { NATSChainTests.result("acme-home", start.addingTimeInterval(Double($0)), ok: true, location: location) }
            try NATSChainTests.publish(lines, to: topology.output(location), settings: topology.settings, name: location)
        }
        var first = topology.settings
        first.leaves = ["leaf-lon"]
        #expect(eventually(timeout: 20) { ((try? topology.lines(topology.input, settings: first)) ?? []).count == 2 })
        #expect(((try? topology.lines(topology.input, settings: first)) ?? []).allSatisfy { $0.contains("\"location\":\"lon\"") })
        #expect(eventually(timeout: 20) { ((try? topology.lines(topology.input)) ?? []).count == 6 }, "central: \(topology.central.logTail)")
    }

    /// A stage pointed at the wrong server is told so at start, instead of retrying for ever.
    @Test func aProbePublishingToTheCentralServerIsRefusedAtStart() throws {
        let folder = try FileChain.Folder()
        defer { folder.remove() }
        let central = try NATSServer(store: folder.dir.appendingPathComponent("central"), domain: "hub", acceptsLeaves: true)
        defer { central.stop() }
        let config = try Self.write("""
            tiers: {standard: {outage: warning, degraded: info}}
            nats: {leaves: [leaf-lon], spool_directory: "\(folder.dir.path)"}
            sites: [{id: acme, tier: standard, checks: [{id: acme-home, tcp: "127.0.0.1:\(central.port)"}]}]
            """, folder.path("probe.yaml"))
        let run = try ChildProcess.run("probe", ["--config", config, "--once", "--location", "lon", "--output", "\(central.url)/lookout.results.lon"], timeout: 30)
        #expect(run.status == 64, "\(run.stderrText)")
        #expect(run.stderrText.contains("this server's JetStream domain is hub, not one of nats.leaves (leaf-lon)"), "\(run.stderrText)")
    }
}
