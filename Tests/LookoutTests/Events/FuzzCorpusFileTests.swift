import Foundation
@testable import LookoutCore
import Testing

/// Runs the line decoder over the corpus kept in Fixtures/fuzz/ (NUL bytes, invalid UTF-8, deep nesting, wrong
/// types, random bytes, odd escapes) and seeded mutations of every corpus line: it never crashes, a line that
/// scans has its fields inside the line and in order, and the stage loop accounts for every line exactly once.
@Suite struct FuzzCorpusFileTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/fuzz")

    static var corpus: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".ndjson") }.sorted()
    }

    static func lines(_ name: String) -> [[UInt8]] {
        let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path) ?? Data()
        return data.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast().map { Array($0) }
    }

    @Test func corpusIsPresent() {
        #expect(Self.corpus.count >= 6)
    }

    @Test(arguments: corpus)
    func decoderSurvivesCorpusAndMutations(_ name: String) {
        var rng = SplitMix64(seed: UInt64(name.utf8.reduce(0) { $0 &* 31 &+ Int($1) }.magnitude))
        var scanned = 0
        for line in Self.lines(name) {
            for variant in [line] + (0..<200).map({ _ in FuzzCorpus.mutate(line, rng: &rng) }) {
                var fields: [JSONField] = []
                variant.withUnsafeBufferPointer { buf in
                    guard (try? JSONScanner.scanObject(buf, into: &fields)) != nil else { return }
                    scanned += 1
                    var previous = 0
                    for f in fields {
                        #expect(f.keyStart > previous && f.keyEnd <= f.valueStart && f.valueEnd <= buf.count)
                        previous = f.valueEnd
                    }
                    // Decoding a scanned object may refuse it, never crash; a decoded event re-encodes and re-scans.
                    let object = ScannedObject(bytes: buf, fields: fields)
                    _ = try? AnyEvent(object)
                    var writer = JSONObjectWriter(copying: object)
                    let copy = writer.finish()
                    var again: [JSONField] = []
                    copy.withUnsafeBufferPointer { c in #expect((try? JSONScanner.scanObject(c, into: &again)) != nil) }
                }
            }
        }
        #expect(scanned > 0, "the corpus file \(name) has no line the scanner accepts, not even its good one")
    }

    @Test(arguments: corpus)
    func stageLoopAccountsForEveryCorpusLine(_ name: String) throws {
        let path = Self.directory.appendingPathComponent(name).path
        let fd = open(path, O_RDONLY)
        #expect(fd >= 0)
        defer { close(fd) }
        let sink = try TempFile()
        let out = open(sink.path, O_WRONLY)
        defer { close(out) }
        let writer = LineWriter(fd: out)
        let rejects = try RejectedLines(source: name, logger: .init(label: "fuzz"))
        var loop = StageLoop(reader: LineReader(fd: fd), writer: writer, rejects: rejects)
        var handled = 0
        try loop.run { object, _ in
            _ = try AnyEvent(object)
            handled += 1
            try writer.write(UnsafeBufferPointer(rebasing: object.bytes[...]))
        }
        let lines = Self.lines(name)
        #expect(loop.linesRead == lines.count)
        let blank = lines.filter { $0.allSatisfy { $0 == 0x20 || $0 == 0x09 } }.count
        #expect(handled + rejects.count + blank == lines.count)
        // Every corpus file ends with one good result, which must come through.
        #expect(handled >= 1)
    }
}

/// TempFile is an empty file in the temporary folder, removed when the value goes away.
final class TempFile {
    let path: String
    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("lookout-\(UUID().uuidString)").path
        guard FileManager.default.createFile(atPath: path, contents: nil) else { throw CocoaError(.fileWriteUnknown) }
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}
