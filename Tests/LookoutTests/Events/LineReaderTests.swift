import Foundation
@testable import LookoutCore
import Testing

@Suite struct LineReaderTests {
    /// Reads `data` through a pipe with a small read size, as a stage reads stdin.
    static func lines(_ data: [UInt8], maxLineBytes: Int = 1 << 20) -> [String] {
        var fds: [Int32] = [0, 0]
        pipe(&fds)
        let (readEnd, writeEnd) = (fds[0], fds[1])
        let writer = Thread {
            data.withUnsafeBytes { _ = write(writeEnd, $0.baseAddress!, $0.count) }
            close(writeEnd)
        }
        writer.start()
        defer { close(readEnd) }
        var out: [String] = []
        LineReader(fd: readEnd, maxLineBytes: maxLineBytes).read { event in
            switch event {
            case .line(let l): out.append("\(l.number):\(String(decoding: l.bytes, as: UTF8.self))@\(l.endOffset)")
            case .oversized(let n, let bytes): out.append("\(n):oversized \(bytes)")
            case .batchEnd: break
            }
            return true
        }
        return out
    }

    @Test func deliversLinesWithNumbersAndOffsets() {
        #expect(LineReaderTests.lines(Array("a\nbb\r\n\nccc".utf8)) == ["1:a@2", "2:bb@6", "3:@7", "4:ccc@10"])
    }

    @Test func refusesAnOversizedLineWithoutLosingItsNeighbours() {
        let long = String(repeating: "x", count: 300_000)
        #expect(LineReaderTests.lines(Array("first\n\(long)\nlast\n".utf8), maxLineBytes: 100_000)
            == ["1:first@6", "2:oversized 300000", "3:last@300012"])
    }

    @Test func readsLinesLargerThanTheInitialBuffer() {
        let long = String(repeating: "y", count: 200_000)
        #expect(LineReaderTests.lines(Array("\(long)\nz\n".utf8)) == ["1:\(long)@200001", "2:z@200003"])
    }

    /// A backlog in a file: a batch ends every `bytes` read (a commit and a flush each), not every 64 KiB read, and
    /// at the file's end; every line is delivered once, in order, whatever the batching.
    @Test(arguments: [(LineReader.Batching.everyRead, 16), (LineReader.Batching(bytes: 256 << 10, seconds: 60), 4), (.backlog, 0)])
    func aFileBacklogEndsABatchPerBoundNotPerRead(batching: LineReader.Batching, batches: Int) throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("linereader-\(UUID()).ndjson").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        // 1 MiB of 64-byte lines.
        let line = String(repeating: "x", count: 63) + "\n"
        try String(repeating: line, count: 16_384).write(toFile: path, atomically: true, encoding: .utf8)
        let fd = open(path, O_RDONLY)
        defer { close(fd) }
        var ends = 0, count = 0
        LineReader(fd: fd, batching: batching).read { event in
            switch event {
            case .line: count += 1
            case .oversized: break
            case .batchEnd: ends += 1
            }
            return true
        }
        #expect(count == 16_384)
        // The last batch also ends at the end of the file (a read that returns nothing ends it once more).
        #expect(ends == batches + 1, "\(ends) batch ends")
    }

    /// A lone line on a pipe whose writer is still there ends its batch at once: a bound on a backlog's batches must
    /// not hold back a live stream's next line until more input comes.
    @Test func aLiveStreamEndsABatchAsSoonAsNothingMoreIsWaiting() throws {
        var fds: [Int32] = [0, 0]
        pipe(&fds)
        let (readEnd, writeEnd) = (fds[0], fds[1])
        defer { close(readEnd) }
        let ended = Locked<[Int]>([])
        let done = DispatchSemaphore(value: 0)
        let reader = Thread {
            var seen = 0
            LineReader(fd: readEnd, batching: .backlog).read { event in
                if case .line = event { seen += 1 }
                if case .batchEnd = event { ended.withLock { $0.append(seen) } }
                return true
            }
            done.signal()
        }
        reader.start()
        _ = "one\ntwo\n".withCString { write(writeEnd, $0, 8) }
        let deadline = Date().addingTimeInterval(5)
        while ended.value.isEmpty, Date() < deadline { usleep(1_000) }
        #expect(ended.value == [2], "the batch ended with the two lines while the writer is still open")
        close(writeEnd)
        #expect(done.wait(timeout: .now() + 5) == .success)
    }
}
