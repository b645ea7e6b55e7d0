import Foundation
import Testing

/// Fault tests of the file-based chain (`--input FILE --follow --state --output FILE`): a stage killed at random
/// moments, a disk that fills up, a writer killed mid-line and garbage input must neither lose nor repeat a line.
@Suite(.serialized) struct FileChainFaultTests {
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
        let folder = try FileChain.Folder()
        defer { folder.remove() }
        let whole = folder.path("whole.ndjson"), state = folder.path("classify.sqlite")
        _ = FileManager.default.createFile(atPath: folder.input, contents: nil)
        let args = ["--config", folder.config, "--input", folder.input, "--follow", "--state", state, "--output", folder.output]

        var rng = SeededGenerator(seed: seed)
        let text = FileChain.day(seed: seed).joined(separator: "\n") + "\n"
        try Data(text.utf8).write(to: URL(fileURLWithPath: whole))
        let bytes = Array(text.utf8)
        var stage = try BackgroundStage("classify", args, in: folder.dir, tag: "classify")
        var written = 0, kills = 0, rotations = 0
        // A stage that has never committed does not know which file it was to read: a first start reads the
        // current one (docs/operations.md). So the first instance gets to commit before the faults begin.
        let first = bytes.firstIndex(of: 0x0A)! + 1
        FileChain.append(String(decoding: bytes[..<first], as: UTF8.self), to: folder.input)
        written = first
        #expect(eventually { FileChain.lineCount(folder.output) == 1 })
        while written < bytes.count {
            // Chunks end anywhere, mid-line included: the follower must wait for the rest of a line.
            var n = min(bytes.count - written, Int.random(in: 1...12_000, using: &rng))
            // A rotating writer rotates between lines: with rotation, half the chunks end with one.
            if rotateInput, Bool.random(using: &rng), let nl = bytes[(written + n - 1)...].firstIndex(of: 0x0A) {
                n = nl + 1 - written
            }
            FileChain.append(String(decoding: bytes[written..<(written + n)], as: UTF8.self), to: folder.input)
            written += n
            usleep(UInt32.random(in: 1_000...15_000, using: &rng))
            if Int.random(in: 0..<8, using: &rng) == 0 {
                stage.kill9()
                kills += 1
                if rotateInput, bytes[written - 1] == 0x0A, Bool.random(using: &rng) {
                    rotations += 1
                    #expect(rename(folder.input, "\(folder.input).\(rotations)") == 0)
                    _ = FileManager.default.createFile(atPath: folder.input, contents: nil)
                }
                stage = try BackgroundStage("classify", args, in: folder.dir, tag: "classify")
            } else if rotateInput, bytes[written - 1] == 0x0A, Int.random(in: 0..<10, using: &rng) == 0 {
                rotations += 1
                #expect(rename(folder.input, "\(folder.input).\(rotations)") == 0)
                _ = FileManager.default.createFile(atPath: folder.input, contents: nil)
            }
        }
        let expected = try FileChain.uninterrupted(config: folder.config, input: whole)
        let expectedLines = expected.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        let caughtUp = eventually(timeout: 60) { FileChain.lineCount(folder.output) >= expectedLines }
        let status = stage.terminate()
        #expect(caughtUp, "output has \(FileChain.lineCount(folder.output)) of \(expectedLines) lines")
        #expect(status == 0, "\(stage.stderr)")
        #expect(kills >= 3, "the run should have killed the stage a few times, killed \(kills)")
        if rotateInput { #expect(rotations >= 2, "the run should have rotated the input a few times, rotated \(rotations)") }
        let got = FileManager.default.contents(atPath: folder.output) ?? Data()
        #expect(FileChain.firstDifference(got, expected) == nil, "killed \(kills) times, rotated \(rotations); \(stage.stderr.suffix(3000))")
        #expect(!stage.stderr.contains("not valid JSON"), "an unfinished line was processed as a bad event")
    }

    @Test func unfinishedLastLineWaitsAndIsNotRejected() throws {
        let folder = try FileChain.Folder()
        defer { folder.remove() }
        let lines = FileChain.day(seed: 7).prefix(3)
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: folder.input))
        let args = ["--config", folder.config, "--input", folder.input, "--follow", "--state", folder.path("s.sqlite"),
                    "--output", folder.output, "--rejects", folder.path("rejects.ndjson")]
        var stage = try BackgroundStage("classify", args, in: folder.dir, tag: "classify")
        #expect(eventually { FileChain.lineCount(folder.output) == 3 })
        // A writer killed mid-line: half a line, and a restart of the follower while it is unfinished.
        let last = FileChain.day(seed: 7)[3]
        let cut = last.index(last.startIndex, offsetBy: last.count / 2)
        FileChain.append(String(last[..<cut]), to: folder.input)
        usleep(400_000)
        #expect(FileChain.lineCount(folder.output) == 3)
        stage.kill9()
        stage = try BackgroundStage("classify", args, in: folder.dir, tag: "classify")
        usleep(400_000)
        FileChain.append(String(last[cut...]) + "\n", to: folder.input)
        #expect(eventually { FileChain.lineCount(folder.output) == 4 })
        let status = stage.terminate()
        #expect(status == 0, "\(stage.stderr)")
        let rejects = (try? String(contentsOfFile: folder.path("rejects.ndjson"), encoding: .utf8)) ?? ""
        #expect(rejects.isEmpty, "the unfinished line was rejected: \(rejects)")
        let out = try String(contentsOfFile: folder.output, encoding: .utf8)
        #expect(out.split(separator: "\n").last?.contains("\"check\":\"\(FileChain.checks[3])\"") == true)
    }

    @Test func writerKilledMidLineLeavesAnUnfinishedOutputTailThatIsCutAndRewritten() throws {
        let folder = try FileChain.Folder()
        defer { folder.remove() }
        try Data((FileChain.day(seed: 3).prefix(50).joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: folder.input))
        let expected = try FileChain.uninterrupted(config: folder.config, input: folder.input)
        // The output as a killed writer leaves it: 20 lines and half of the 21st.
        let expectedLines = expected.split(separator: 0x0A, omittingEmptySubsequences: false)
        var partial = Data(expectedLines.prefix(20).joined(separator: [0x0A]))
        partial.append(0x0A)
        partial.append(expectedLines[20].prefix(30))
        try partial.write(to: URL(fileURLWithPath: folder.output))
        // No committed position: the tail is cut; the stage re-reads the input from its start, so the expected
        // output is the 20 finished lines followed by the whole run.
        let args = ["--config", folder.config, "--input", folder.input, "--output", folder.output]
        let run = try ChildProcess.run("classify", args, timeout: 30)
        #expect(run.status == 0, "\(run.stderrText)")
        #expect(run.stderrText.contains("unfinished line"))
        var want = Data(expectedLines.prefix(20).joined(separator: [0x0A]))
        want.append(0x0A)
        want.append(expected)
        #expect(FileManager.default.contents(atPath: folder.output) == want)
    }

    /// Mounts a small tmpfs when the test runs with the right to (root in a container or CI); whether it did.
    static func mountTmpfs(at dir: URL, bytes: Int) -> Bool {
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return (try? ChildProcess.run(path: "/bin/mount", ["-t", "tmpfs", "-o", "size=\(bytes)", "tmpfs", dir.path]).status) == 0
    }

    /// Remounts the tmpfs at `dir` read-only or writable again; whether it worked.
    static func remount(_ dir: URL, readOnly: Bool) -> Bool {
        (try? ChildProcess.run(path: "/bin/mount", ["-o", readOnly ? "remount,ro" : "remount,rw", dir.path]).status) == 0
    }

    static func unmount(_ dir: URL) { _ = try? ChildProcess.run(path: "/bin/umount", [dir.path]) }

    /// Once the output folder can be written again: the stage catches up, stops cleanly, and its output is what an
    /// uninterrupted run writes.
    static func catchesUpWithoutLosingALine(_ stage: BackgroundStage, _ folder: FileChain.Folder) throws {
        let expected = try FileChain.uninterrupted(config: folder.config, input: folder.input)
        let expectedLines = expected.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        #expect(eventually(timeout: 30) { FileChain.lineCount(folder.output) >= expectedLines })
        #expect(stage.terminate() == 0, "\(stage.stderr)")
        #expect(FileChain.firstDifference(FileManager.default.contents(atPath: folder.output) ?? Data(), expected) == nil)
    }

    @Test func fullDiskHoldsOutputAndResumesWithoutLosingALine() throws {
        let folder = try FileChain.Folder(output: "disk/classified.ndjson")
        defer { folder.remove() }
        let disk = folder.dir.appendingPathComponent("disk")
        guard Self.mountTmpfs(at: disk, bytes: 2 << 20) else {
            // Without the right to mount, the full-disk path cannot be made real here: the run says so (cancelled,
            // not passed), and the other tests still run.
            try Test.cancel("cannot mount a tmpfs to fill (needs root)")
        }
        defer { Self.unmount(disk) }
        let (config, input, output) = (folder.config, folder.input, folder.output)
        let lines = FileChain.day(seed: 11).prefix(1500)
        // Fill the disk completely.
        let filler = disk.appendingPathComponent("filler").path
        let fillFD = open(filler, O_WRONLY | O_CREAT, 0o644)
        let block = [UInt8](repeating: 0x61, count: 4096)
        while block.withUnsafeBytes({ Foundation.write(fillFD, $0.baseAddress!, $0.count) }) > 0 {}
        close(fillFD)
        _ = FileManager.default.createFile(atPath: input, contents: Data((lines.joined(separator: "\n") + "\n").utf8))
        let stage = try BackgroundStage("classify", ["--config", config, "--input", input, "--follow", "--output", output,
                                                     "--state", folder.path("s.sqlite")], in: folder.dir, tag: "classify")
        let said = eventually(timeout: 20) { stage.stderr.contains("No space left on device") }
        #expect(said, "the stage did not say the disk is full: \(stage.stderr)")
        #expect(stage.process.isRunning, "the stage must wait for space, not exit")
        try FileManager.default.removeItem(atPath: filler)
        try Self.catchesUpWithoutLosingALine(stage, folder)
        #expect(stage.stderr.contains("writing again"))
    }

    /// A stage (re)started while its output folder is read-only waits, says why, and writes everything once the
    /// folder is writable again, as it does when the disk fills up mid-run.
    @Test func readOnlyOutputFolderAtStartIsWaitedOutWithoutLosingALine() throws {
        let folder = try FileChain.Folder(output: "disk/classified.ndjson")
        defer { folder.remove() }
        let disk = folder.dir.appendingPathComponent("disk")
        guard Self.mountTmpfs(at: disk, bytes: 4 << 20) else { try Test.cancel("cannot mount a tmpfs (needs root)") }
        defer { Self.unmount(disk) }
        try #require(Self.remount(disk, readOnly: true))
        let (config, input, output) = (folder.config, folder.input, folder.output)
        _ = FileManager.default.createFile(atPath: input, contents: Data((FileChain.day(seed: 12).prefix(300).joined(separator: "\n") + "\n").utf8))
        let stage = try BackgroundStage("classify", ["--config", config, "--input", input, "--follow", "--output", output,
                                                     "--state", folder.path("s.sqlite")], in: folder.dir, tag: "classify")
        #expect(eventually(timeout: 20) { stage.stderr.contains("Read-only file system") }, "the stage did not say why: \(stage.stderr)")
        #expect(stage.process.isRunning, "the stage must wait for the folder, not exit")
        #expect(Self.remount(disk, readOnly: false))
        try Self.catchesUpWithoutLosingALine(stage, folder)
    }

    @Test func garbageLinesAreReportedAndTheFollowerKeepsGoing() throws {
        let folder = try FileChain.Folder()
        defer { folder.remove() }
        var rng = SeededGenerator(seed: 99)
        var garbage: [Data] = []
        garbage.append(Data((0..<4000).map { _ in UInt8.random(in: 0...255, using: &rng) }.filter { $0 != 0x0A }))
        garbage.append(Data("{\"v\":1,\"type\":\"result\",\"check\":\"".utf8) + Data(repeating: 0x61, count: 10 << 20) + Data("\"}".utf8))
        garbage.append(Data([0x7B, 0x22, 0x76, 0x22, 0x3A, 0xFF, 0xFE, 0x7D]))
        garbage.append(Data(String(repeating: "[", count: 200_000).utf8))
        garbage.append(Data(#"{"v":1,"type":"result","check":42,"at":"2026-11-30T00:00:00Z","ok":"yes"}"#.utf8))
        garbage.append(Data([0x00, 0x00, 0x7B, 0x00, 0x7D]))
        let good = FileChain.day(seed: 5)
        var text = Data((good[0] + "\n").utf8)
        for g in garbage { text.append(g); text.append(0x0A) }
        _ = FileManager.default.createFile(atPath: folder.input, contents: text)
        let stage = try BackgroundStage("classify", ["--config", folder.config, "--input", folder.input, "--follow", "--output", folder.output,
                                                     "--state", folder.path("s.sqlite")], in: folder.dir, tag: "classify")
        #expect(eventually { FileChain.lineCount(folder.output) == 1 })
        FileChain.append(good[1] + "\n", to: folder.input)
        #expect(eventually { FileChain.lineCount(folder.output) == 2 }, "the stage stopped after the garbage: \(stage.stderr.suffix(2000))")
        #expect(stage.process.isRunning)
        let status = stage.terminate()
        #expect(status == 65, "bad lines make the exit status 65")
        for n in 2...7 { #expect(stage.stderr.contains("results.ndjson:\(n):"), "line \(n) was not reported") }
    }

    @Test func aSecondProcessOnTheSameStateIsRefusedClearly() throws {
        let folder = try FileChain.Folder(output: "out.ndjson")
        defer { folder.remove() }
        let (config, input, output, state) = (folder.config, folder.input, folder.output, folder.path("s.sqlite"))
        _ = FileManager.default.createFile(atPath: input, contents: Data((FileChain.day(seed: 1).prefix(100).joined(separator: "\n") + "\n").utf8))
        let first = try BackgroundStage("classify", ["--config", config, "--input", input, "--follow", "--state", state, "--output", output],
                                        in: folder.dir, tag: "first")
        #expect(eventually { FileChain.lineCount(output) == 100 })
        let second = try ChildProcess.run("classify", ["--config", config, "--input", input, "--follow", "--state", state,
                                                       "--output", folder.path("out2.ndjson")], timeout: 20)
        #expect(second.status == 74)
        #expect(second.stderrText.contains("in use by another classify process"))
        #expect(first.process.isRunning)
        FileChain.append(FileChain.day(seed: 1)[100] + "\n", to: input)
        #expect(eventually { FileChain.lineCount(output) == 101 })
        #expect(first.terminate() == 0)
        // The state the first process left is intact and resumable.
        let check = try ChildProcess.run("classify", ["--config", config, "--input", input, "--state", state], timeout: 20)
        #expect(check.status == 0, "\(check.stderrText)")
    }
}
