import Foundation
import Testing

/// `report --status-site DIR --follow --state FILE`: a restart (after SIGTERM or SIGKILL) goes on from the saved
/// figures and read positions, never reading the old bytes again, and its pages equal a one-shot build over the
/// whole files; and the refusals (--state without --follow, a second process on one state).
@Suite struct StatusFollowStateTests {
    static var config: String { StatusSiteBrowserTests.config }

    /// The fixture day split into its classified lines (two of them malformed) and its delivery lines.
    static func fixture() throws -> (classified: [String], deliveries: [String]) {
        let lines = try String(contentsOfFile: StatusSiteBrowserTests.log, encoding: .utf8).split(separator: "\n").map(String.init)
        return (lines.filter { !$0.contains("\"type\":\"delivery\"") }, lines.filter { $0.contains("\"type\":\"delivery\"") })
    }

    /// Where to cut the classified lines: just after the first incident line at or past `fraction` of them, so the
    /// follower's writer sees a change there and saves at that very position.
    static func cut(_ lines: [String], at fraction: Double) -> Int {
        let from = Int(Double(lines.count) * fraction)
        return (from..<lines.count).first { lines[$0].contains("\"type\":\"incident\"") }.map { $0 + 1 } ?? from
    }

    static func text(_ lines: ArraySlice<String>) -> String { lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n" }

    static func size(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? -1
    }

    /// Every file of a site by relative path.
    static func files(_ site: String) -> [String: Data] {
        var out: [String: Data] = [:]
        for case let path as String in FileManager.default.enumerator(atPath: site)?.allObjects ?? [] {
            if let data = FileManager.default.contents(atPath: site + "/" + path), !path.hasSuffix("/") {
                var isDir: ObjCBool = false
                if FileManager.default.fileExists(atPath: site + "/" + path, isDirectory: &isDir), !isDir.boolValue { out[path] = data }
            }
        }
        return out
    }

    /// The one-shot build over the same files: what the followed pages must equal, byte for byte.
    static func oneShot(_ inputs: [String], in dir: URL) throws -> [String: Data] {
        let site = dir.appendingPathComponent("one-shot").path
        let out = try ChildProcess.run("report", ["--config", config, "--status-site", site] + inputs, timeout: 60)
        #expect(out.status == 65, "the fixture's two bad lines: \(out.stderrText)")
        return files(site)
    }

    static func follow(_ site: String, _ state: String, _ inputs: [String], in dir: URL, tag: String) throws -> BackgroundStage {
        try BackgroundStage("report", ["--config", config, "--status-site", site, "--follow", "--state", state] + inputs,
                            in: dir, tag: tag, environment: ["LOOKOUT_LOG_LEVEL": "debug"])
    }

    static func expectSameSite(_ site: [String: Data], _ expected: [String: Data], _ what: String) {
        #expect(site.keys.sorted() == expected.keys.sorted(), "\(what): the same files")
        #expect(site["summary.json"] != nil && site["acme-ltd/index.html"] != nil)
        for (path, data) in expected.sorted(by: { $0.key < $1.key }) {
            #expect(site[path] == data, "\(what): \(path) differs from the one-shot build")
        }
    }

    /// SIGTERM, append, restart: the restart reads only the appended lines (it says where it resumed and how many it
    /// read), leaves the pages as they were until then, and ends with the one-shot build's pages.
    @Test func aRestartAfterSIGTERMReadsOnlyTheNewLines() async throws {
        let dir = try Fixtures.tempFolder("status-state-term")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (lines, deliveries) = try StatusFollowStateTests.fixture()
        let classified = dir.appendingPathComponent("classified.ndjson").path
        let delivered = dir.appendingPathComponent("deliveries.ndjson").path
        let site = dir.appendingPathComponent("site").path, state = dir.appendingPathComponent("report.state").path
        let half = lines.count / 2, halfDeliveries = deliveries.count / 2
        try StatusFollowStateTests.text(lines[..<half]).write(toFile: classified, atomically: true, encoding: .utf8)
        try StatusFollowStateTests.text(deliveries[..<halfDeliveries]).write(toFile: delivered, atomically: true, encoding: .utf8)
        let firstSize = StatusFollowStateTests.size(classified), firstDeliveries = StatusFollowStateTests.size(delivered)

        let first = try StatusFollowStateTests.follow(site, state, [classified, delivered], in: dir, tag: "first")
        defer { first.terminate() }
        #expect(await waitUntil(timeout: 60) {
            first.stderr.contains("classified.ndjson: caught up at byte \(firstSize) ")
                && first.stderr.contains("deliveries.ndjson: caught up at byte \(firstDeliveries) ")
        }, "\(first.stderr)")
        #expect(first.terminate() == 0, "\(first.stderr)")
        let before = StatusFollowStateTests.files(site)

        // The restart before anything is appended: the pages it writes from the state are the ones already there.
        let started = Date()
        let second = try StatusFollowStateTests.follow(site, state, [classified, delivered], in: dir, tag: "second")
        defer { second.terminate() }
        #expect(await waitUntil(timeout: 60) { second.stderr.contains("pages written from the state") }, "\(second.stderr)")
        let restartSeconds = Date().timeIntervalSince(started)
        #expect(second.stderr.contains("classified.ndjson: resuming from the state at byte \(firstSize) (line \(half),"), "\(second.stderr)")
        #expect(StatusFollowStateTests.files(site) == before, "the restart changed the pages")

        FileChain.append(StatusFollowStateTests.text(lines[half...]), to: classified)
        FileChain.append(StatusFollowStateTests.text(deliveries[halfDeliveries...]), to: delivered)
        let wholeSize = StatusFollowStateTests.size(classified), wholeDeliveries = StatusFollowStateTests.size(delivered)
        // Only the appended lines are read: the old bytes are not read again.
        #expect(await waitUntil(timeout: 60) {
            second.stderr.contains("classified.ndjson: caught up at byte \(wholeSize) (line \(lines.count)), \(lines.count - half) lines read this run")
                && second.stderr.contains("deliveries.ndjson: caught up at byte \(wholeDeliveries) (line \(deliveries.count)), \(deliveries.count - halfDeliveries) lines read this run")
        }, "\(second.stderr)")
        #expect(second.terminate() == 0, "\(second.stderr)")
        StatusFollowStateTests.expectSameSite(StatusFollowStateTests.files(site),
                                              try StatusFollowStateTests.oneShot([classified, delivered], in: dir), "after the restart")
        print("StatusFollowStateTests: \(lines.count + deliveries.count) lines, restart to the pages written from the state: \(String(format: "%.2f", restartSeconds)) s (debug build)")
    }

    /// SIGKILL while lines are being read, then a restart: the figures and the position were saved together, so
    /// the lines after the last save are read once more and counted once: the pages equal the one-shot build's.
    @Test func aRestartAfterSIGKILLCountsEveryLineOnce() async throws {
        let dir = try Fixtures.tempFolder("status-state-kill")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (lines, deliveries) = try StatusFollowStateTests.fixture()
        let classified = dir.appendingPathComponent("classified.ndjson").path
        let delivered = dir.appendingPathComponent("deliveries.ndjson").path
        let site = dir.appendingPathComponent("site").path, state = dir.appendingPathComponent("report.state").path
        let one = StatusFollowStateTests.cut(lines, at: 0.3), two = StatusFollowStateTests.cut(lines, at: 0.6)
        try StatusFollowStateTests.text(lines[..<one]).write(toFile: classified, atomically: true, encoding: .utf8)
        try StatusFollowStateTests.text(deliveries[...]).write(toFile: delivered, atomically: true, encoding: .utf8)

        let first = try StatusFollowStateTests.follow(site, state, [classified, delivered], in: dir, tag: "first")
        defer { first.terminate() }
        for (end, label) in [(one, "the first part"), (two, "the second part")] {
            if end == two { FileChain.append(StatusFollowStateTests.text(lines[one..<two]), to: classified) }
            let size = StatusFollowStateTests.size(classified)
            #expect(await waitUntil(timeout: 60) { first.stderr.contains("classified.ndjson at byte \(size),") },
                    "\(label) saved: \(first.stderr)")
        }
        // The rest arrives and the follower dies while (or before) it reads it.
        let secondPartSize = StatusFollowStateTests.size(classified)
        FileChain.append(StatusFollowStateTests.text(lines[two...]), to: classified)
        first.kill9()

        let second = try StatusFollowStateTests.follow(site, state, [classified, delivered], in: dir, tag: "second")
        defer { second.terminate() }
        let wholeSize = StatusFollowStateTests.size(classified)
        #expect(await waitUntil(timeout: 60) {
            second.stderr.contains("classified.ndjson: caught up at byte \(wholeSize) ") && second.stderr.contains("deliveries.ndjson: caught up at byte ")
        }, "\(second.stderr)")
        // It went on from a save at or past the second part, not from the start.
        let resumed = second.stderr.components(separatedBy: "classified.ndjson: resuming from the state at byte ").dropFirst().first
            .flatMap { Int($0.prefix { $0.isNumber }) }
        #expect((resumed ?? 0) >= secondPartSize, "resumed at \(resumed ?? -1): \(second.stderr)")
        #expect(second.terminate() == 0, "\(second.stderr)")
        StatusFollowStateTests.expectSameSite(StatusFollowStateTests.files(site),
                                              try StatusFollowStateTests.oneShot([classified, delivered], in: dir), "after the crash")
    }

    /// The classified file rotated while report was stopped: the restart finishes the rotated file from its saved
    /// position, then reads the new one, and the pages equal a one-shot build over both.
    @Test func aFileRotatedWhileStoppedIsFinishedFromItsPosition() async throws {
        let dir = try Fixtures.tempFolder("status-state-rotate")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (lines, _) = try StatusFollowStateTests.fixture()
        let classified = dir.appendingPathComponent("classified.ndjson").path
        let site = dir.appendingPathComponent("site").path, state = dir.appendingPathComponent("report.state").path
        let one = lines.count / 3, two = 2 * lines.count / 3
        try StatusFollowStateTests.text(lines[..<one]).write(toFile: classified, atomically: true, encoding: .utf8)
        let firstSize = StatusFollowStateTests.size(classified)
        let first = try StatusFollowStateTests.follow(site, state, [classified], in: dir, tag: "first")
        defer { first.terminate() }
        #expect(await waitUntil(timeout: 60) { first.stderr.contains("caught up at byte \(firstSize) ") }, "\(first.stderr)")
        #expect(first.terminate() == 0, "\(first.stderr)")
        // Lines written after the stop, then the rotation, then a new file.
        FileChain.append(StatusFollowStateTests.text(lines[one..<two]), to: classified)
        #expect(rename(classified, classified + ".1") == 0)
        try StatusFollowStateTests.text(lines[two...]).write(toFile: classified, atomically: true, encoding: .utf8)
        let wholeSize = StatusFollowStateTests.size(classified)

        let second = try StatusFollowStateTests.follow(site, state, [classified], in: dir, tag: "second")
        defer { second.terminate() }
        #expect(await waitUntil(timeout: 60) {
            second.stderr.contains("caught up at byte \(wholeSize) (line \(lines.count - two)), \(lines.count - one) lines read this run")
        }, "\(second.stderr)")
        #expect(second.stderr.contains("was rotated while stopped: finishing \(classified).1 from offset \(firstSize) first"), "\(second.stderr)")
        #expect(second.terminate() == 0, "\(second.stderr)")
        StatusFollowStateTests.expectSameSite(StatusFollowStateTests.files(site),
                                              try StatusFollowStateTests.oneShot([classified + ".1", classified], in: dir), "after the rotation")
    }

    @Test func stateWithoutFollowIsRefused() throws {
        let dir = try Fixtures.tempFolder("status-state-usage")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = try ChildProcess.run("report", ["--config", StatusFollowStateTests.config, "--status-site", dir.appendingPathComponent("site").path,
                                                  "--state", dir.appendingPathComponent("s.db").path, StatusSiteBrowserTests.log], timeout: 60)
        #expect(out.status == 64, "\(out.stderrText)")
        #expect(out.stderrText.contains("--state is for --status-site --follow"), "\(out.stderrText)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("s.db").path))
    }

    @Test func aSecondFollowerOnTheStateIsRefused() async throws {
        let dir = try Fixtures.tempFolder("status-state-lock")
        defer { try? FileManager.default.removeItem(at: dir) }
        let classified = dir.appendingPathComponent("classified.ndjson").path
        try StatusFollowStateTests.text(try StatusFollowStateTests.fixture().classified[...]).write(toFile: classified, atomically: true, encoding: .utf8)
        let state = dir.appendingPathComponent("report.state").path
        let first = try StatusFollowStateTests.follow(dir.appendingPathComponent("site").path, state, [classified], in: dir, tag: "first")
        defer { first.terminate() }
        #expect(await waitUntil(timeout: 60) { first.stderr.contains("caught up at byte") }, "\(first.stderr)")
        let out = try ChildProcess.run("report", ["--config", StatusFollowStateTests.config, "--status-site", dir.appendingPathComponent("other").path,
                                                  "--follow", "--state", state, classified], timeout: 60)
        #expect(out.status == 74, "\(out.stderrText)")
        #expect(out.stderrText.contains("\(state): the state is in use by another report process"), "\(out.stderrText)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("other").path))
        #expect(first.terminate() == 0, "\(first.stderr)")
    }

    /// A state saved for other files is set aside with a warning, and these are read from their start.
    @Test func aStateOfOtherFilesIsSetAside() async throws {
        let dir = try Fixtures.tempFolder("status-state-other")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (lines, _) = try StatusFollowStateTests.fixture()
        let a = dir.appendingPathComponent("a.ndjson").path, b = dir.appendingPathComponent("b.ndjson").path
        try StatusFollowStateTests.text(lines[..<100]).write(toFile: a, atomically: true, encoding: .utf8)
        try StatusFollowStateTests.text(lines[...]).write(toFile: b, atomically: true, encoding: .utf8)
        let state = dir.appendingPathComponent("report.state").path, site = dir.appendingPathComponent("site").path
        let first = try StatusFollowStateTests.follow(site, state, [a], in: dir, tag: "first")
        defer { first.terminate() }
        #expect(await waitUntil(timeout: 60) { first.stderr.contains("a.ndjson: caught up at byte") }, "\(first.stderr)")
        #expect(first.terminate() == 0)
        let second = try StatusFollowStateTests.follow(site, state, [b], in: dir, tag: "second")
        defer { second.terminate() }
        #expect(await waitUntil(timeout: 60) { second.stderr.contains("b.ndjson: caught up at byte") }, "\(second.stderr)")
        #expect(second.stderr.contains("the saved status state was read from other files (\(a)); reading these from their start"), "\(second.stderr)")
        #expect(second.stderr.contains("\(lines.count) lines read this run"), "\(second.stderr)")
        #expect(second.terminate() == 0)
        StatusFollowStateTests.expectSameSite(StatusFollowStateTests.files(site), try StatusFollowStateTests.oneShot([b], in: dir), "other files")
    }
}
