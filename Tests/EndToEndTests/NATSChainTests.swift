import Foundation
import Logging
import LookoutCore
import LookoutNATS
import Testing

/// The chain carried by NATS JetStream (docs/scaling.md), with real `nats-server` processes on loopback ports:
/// locations voting through one stream, classify killed while it consumes, the server restarted, bad lines.
@Suite(.serialized) struct NATSChainTests {
    /// Publishes lines as a stage's `--output nats://...` does (confirmed by the server).
    static func publish(_ lines: [String], to address: String, settings: NATSSettings = NATSSettings(), name: String = "test") throws {
        let sink = try NATSTransport(settings: settings, name: name).sink(address, confirm: true, logger: Logger(label: "test"))
        let writer = LineWriter(sink: sink)
        for line in lines { try writer.write(line) }
        try writer.flush()
        sink.finish(waitingUpTo: 5)
    }

    /// Publishes `lines` from a thread of its own, `chunk` lines a batch, each batch confirmed by the server before
    /// the next (as a stage's `--output nats://` publishes what it made), `pause` microseconds between batches.
    /// Returns the count published so far, which the test watches while it kills and restarts things.
    static func publishInBackground(_ lines: [String], to address: String, chunk: Int, pause: UInt32 = 0, name: String) -> Locked<Int> {
        let published = Locked(0)
        Thread {
            let sink = try! NATSTransport(settings: NATSSettings(), name: name).sink(address, confirm: true, logger: Logger(label: "test"))
            let writer = LineWriter(sink: sink)
            for start in stride(from: 0, to: lines.count, by: chunk) {
                for line in lines[start..<min(start + chunk, lines.count)] { try! writer.write(line) }
                try! writer.flush()
                published.withLock { $0 = min(start + chunk, lines.count) }
                if pause > 0 { usleep(pause) }
            }
        }.start()
        return published
    }

    static func result(_ check: String, _ at: Date, ok: Bool, location: String) -> String {
        let tail = ok ? "\"latency_ms\":12.5" : "\"error\":\"connection refused\""
        return "{\"v\":1,\"type\":\"result\",\"check\":\"\(check)\",\"at\":\"\(FileChain.rfc3339(at))\",\"ok\":\(ok),\"kind\":\"tcp\",\(tail),\"location\":\"\(location)\"}"
    }

    @Test func aFailureFromOneLocationOpensNoIncidentFromTwoItDoes() throws {
        let folder = try FileChain.Folder()
        defer { folder.remove() }
        let server = try NATSServer(store: folder.dir.appendingPathComponent("js"))
        defer { server.stop() }
        let config = folder.path("quorum.yaml")
        try (FileChain.config + "\nclassify: {quorum: 2}\n").write(toFile: config, atomically: true, encoding: .utf8)
        let start = Date(timeIntervalSince1970: 1_795_000_000)
        // Three locations each publish on their own subject, minute by minute as probes do; lon fails from the
        // start, fra too after ten minutes, nyc never.
        let places = [("lon", 0), ("fra", 10), ("nyc", Int.max)]
        let writers = try places.map { place, _ in
            LineWriter(sink: try NATSTransport(settings: NATSSettings(), name: place).sink("\(server.url)/lookout.results.\(place)",
                                                                                        confirm: true, logger: Logger(label: "test")))
        }
        for minute in 0..<20 {
            for ((place, failsFrom), writer) in zip(places, writers) {
                try writer.write(Self.result("acme-home", start.addingTimeInterval(Double(minute * 60 + 1)), ok: minute < failsFrom, location: place))
                try writer.flush()
            }
        }
        let run = try ChildProcess.run("classify", ["--config", config, "--input", "\(server.url)/lookout.results.>"], timeout: 60)
        #expect(run.status == 0, "\(run.stderrText)")
        let incidents = run.stdoutLines.filter { $0.contains("\"type\":\"incident\"") && $0.contains("\"event\":\"opened\"") }
        #expect(incidents.count == 1, "\(incidents)")
        // Opened only once fra failed too: not in lon's first ten minutes alone.
        let opened = incidents.first.flatMap { $0.range(of: "\"at\":\"") }.map { incidents.first![$0.upperBound...].prefix(20) }
        #expect(opened.map { String($0) >= FileChain.rfc3339(start.addingTimeInterval(600)) } == true, "\(incidents)")
    }

    @Test func classifyKilledAndTheServerRestartedWhileConsumingLosesAndRepeatsNothing() throws {
        let folder = try FileChain.Folder()
        defer { folder.remove() }
        let server = try NATSServer(store: folder.dir.appendingPathComponent("js"))
        defer { server.stop() }
        let subject = "\(server.url)/lookout.results.lon"
        let whole = folder.path("whole.ndjson")
        let lines = Array(FileChain.day(seed: 11).prefix(3000))
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: whole))
        let args = ["--config", folder.config, "--input", "\(server.url)/lookout.results.>", "--follow",
                    "--state", folder.path("classify.sqlite"), "--output", folder.output]
        var rng = SeededGenerator(seed: 11)
        var stage = try BackgroundStage("classify", args, in: folder.dir, tag: "classify")
        var kills = 0, restarted = false, killedMidway = 0
        func resultsOut() -> Int {
            ((try? String(contentsOfFile: folder.output, encoding: .utf8)) ?? "").split(separator: "\n").filter { $0.contains("\"type\":\"result\"") }.count
        }
        // A probe publishing a few lines at a time, as results come, while classify is killed and the server restarted.
        let sent = Self.publishInBackground(lines, to: subject, chunk: 5, pause: 3_000, name: "probe")
        let deadline = Date().addingTimeInterval(60)
        while sent.value < lines.count, Date() < deadline {
            usleep(UInt32.random(in: 50_000...300_000, using: &rng))
            if kills == 2 && !restarted {
                // The server crashes (kill -9) and comes back on the same port and store while classify runs.
                server.kill9()
                usleep(300_000)
                try server.start()
                restarted = true
            } else if kills < 5 {
                stage.kill9()
                kills += 1
                if resultsOut() < sent.value { killedMidway += 1 }
                stage = try BackgroundStage("classify", args, in: folder.dir, tag: "classify")
            }
        }
        #expect(sent.value == lines.count, "the publisher stalled at \(sent.value) of \(lines.count) lines")
        let expected = try FileChain.uninterrupted(config: folder.config, input: whole)
        let expectedLines = expected.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        let caughtUp = eventually(timeout: 60) { FileChain.lineCount(folder.output) >= expectedLines }
        let status = stage.terminate()
        #expect(caughtUp, "output has \(FileChain.lineCount(folder.output)) of \(expectedLines) lines; \(stage.stderr.suffix(2000)); server: \(server.logTail)")
        #expect(status == 0, "\(stage.stderr.suffix(2000))")
        #expect(kills >= 3 && killedMidway >= 1 && restarted,
                "killed \(kills), \(killedMidway) while behind, restarted \(restarted); server: \(server.logTail)")
        let got = FileManager.default.contents(atPath: folder.output) ?? Data()
        #expect(FileChain.firstDifference(got, expected) == nil, "killed \(kills) times; \(stage.stderr.suffix(2000))")
    }

    @Test func aBadLineIsReportedWithItsStreamSequenceAndTheStreamGoesOn() throws {
        let folder = try FileChain.Folder()
        defer { folder.remove() }
        let server = try NATSServer(store: folder.dir.appendingPathComponent("js"))
        defer { server.stop() }
        let lines = Array(FileChain.day(seed: 5).prefix(4))
        try Self.publish([lines[0], lines[1], "this is not json", lines[2], lines[3]], to: "\(server.url)/lookout.results.fra")
        let input = "\(server.url)/lookout.results.>"
        let rejects = folder.path("rejects.ndjson")
        let run = try ChildProcess.run("classify", ["--config", folder.config, "--input", input, "--rejects", rejects], timeout: 60)
        #expect(run.status == 65, "\(run.stderrText)")
        #expect(run.stderrText.contains("\(input)#3: not valid JSON"), "\(run.stderrText)")
        #expect(run.stdoutLines.filter { $0.contains("\"type\":\"result\"") }.count == 4)
        let kept = (try? String(contentsOfFile: rejects, encoding: .utf8)) ?? ""
        #expect(kept.contains("\"line\":3") && kept.contains("this is not json"), "\(kept)")
    }

    /// A probe that cannot reach the server still ends on time, leaving its results in the spill file; the next run
    /// publishes them first, then its own, and removes the file.
    @Test func aProbeRunWithTheServerDownLeavesItsResultsInTheSpillFileAndTheNextRunPublishesThemFirst() async throws {
        let folder = try FileChain.Folder()
        defer { folder.remove() }
        let server = try NATSServer(store: folder.dir.appendingPathComponent("js"))
        defer { server.stop() }
        server.stop()
        let target = TogglingListener()
        let config = folder.path("probe.yaml")
        try """
            tiers: {standard: {outage: warning, degraded: info}}
            nats: {spool_directory: "\(folder.dir.path)"}
            sites: [{id: acme, tier: standard, checks: [{id: acme-home, tcp: "127.0.0.1:\(target.port)"}, {id: acme-shop, tcp: "127.0.0.1:\(target.port)"}]}]
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let args = ["--config", config, "--once", "--location", "lon", "--output", "\(server.url)/lookout.results.lon"]
        let spool = folder.path("lookout-LOOKOUT-lookout.results.lon.spool")

        // It waits 10 s for the server before it spills: waited for suspended, not holding a cooperative thread.
        let down = try BackgroundStage("probe", args, in: folder.dir, tag: "probe-down")
        #expect(await waitUntil(timeout: 60) { !down.process.isRunning })
        #expect(down.terminate() == 0, "\(down.stderr)")
        let spilled = ((try? String(contentsOfFile: spool, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        #expect(spilled.count == 2 && spilled.allSatisfy { $0.contains("\"type\":\"result\"") }, "\(spilled); \(down.stderr)")

        try server.start()
        let up = try ChildProcess.run("probe", args, timeout: 60)
        #expect(up.status == 0, "\(up.stderrText)")
        #expect(!FileManager.default.fileExists(atPath: spool))
        let run = try ChildProcess.run("classify", ["--config", config, "--input", "\(server.url)/lookout.results.>"], timeout: 60)
        let stored = run.stdoutLines.filter { $0.contains("\"type\":\"result\"") }
        #expect(stored.count == 4, "\(run.stdoutText) \(run.stderrText)")
        // The spilled results come first, as they were made (classify adds its fields after the probe's).
        #expect(zip(stored.prefix(2), spilled).allSatisfy { $0.hasPrefix(String($1.dropLast())) }, "\(stored) \(spilled)")
    }

    /// `report --input nats://` reads what the stream holds on the subject and writes the report the same lines give
    /// from a file: the golden fixture day, its two bad lines reported with their stream sequences.
    @Test func reportReadsASubjectAsItReadsTheFile() throws {
        let folder = try FileChain.Folder()
        defer { folder.remove() }
        let server = try NATSServer(store: folder.dir.appendingPathComponent("js"))
        defer { server.stop() }
        let lines = try String(contentsOfFile: ReportExecutableTests.log, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            .map(String.init)
        #expect(!lines.dropLast().contains(""), "one message per line: the fixture must have no empty line")
        try Self.publish(lines.filter { !$0.isEmpty }, to: "\(server.url)/lookout.classified")
        let input = "\(server.url)/lookout.classified"
        let run = try ChildProcess.run("report", ["--config", ReportExecutableTests.config, "--day", "2026-11-25", "--input", input], timeout: 60)
        #expect(run.status == 65, "\(run.stderrText)")
        let expected = try String(contentsOf: ReportExecutableTests.dir.appendingPathComponent("day.out.md"), encoding: .utf8)
        #expect(run.stdoutText == expected)
        #expect(run.stderrText.contains("\(input)#201: not valid JSON"), "\(run.stderrText)")
        // The status site keeps 90 days: it reads files, and says so.
        let site = try ChildProcess.run("report", ["--config", ReportExecutableTests.config, "--status-site", folder.path("site"), input], timeout: 60)
        #expect(site.status == 64 && site.stderrText.contains("--status-site reads files"), "\(site.stderrText)")
    }
}
