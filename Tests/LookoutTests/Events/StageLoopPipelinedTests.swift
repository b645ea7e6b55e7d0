import Foundation
import Logging
@testable import LookoutCore
import Testing

/// `StageLoop.runPipelined` reads and validates on a thread of its own, but what a stage sees must be exactly what
/// `run` shows it: the same lines in the same order with the same numbers, the same batch ends between them, the same
/// rejects (not JSON, too long, refused by the handler), and a result's head read ahead equal to the one read after.
@Suite struct StageLoopPipelinedTests {
    /// Results, other events, blank lines, broken JSON, a line over the limit, a result the head refuses (`ok` not a
    /// boolean) and lines the handler refuses, over several reads.
    static let input: [UInt8] = {
        var lines: [String] = []
        for k in 0..<6_000 {
            switch k % 50 {
            case 7: lines.append("")
            case 13: lines.append("{\"v\":1,\"type\":\"result\",\"check\":\"c\(k)\"")
            case 21: lines.append("{\"v\":1,\"type\":\"result\",\"check\":\"c\(k)\",\"at\":\"2026-11-24T06:00:00Z\",\"ok\":\"yes\"}")
            case 29: lines.append("{\"v\":1,\"type\":\"note\",\"text\":\"refuse me\"}")
            case 33: lines.append("{\"v\":1,\"type\":\"note\",\"text\":\"" + String(repeating: "x", count: 5_000) + "\"}")
            case 41: lines.append("   ")
            default:
                lines.append("{\"v\":1,\"type\":\"result\",\"check\":\"c\(k % 97)\",\"at\":\"2026-11-24T06:\(String(format: "%02d", k % 60)):00Z\",\"ok\":\(k % 3 != 0),\"location\":\"lon1\"}")
            }
        }
        return Array((lines.joined(separator: "\n") + "\n").utf8)
    }()

    /// What a stage saw: each line handled (number, end offset, head, text), each batch end, in order; the count of
    /// rejects and of lines read; and how many lines came with their head (read ahead when pipelined, else read here).
    /// From a file, so the reads, and the batches, end at the same places.
    static func observe(pipelined: Bool, batching: LineReader.Batching) throws -> (events: [String], rejects: Int, read: Int, heads: Int) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pipelined-\(UUID()).ndjson").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(input).write(to: URL(fileURLWithPath: path))
        let fd = open(path, O_RDONLY)
        defer { close(fd) }
        var events: [String] = []
        var heads = 0
        let logs = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        let rejects = try RejectedLines(source: "pipe", logger: logs)
        var loop = StageLoop(reader: LineReader(fd: fd, maxLineBytes: 4_096, batching: batching), writer: LineWriter(fd: -1), rejects: rejects)
        let handle = { (object: ScannedObject, line: InputLine, head: ResultHead?) throws in
            let text = String(decoding: line.bytes, as: UTF8.self)
            if text.contains("refuse me") { throw EventError("refused") }
            events.append("\(line.number)@\(line.endOffset) \(head.map { "\($0.check) \($0.at) \($0.ok)" } ?? "-") \(text.prefix(40))")
        }
        if pipelined {
            try loop.runPipelined(onBatchEnd: { events.append("batch end") }) { object, line, ahead in
                if ahead != nil { heads += 1 }
                try handle(object, line, ahead ?? (try object.isEventType(EventKeys.result) ? try ResultHead(object) : nil))
            }
        } else {
            try loop.run(onBatchEnd: { events.append("batch end") }) { object, line in
                let head = try object.isEventType(EventKeys.result) ? try ResultHead(object) : nil
                if head != nil { heads += 1 }
                try handle(object, line, head)
            }
        }
        return (events, rejects.count, loop.linesRead, heads)
    }

    /// Batches of a read each (16 KiB or so here), and a backlog's 4 MiB batch, which crosses in pieces. The
    /// backlog's quarter-second rule is left out (an hour): on a loaded machine it ended a batch in one of the two
    /// runs and not the other, a difference of timing, not of what the stage is shown.
    @Test(arguments: [(LineReader.Batching.everyRead, 10), (.init(bytes: LineReader.Batching.backlog.bytes, seconds: 3_600), 1)])
    func showsTheStageExactlyWhatRunShowsIt(batching: LineReader.Batching, leastBatches: Int) throws {
        let serial = try Self.observe(pipelined: false, batching: batching), piped = try Self.observe(pipelined: true, batching: batching)
        #expect(piped.events == serial.events)
        #expect(serial.events.filter { $0 == "batch end" }.count >= leastBatches)
        #expect(piped.rejects == serial.rejects && serial.rejects == 4 * 120, "broken JSON, a refused head, a refused line and a line too long in every 50")
        #expect(piped.read == serial.read && serial.read == 6_000)
        // The events above would match with every head read again by the handler: each valid result's must come ahead.
        #expect(piped.heads == serial.heads && serial.heads == 6_000 - 6 * 120, "every result but the refused one in each 50")
    }

    /// A source that fails after its lines, as a disk that errs part way through a file.
    final class FailingSource: LineSource {
        let inner: LineReader
        init(_ inner: LineReader) { self.inner = inner }
        var maxLineBytes: Int { inner.maxLineBytes }
        func lines(_ handle: (LineReader.Event) throws -> Bool) throws {
            try inner.read(handle)
            throw POSIXError(.EIO)
        }
    }

    /// Both loops handle the lines read before a failed read and then throw the failure (the pipelined loop had
    /// taken it for a clean end of input, so a stage ended with exit 0 on half a file).
    @Test(arguments: [false, true])
    func aFailedReadIsThrownAfterTheLinesBeforeIt(pipelined: Bool) throws {
        let (read, writeEnd) = try Self.pipe()
        defer { close(read) }
        let text = (0..<100).map { #"{"v":1,"type":"note","n":\#($0)}"# }.joined(separator: "\n") + "\n"
        _ = text.withCString { Foundation.write(writeEnd, $0, strlen($0)) }
        close(writeEnd)
        let logs = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        var loop = StageLoop(reader: FailingSource(LineReader(fd: read, maxLineBytes: 4_096)), writer: LineWriter(fd: -1),
                             rejects: try RejectedLines(source: "pipe", logger: logs))
        var handled = 0
        #expect(throws: POSIXError(.EIO)) {
            if pipelined { try loop.runPipelined { _, _, _ in handled += 1 } } else { try loop.run { _, _ in handled += 1 } }
        }
        #expect(handled == 100)
    }

    static func pipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        guard Foundation.pipe(&fds) == 0 else { throw POSIXError(.EMFILE) }
        return (fds[0], fds[1])
    }
}
