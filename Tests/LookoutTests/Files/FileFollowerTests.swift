import Foundation
import Logging
@testable import LookoutCore
import Testing

/// FileFollower and RotatingFileWriter on real files in a temp folder: growth, unfinished lines, rotation by the
/// writer, truncation, and resuming from a stored position after a rotation that happened while stopped.
@Suite struct FileFollowerTests {
    static func dir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("lookout-follow-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }

    static func append(_ s: String, _ path: String) {
        let h = FileHandle(forWritingAtPath: path)!
        h.seekToEndOfFile()
        h.write(Data(s.utf8))
        try? h.close()
    }

    /// Follows `path` on a background thread, collecting lines, until `stop` is set.
    final class Collector: @unchecked Sendable {
        let lock = NSLock()
        var lines: [String] = []
        var positions: [(UInt64, Int64)] = []
        let stop = StopFlag()
        let done = DispatchSemaphore(value: 0)
        var follower: FileFollower!

        init(path: String, from position: StreamPosition? = nil) {
            follower = FileFollower(path: path, resumeFrom: position, pollInterval: 0.01, stop: stop, logger: Logger(label: "test"))
            // Opened here, as a stage opens it before committing its start: a follower left to open on its own thread
            // could start after a fast writer had rotated the first files away, which it rightly never reads.
            follower.open()
            Thread { [self] in
                try? follower.lines { event in
                    if case .line(let l) = event {
                        let text = String(decoding: l.bytes, as: UTF8.self)
                        lock.withLock { lines.append(text) }
                    }
                    return true
                }
                done.signal()
            }.start()
        }

        var snapshot: [String] { lock.withLock { lines } }

        func finish() -> StreamPosition {
            stop.set()
            if done.wait(timeout: .now() + 30) == .timedOut { Issue.record("the follower did not stop within 30 s") }
            return StreamPosition(inputInode: follower.inode, inputOffset: follower.offset, inputLine: follower.lineNumber)
        }
    }

    static func waitFor(_ n: Int, _ c: Collector) -> Bool {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline { if c.snapshot.count >= n { return true }; usleep(5_000) }
        return false
    }

    @Test func deliversCompleteLinesAsTheFileGrows() throws {
        let d = try Self.dir()
        defer { try? FileManager.default.removeItem(at: d) }
        let path = d.appendingPathComponent("in.ndjson").path
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let c = Collector(path: path)
        Self.append("one\ntw", path)
        #expect(Self.waitFor(1, c))
        usleep(50_000)
        #expect(c.snapshot == ["one"])
        Self.append("o\nthree\n", path)
        #expect(Self.waitFor(3, c))
        let end = c.finish()
        #expect(c.snapshot == ["one", "two", "three"])
        #expect(end.inputOffset == 14 && end.inputLine == 3)
    }

    @Test func followsTheWritersRotationWithoutLosingALine() throws {
        let d = try Self.dir()
        defer { try? FileManager.default.removeItem(at: d) }
        let path = d.appendingPathComponent("out.ndjson").path
        let writer = LineWriter(sink: try RotatingFileWriter(path: path, policy: .init(maxBytes: 100), logger: Logger(label: "test")))
        let c = Collector(path: path)
        for i in 0..<60 {
            try writer.write("line-\(String(format: "%03d", i))-padding")
            if i % 3 == 2 { try writer.flush(); usleep(2_000) }
        }
        #expect(Self.waitFor(60, c))
        _ = c.finish()
        #expect(c.snapshot == (0..<60).map { "line-\(String(format: "%03d", $0))-padding" })
        let rotated = try FileManager.default.contentsOfDirectory(atPath: d.path).filter { $0.hasPrefix("out.ndjson.") }
        #expect(rotated.count >= 10)
    }

    /// A writer killed mid-line is restarted: its RotatingFileWriter cuts the unfinished tail and writes other bytes
    /// in its place. The follower, which had already seen the start of the cut line, must deliver the new line
    /// whole, not the old start glued to the end of the new one.
    @Test func anUnfinishedTailCutAndRewrittenInPlaceIsReadAsTheNewLine() throws {
        let d = try Self.dir()
        defer { try? FileManager.default.removeItem(at: d) }
        let path = d.appendingPathComponent("results.ndjson").path
        _ = FileManager.default.createFile(atPath: path, contents: Data("{\"n\":1}\n{\"n\":2,\"pad".utf8))
        let c = Collector(path: path)
        #expect(Self.waitFor(1, c))
        usleep(50_000)
        let restarted = LineWriter(sink: try RotatingFileWriter(path: path, logger: Logger(label: "test")))
        try restarted.write("{\"n\":3}")
        try restarted.flush()
        #expect(Self.waitFor(2, c))
        usleep(50_000)
        let end = c.finish()
        #expect(c.snapshot == ["{\"n\":1}", "{\"n\":3}"])
        #expect(end.inputLine == 2 && end.inputOffset == 16)
    }

    @Test func restartsFromTheStartAfterATruncation() throws {
        let d = try Self.dir()
        defer { try? FileManager.default.removeItem(at: d) }
        let path = d.appendingPathComponent("in.ndjson").path
        _ = FileManager.default.createFile(atPath: path, contents: Data("aaaaaaaaaa\nbbbbbbbbbb\n".utf8))
        let c = Collector(path: path)
        #expect(Self.waitFor(2, c))
        _ = truncate(path, 0)
        usleep(100_000)
        Self.append("c\n", path)
        #expect(Self.waitFor(3, c))
        _ = c.finish()
        #expect(c.snapshot == ["aaaaaaaaaa", "bbbbbbbbbb", "c"])
    }

    @Test func resumesInTheRotatedFileThenReadsTheNewOne() throws {
        let d = try Self.dir()
        defer { try? FileManager.default.removeItem(at: d) }
        let path = d.appendingPathComponent("in.ndjson").path
        _ = FileManager.default.createFile(atPath: path, contents: Data("a\nb\n".utf8))
        let first = Collector(path: path)
        #expect(Self.waitFor(2, first))
        let stored = first.finish()
        // While stopped: more lines, then a rotation, then a new file.
        Self.append("c\n", path)
        #expect(rename(path, path + ".1") == 0)
        _ = FileManager.default.createFile(atPath: path, contents: Data("d\n".utf8))
        let second = Collector(path: path, from: stored)
        #expect(Self.waitFor(2, second))
        _ = second.finish()
        #expect(second.snapshot == ["c", "d"])
    }

    @Test func committedOutputTailIsCheckedNotWrittenTwice() throws {
        let d = try Self.dir()
        defer { try? FileManager.default.removeItem(at: d) }
        let path = d.appendingPathComponent("out.ndjson").path
        let first = try RotatingFileWriter(path: path, logger: Logger(label: "test"))
        let w1 = LineWriter(sink: first)
        try w1.write("a"); try w1.flush()
        let committed = (first.inode, first.length)
        try w1.write("b"); try w1.write("c"); try w1.flush()
        // Crash here: "b\nc\n" is written but not committed. The replay produces b, c, d.
        let second = try RotatingFileWriter(path: path, committed: committed, logger: Logger(label: "test"))
        let w2 = LineWriter(sink: second)
        try w2.write("b"); try w2.flush()
        try w2.write("c"); try w2.write("d"); try w2.flush()
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "a\nb\nc\nd\n")
        #expect(second.length == 8)
    }
}
