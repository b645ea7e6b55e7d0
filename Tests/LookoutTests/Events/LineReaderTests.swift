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
}
