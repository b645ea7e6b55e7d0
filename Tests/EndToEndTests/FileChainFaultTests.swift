import Foundation
import Testing

/// Fault tests of the file-based chain (`--input FILE --follow --state --output FILE`): a stage killed at random
/// moments, a disk that fills up, a writer killed mid-line and garbage input must neither lose nor repeat a line.
@Suite(.serialized) struct FileChainFaultTests {
    static let config = """
        timezone: Europe/London
        tiers:
          enhanced: {outage: critical, degraded: warning}
          standard: {outage: warning, degraded: info}
        defaults: {every: 60s, confirm: {failures: 3, for: 90s}, recover: {successes: 2}}
        sites:
          - id: acme
            tier: enhanced
            checks:
              - {id: acme-home, tcp: "acme.example:443"}
              - {id: acme-shop, tcp: "shop.acme.example:443"}
              - {id: acme-api, tcp: "api.acme.example:443"}
          - id: beta
            tier: standard
            checks:
              - {id: beta-home, tcp: "beta.example:443"}
              - {id: beta-blog, tcp: "blog.beta.example:443"}
        """

    static let checks = ["acme-home", "acme-shop", "acme-api", "beta-home", "beta-blog"]

    /// A day of results, one per check per minute, with outages of random length at random times.
    static func day(seed: UInt64) -> [String] {
        var rng = SeededGenerator(seed: seed)
        var downUntil = [Int](repeating: -1, count: checks.count)
        var lines: [String] = []
        let start = 1_795_996_800 // 2026-11-30T00:00:00Z
        for minute in 0..<1440 {
            for (i, check) in checks.enumerated() {
                if minute > downUntil[i], Int.random(in: 0..<400, using: &rng) == 0 {
                    downUntil[i] = minute + Int.random(in: 1...40, using: &rng)
                }
                let blip = Int.random(in: 0..<150, using: &rng) == 0
                let ok = minute > downUntil[i] && !blip
                let at = Date(timeIntervalSince1970: TimeInterval(start + minute * 60 + i))
                var line = "{\"v\":1,\"type\":\"result\",\"check\":\"\(check)\",\"at\":\"\(Self.rfc3339(at))\",\"ok\":\(ok),\"latency_ms\":\(Int.random(in: 20...900, using: &rng))"
                if !ok { line += ",\"error\":\"connection refused\"" }
                lines.append(line + "}")
            }
        }
        return lines
    }

    static func rfc3339(_ d: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: d)
    }

    static func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lookout-chain-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static func append(_ text: String, to path: String) {
        let h = FileHandle(forWritingAtPath: path)!
        h.seekToEndOfFile()
        h.write(Data(text.utf8))
        try? h.close()
    }

    static func lineCount(_ path: String) -> Int {
        guard let d = FileManager.default.contents(atPath: path) else { return 0 }
        return d.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
    }

    /// What an uninterrupted run over the whole input writes.
    static func uninterrupted(config: String, input: String) throws -> Data {
        let run = try ChildProcess.run("classify", ["--config", config, "--input", input], timeout: 60)
        #expect(run.status == 0, "\(run.stderrText)")
        return run.stdout
    }

    @Test(arguments: [UInt64(1), 2, 3, 4, 5])
    func classifyKilledAtRandomMomentsLosesAndRepeatsNothing(seed: UInt64) throws {
        try killedRun(seed: seed, rotateInput: false)
    }

    /// The same, while the input is also rotated (renamed to results.ndjson.N, a new file started) at random line
    /// boundaries, sometimes while classify is down: it must finish each old file, then go on with the next.
    @Test(arguments: [UInt64(6), 7, 8])
    func classifyKilledWhileItsInputRotatesLosesAndRepeatsNothing(seed: UInt64) throws {
        try killedRun(seed: seed, rotateInput: true)
    }

    func killedRun(seed: UInt64, rotateInput: Bool) throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("config.yaml").path
        try Data(Self.config.utf8).write(to: URL(fileURLWithPath: config))
        let input = dir.appendingPathComponent("results.ndjson").path
        let whole = dir.appendingPathComponent("whole.ndjson").path
        let output = dir.appendingPathComponent("classified.ndjson").path
        let state = dir.appendingPathComponent("classify.sqlite").path
        FileManager.default.createFile(atPath: input, contents: nil)
        let args = ["--config", config, "--input", input, "--follow", "--state", state, "--output", output]

        var rng = SeededGenerator(seed: seed)
        let text = Self.day(seed: seed).joined(separator: "\n") + "\n"
        try Data(text.utf8).write(to: URL(fileURLWithPath: whole))
        let bytes = Array(text.utf8)
        var stage = try BackgroundStage("classify", args, in: dir, tag: "classify")
        var written = 0, kills = 0, rotations = 0
        // A stage that has never committed does not know which file it was to read: a first start reads the
        // current one (docs/operations.md). So the first instance gets to commit before the faults begin.
        let first = bytes.firstIndex(of: 0x0A)! + 1
        Self.append(String(decoding: bytes[..<first], as: UTF8.self), to: input)
        written = first
        #expect(eventually { Self.lineCount(output) == 1 })
        while written < bytes.count {
            // Chunks end anywhere, mid-line included: the follower must wait for the rest of a line.
            var n = min(bytes.count - written, Int.random(in: 1...12_000, using: &rng))
            // A rotating writer rotates between lines: with rotation, half the chunks end with one.
            if rotateInput, Bool.random(using: &rng), let nl = bytes[(written + n - 1)...].firstIndex(of: 0x0A) {
                n = nl + 1 - written
            }
            Self.append(String(decoding: bytes[written..<(written + n)], as: UTF8.self), to: input)
            written += n
            usleep(UInt32.random(in: 1_000...15_000, using: &rng))
            if Int.random(in: 0..<8, using: &rng) == 0 {
                stage.kill9()
                kills += 1
                if rotateInput, bytes[written - 1] == 0x0A, Bool.random(using: &rng) {
                    rotations += 1
                    #expect(rename(input, "\(input).\(rotations)") == 0)
                    FileManager.default.createFile(atPath: input, contents: nil)
                }
                stage = try BackgroundStage("classify", args, in: dir, tag: "classify")
            } else if rotateInput, bytes[written - 1] == 0x0A, Int.random(in: 0..<10, using: &rng) == 0 {
                rotations += 1
                #expect(rename(input, "\(input).\(rotations)") == 0)
                FileManager.default.createFile(atPath: input, contents: nil)
            }
        }
        let expected = try Self.uninterrupted(config: config, input: whole)
        let expectedLines = expected.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        let caughtUp = eventually(timeout: 60) { Self.lineCount(output) >= expectedLines }
        let status = stage.terminate()
        #expect(caughtUp, "output has \(Self.lineCount(output)) of \(expectedLines) lines")
        #expect(status == 0, "\(stage.stderr)")
        #expect(kills >= 3, "the run should have killed the stage a few times, killed \(kills)")
        if rotateInput { #expect(rotations >= 2, "the run should have rotated the input a few times, rotated \(rotations)") }
        let got = FileManager.default.contents(atPath: output) ?? Data()
        #expect(Self.firstDifference(got, expected) == nil, "killed \(kills) times, rotated \(rotations); \(stage.stderr.suffix(3000))")
        #expect(!stage.stderr.contains("not valid JSON"), "an unfinished line was processed as a bad event")
    }

    /// Where two outputs first differ, as a short description (nil when equal); a byte dump would drown the log.
    static func firstDifference(_ got: Data, _ want: Data) -> String? {
        if got == want { return nil }
        let g = got.split(separator: 0x0A, omittingEmptySubsequences: false), w = want.split(separator: 0x0A, omittingEmptySubsequences: false)
        for i in 0..<max(g.count, w.count) where i >= g.count || i >= w.count || g[i] != w[i] {
            let show = { (l: Data?) in l.map { String(decoding: $0, as: UTF8.self) } ?? "<none>" }
            return "\(g.count) lines instead of \(w.count); line \(i + 1) is \(show(i < g.count ? g[i] : nil)), expected \(show(i < w.count ? w[i] : nil))"
        }
        return "same lines, different bytes"
    }

    @Test func unfinishedLastLineWaitsAndIsNotRejected() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("config.yaml").path
        try Data(Self.config.utf8).write(to: URL(fileURLWithPath: config))
        let input = dir.appendingPathComponent("results.ndjson").path
        let output = dir.appendingPathComponent("classified.ndjson").path
        let lines = Self.day(seed: 7).prefix(3)
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: input))
        let args = ["--config", config, "--input", input, "--follow", "--state", dir.appendingPathComponent("s.sqlite").path,
                    "--output", output, "--rejects", dir.appendingPathComponent("rejects.ndjson").path]
        var stage = try BackgroundStage("classify", args, in: dir, tag: "classify")
        #expect(eventually { Self.lineCount(output) == 3 })
        // A writer killed mid-line: half a line, and a restart of the follower while it is unfinished.
        let last = Self.day(seed: 7)[3]
        let cut = last.index(last.startIndex, offsetBy: last.count / 2)
        Self.append(String(last[..<cut]), to: input)
        usleep(400_000)
        #expect(Self.lineCount(output) == 3)
        stage.kill9()
        stage = try BackgroundStage("classify", args, in: dir, tag: "classify")
        usleep(400_000)
        Self.append(String(last[cut...]) + "\n", to: input)
        #expect(eventually { Self.lineCount(output) == 4 })
        let status = stage.terminate()
        #expect(status == 0, "\(stage.stderr)")
        let rejects = (try? String(contentsOfFile: dir.appendingPathComponent("rejects.ndjson").path, encoding: .utf8)) ?? ""
        #expect(rejects.isEmpty, "the unfinished line was rejected: \(rejects)")
        let out = try String(contentsOfFile: output, encoding: .utf8)
        #expect(out.split(separator: "\n").last?.contains("\"check\":\"\(Self.checks[3])\"") == true)
    }

    @Test func writerKilledMidLineLeavesAnUnfinishedOutputTailThatIsCutAndRewritten() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("config.yaml").path
        try Data(Self.config.utf8).write(to: URL(fileURLWithPath: config))
        let input = dir.appendingPathComponent("results.ndjson").path
        let output = dir.appendingPathComponent("classified.ndjson").path
        try Data((Self.day(seed: 3).prefix(50).joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: input))
        let expected = try Self.uninterrupted(config: config, input: input)
        // The output as a killed writer leaves it: 20 lines and half of the 21st.
        let expectedLines = expected.split(separator: 0x0A, omittingEmptySubsequences: false)
        var partial = Data(expectedLines.prefix(20).joined(separator: [0x0A]))
        partial.append(0x0A)
        partial.append(expectedLines[20].prefix(30))
        try partial.write(to: URL(fileURLWithPath: output))
        // No committed position: the tail is cut; the stage re-reads the input from its start, so the expected
        // output is the 20 finished lines followed by the whole run.
        let args = ["--config", config, "--input", input, "--output", output]
        let run = try ChildProcess.run("classify", args, timeout: 30)
        #expect(run.status == 0, "\(run.stderrText)")
        #expect(run.stderrText.contains("unfinished line"))
        var want = Data(expectedLines.prefix(20).joined(separator: [0x0A]))
        want.append(0x0A)
        want.append(expected)
        #expect(FileManager.default.contents(atPath: output) == want)
    }

    /// Mounts a small tmpfs when the test runs with the right to (root in a container or CI); nil otherwise.
    static func mountTmpfs(at dir: URL, bytes: Int) -> Bool {
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let mount = Process()
        mount.executableURL = URL(fileURLWithPath: "/bin/mount")
        mount.arguments = ["-t", "tmpfs", "-o", "size=\(bytes)", "tmpfs", dir.path]
        mount.standardError = FileHandle.nullDevice
        mount.standardOutput = FileHandle.nullDevice
        guard (try? mount.run()) != nil else { return false }
        mount.waitUntilExit()
        return mount.terminationStatus == 0
    }

    static func unmount(_ dir: URL) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/umount")
        p.arguments = [dir.path]
        try? p.run()
        p.waitUntilExit()
    }

    @Test func fullDiskHoldsOutputAndResumesWithoutLosingALine() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let disk = dir.appendingPathComponent("disk")
        guard Self.mountTmpfs(at: disk, bytes: 2 << 20) else {
            // Without the right to mount, the full-disk path cannot be made real here; the other tests still run.
            print("skipped: cannot mount a tmpfs to fill (needs root)")
            return
        }
        defer { Self.unmount(disk) }
        let config = dir.appendingPathComponent("config.yaml").path
        try Data(Self.config.utf8).write(to: URL(fileURLWithPath: config))
        let input = dir.appendingPathComponent("results.ndjson").path
        let output = disk.appendingPathComponent("classified.ndjson").path
        let lines = Self.day(seed: 11).prefix(1500)
        // Fill the disk completely.
        let filler = disk.appendingPathComponent("filler").path
        let fillFD = open(filler, O_WRONLY | O_CREAT, 0o644)
        let block = [UInt8](repeating: 0x61, count: 4096)
        while block.withUnsafeBytes({ Foundation.write(fillFD, $0.baseAddress!, $0.count) }) > 0 {}
        close(fillFD)
        FileManager.default.createFile(atPath: input, contents: Data((lines.joined(separator: "\n") + "\n").utf8))
        let stage = try BackgroundStage("classify", ["--config", config, "--input", input, "--follow", "--output", output,
                                                     "--state", dir.appendingPathComponent("s.sqlite").path], in: dir, tag: "classify")
        let said = eventually(timeout: 20) { stage.stderr.contains("No space left on device") }
        #expect(said, "the stage did not say the disk is full: \(stage.stderr)")
        #expect(stage.process.isRunning, "the stage must wait for space, not exit")
        try FileManager.default.removeItem(atPath: filler)
        let expected = try Self.uninterrupted(config: config, input: input)
        let expectedLines = expected.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        #expect(eventually(timeout: 30) { Self.lineCount(output) >= expectedLines })
        let status = stage.terminate()
        #expect(status == 0, "\(stage.stderr)")
        #expect(stage.stderr.contains("writing again"))
        #expect(Self.firstDifference(FileManager.default.contents(atPath: output) ?? Data(), expected) == nil)
    }

    @Test func garbageLinesAreReportedAndTheFollowerKeepsGoing() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("config.yaml").path
        try Data(Self.config.utf8).write(to: URL(fileURLWithPath: config))
        let input = dir.appendingPathComponent("results.ndjson").path
        let output = dir.appendingPathComponent("classified.ndjson").path
        var rng = SeededGenerator(seed: 99)
        var garbage: [Data] = []
        garbage.append(Data((0..<4000).map { _ in UInt8.random(in: 0...255, using: &rng) }.filter { $0 != 0x0A }))
        garbage.append(Data("{\"v\":1,\"type\":\"result\",\"check\":\"".utf8) + Data(repeating: 0x61, count: 10 << 20) + Data("\"}".utf8))
        garbage.append(Data([0x7B, 0x22, 0x76, 0x22, 0x3A, 0xFF, 0xFE, 0x7D]))
        garbage.append(Data(String(repeating: "[", count: 200_000).utf8))
        garbage.append(Data(#"{"v":1,"type":"result","check":42,"at":"2026-11-30T00:00:00Z","ok":"yes"}"#.utf8))
        garbage.append(Data([0x00, 0x00, 0x7B, 0x00, 0x7D]))
        let good = Self.day(seed: 5)
        var text = Data((good[0] + "\n").utf8)
        for g in garbage { text.append(g); text.append(0x0A) }
        FileManager.default.createFile(atPath: input, contents: text)
        let stage = try BackgroundStage("classify", ["--config", config, "--input", input, "--follow", "--output", output,
                                                     "--state", dir.appendingPathComponent("s.sqlite").path], in: dir, tag: "classify")
        #expect(eventually { Self.lineCount(output) == 1 })
        Self.append(good[1] + "\n", to: input)
        #expect(eventually { Self.lineCount(output) == 2 }, "the stage stopped after the garbage: \(stage.stderr.suffix(2000))")
        #expect(stage.process.isRunning)
        let status = stage.terminate()
        #expect(status == 65, "bad lines make the exit status 65")
        for n in 2...7 { #expect(stage.stderr.contains("results.ndjson:\(n):"), "line \(n) was not reported") }
    }

    @Test func aSecondProcessOnTheSameStateIsRefusedClearly() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("config.yaml").path
        try Data(Self.config.utf8).write(to: URL(fileURLWithPath: config))
        let input = dir.appendingPathComponent("results.ndjson").path
        let state = dir.appendingPathComponent("s.sqlite").path
        FileManager.default.createFile(atPath: input, contents: Data((Self.day(seed: 1).prefix(100).joined(separator: "\n") + "\n").utf8))
        let output = dir.appendingPathComponent("out.ndjson").path
        let first = try BackgroundStage("classify", ["--config", config, "--input", input, "--follow", "--state", state, "--output", output],
                                        in: dir, tag: "first")
        #expect(eventually { Self.lineCount(output) == 100 })
        let second = try ChildProcess.run("classify", ["--config", config, "--input", input, "--follow", "--state", state,
                                                       "--output", dir.appendingPathComponent("out2.ndjson").path], timeout: 20)
        #expect(second.status == 74)
        #expect(second.stderrText.contains("in use by another classify process"))
        #expect(first.process.isRunning)
        Self.append(Self.day(seed: 1)[100] + "\n", to: input)
        #expect(eventually { Self.lineCount(output) == 101 })
        #expect(first.terminate() == 0)
        // The state the first process left is intact and resumable.
        let check = try ChildProcess.run("classify", ["--config", config, "--input", input, "--state", state], timeout: 20)
        #expect(check.status == 0, "\(check.stderrText)")
    }
}
