import Foundation
import Logging
@testable import LookoutCore
@testable import LookoutRoute
import Testing

/// The delivery journal on real SQLite and output files: a crash at each point between recording an outcome and
/// committing its line as written leaves the file with that line exactly once after a restart.
@Suite struct DeliveryJournalTests {
    /// A state file and an output file in a temp folder, and "processes" started on them.
    final class Files {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("journal-\(UUID())")
        var state: String { dir.appendingPathComponent("route.sqlite").path }
        var output: String { dir.appendingPathComponent("deliveries.ndjson").path }
        init() throws { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) }
        deinit { try? FileManager.default.removeItem(at: dir) }

        var text: String { (try? String(contentsOfFile: output, encoding: .utf8)) ?? "" }

        /// What a (re)started `route --follow` builds: the outbox, the output resumed from the committed mark, the journal.
        func start(policy: RotatingFileWriter.Policy = .init()) throws -> (Outbox, DeliveryJournal) {
            let outbox = try Outbox(path: state, router: IncidentRouter(config: RoutingConfig(), tiers: []), journaling: true)
            let mark = try outbox.loadJournalMark()
            let resume = mark.flatMap { m in m.outputInode.map { ($0, m.outputLength ?? 0) } }
            let file = try RotatingFileWriter(path: output, policy: policy, committed: resume, logger: Logger(label: "test"))
            let journal = try DeliveryJournal(outbox: outbox, writer: LineWriter(sink: file), file: file, logger: Logger(label: "test"), chunk: 2)
            return (outbox, journal)
        }
    }

    static func line(_ n: Int) -> [UInt8] { Array(#"{"v":1,"type":"delivery","n":\#(n)}"#.utf8) }
    static func lines(_ range: ClosedRange<Int>) -> String { range.map { String(decoding: line($0), as: UTF8.self) + "\n" }.joined() }

    /// Records outcomes as the dispatcher does: the lines are committed with the outcome.
    static func record(_ range: ClosedRange<Int>, in outbox: Outbox) throws {
        try outbox.record([DeliveryOutcome([], .sent(ref: nil), journal: range.map(line))])
    }

    /// A run that wrote lines `written` and recorded `pending` when it was killed; `tail` is what it had written of
    /// them to the file (without committing).
    static func killedRun(_ files: Files, written: ClosedRange<Int>, pending: ClosedRange<Int>, tail: [UInt8]) throws {
        do {
            let (outbox, journal) = try files.start()
            try record(written, in: outbox)
            try journal.drain()
            try record(pending, in: outbox)
        }
        let handle = try #require(FileHandle(forWritingAtPath: files.output))
        handle.seekToEndOfFile()
        handle.write(Data(tail))
        try handle.close()
    }

    /// The output and its rotated files, oldest first.
    static func outputFiles(_ files: Files) throws -> [String] {
        let names = try FileManager.default.contentsOfDirectory(atPath: files.dir.path).filter { $0.hasPrefix("deliveries.ndjson") }
        let rotated = names.filter { $0 != "deliveries.ndjson" }.sorted { ($0.count, $0) < ($1.count, $1) }
        return (rotated + ["deliveries.ndjson"]).map { files.dir.appendingPathComponent($0).path }
    }

    /// A restart whose first batch checks the uncommitted tail and would pass the size bound: the tail stays in the
    /// file the commit names (rotating there froze half a line into the renamed file, and a second kill before the
    /// commit had the restart write those lines again into the new one: RouteFollowFaultTests seeds 25 and 26).
    @Test(arguments: [10, 37, 80])
    func aReplayedTailIsNotRotatedAway(tailBytes: Int) throws {
        let files = try Files()
        let pending = Array(Self.lines(4...6).utf8)
        try Self.killedRun(files, written: 1...3, pending: 4...6, tail: Array(pending.prefix(tailBytes)))
        let committed = Int64(Self.lines(1...3).utf8.count)
        let (outbox, journal) = try files.start(policy: .init(maxBytes: committed + 5))
        try Self.record(7...9, in: outbox)
        try journal.drain()
        var all = ""
        for path in try Self.outputFiles(files) {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            #expect(text.isEmpty || text.hasSuffix("\n"), "\((path as NSString).lastPathComponent) ends mid-line: \(text.suffix(30))")
            all += text
        }
        #expect(all == Self.lines(1...9), "tail of \(tailBytes) bytes")
        #expect(try Self.outputFiles(files).count > 1, "the batches after the replayed one still rotate")
    }

    @Test func linesAreWrittenInOrderAndForgottenOnceWritten() throws {
        let files = try Files()
        let (outbox, journal) = try files.start()
        try Self.record(1...3, in: outbox)
        try Self.record(4...5, in: outbox)
        #expect(try journal.drain() == 5)
        #expect(files.text == Self.lines(1...5))
        #expect(try outbox.journalBacklog() == 0)
        #expect(try outbox.loadJournalMark()?.outputLength == Int64(Self.lines(1...5).utf8.count))
        #expect(try journal.drain() == 0)
        #expect(journal.linesWritten == 5)
    }

    /// The bytes a killed writer left past the committed length: none, part of a line, whole lines, all of them.
    @Test(arguments: [0, 10, 37, 80, 120])
    func aCrashBetweenWritingAndCommittingNeitherLosesNorRepeatsALine(tailBytes: Int) throws {
        let files = try Files()
        // Killed after writing (some of) lines 4-6, before committing them.
        let pending = Array(Self.lines(4...6).utf8)
        let tail = Array(pending.prefix(min(tailBytes, pending.count)))
        try Self.killedRun(files, written: 1...3, pending: 4...6, tail: tail)
        let (outbox, journal) = try files.start()
        try Self.record(7...7, in: outbox)
        try journal.drain()
        #expect(files.text == Self.lines(1...7), "tail of \(tail.count) bytes")
        #expect(try outbox.journalBacklog() == 0)
    }

    @Test func aCrashBeforeTheFirstMarkStartsFromTheFileAsItStands() throws {
        let files = try Files()
        // Lines from an earlier kind of run, and a half line a killed writer left.
        try (Self.lines(100...101) + #"{"v":1,"ty"#).write(toFile: files.output, atomically: true, encoding: .utf8)
        let (outbox, journal) = try files.start()
        try Self.record(1...2, in: outbox)
        try journal.drain()
        #expect(files.text == Self.lines(100...101) + Self.lines(1...2))
    }

    @Test func aTailThatDiffersFromTheJournalIsCutNotKept() throws {
        let files = try Files()
        try Self.killedRun(files, written: 1...2, pending: 3...3, tail: Array(#"{"something":"else"}"#.utf8) + [0x0A])
        let (_, journal) = try files.start()
        try journal.drain()
        #expect(files.text == Self.lines(1...3))
    }
}
