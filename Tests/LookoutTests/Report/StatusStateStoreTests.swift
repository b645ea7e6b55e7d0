import Foundation
import Logging
@testable import LookoutCore
@testable import LookoutReport
import Testing

/// The accumulator's saved form through a real SQLite file (`report --status-site --follow --state`): restored, it
/// builds the same pages and the same report as the accumulator it was taken from; saved for other checks, it is
/// refused; positions are saved with it and a missing one forgets the old row.
@Suite struct StatusStateStoreTests {
    static func accumulate(_ range: ReportRange, config: Config) -> (ReportAccumulator, rejected: Int) {
        let accumulator = ReportAccumulator(config: config, range: range)
        var logger = Logger(label: "status-state-test")
        logger.logLevel = .critical  // the fixture's two bad lines are expected
        let (_, rejected) = ReportStage.accumulate([ReportFixture.path("day.in.ndjson")], into: accumulator, rejectsPath: nil,
                                                   logger: logger)
        return (accumulator, rejected)
    }

    static func roundTrip(_ accumulator: ReportAccumulator, positions: [StreamPosition?] = [nil]) throws -> StatusStateStore.Saved {
        let folder = try StatusSiteTests.tempFolder("status-state")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try StatusStateStore(path: folder + "/state.db")
        try store.save(StatusStateStore.Saved(accumulator: accumulator.saved, inputs: ["/logs/classified.ndjson"],
                                              positions: positions, rejected: [2]))
        store.close()
        return try #require(try StatusStateStore(path: folder + "/state.db").load())
    }

    @Test func restoredFiguresBuildTheSamePages() throws {
        let config = try ReportFixture.config()
        let (original, rejected) = StatusStateStoreTests.accumulate(StatusBuilder.readingRange, config: config)
        let position = StreamPosition(inputInode: 42, inputOffset: 1234, inputLine: 17)
        let saved = try StatusStateStoreTests.roundTrip(original, positions: [position])
        #expect(saved.positions == [position])
        #expect(saved.rejected == [2])
        #expect(saved.inputs == ["/logs/classified.ndjson"])
        let restored = try ReportAccumulator(config: config, range: StatusBuilder.readingRange, saved: saved.accumulator)
        let expected = StatusSiteTests.files(StatusBuilder(accumulator: original.copy(), linesRejected: rejected).build())
        let actual = StatusSiteTests.files(StatusBuilder(accumulator: restored.copy(), linesRejected: rejected).build())
        #expect(actual.keys.sorted() == expected.keys.sorted())
        for (path, text) in expected { #expect(actual[path] == text, "\(path)") }
    }

    /// A day's report uses what the pages do not (latency percentiles, the sparkline, late notifications, the month's
    /// budget spans): restored, every figure is the same.
    @Test func restoredFiguresBuildTheSameReport() throws {
        let config = try ReportFixture.config()
        let range = try ReportRange.day("2026-11-25", clock: LocalClock(config.timeZone))
        let (original, rejected) = StatusStateStoreTests.accumulate(range, config: config)
        let restored = try ReportAccumulator(config: config, range: range,
                                             saved: try StatusStateStoreTests.roundTrip(original).accumulator)
        func json(_ a: ReportAccumulator) -> String {
            a.finish()
            return JSONReportRenderer().render(ReportBuilder(accumulator: a, linesRead: 0, linesRejected: rejected).build())
        }
        #expect(json(restored) == json(original))
    }

    @Test func figuresOfOtherChecksAreRefused() throws {
        let config = try ReportFixture.config()
        let (original, _) = StatusStateStoreTests.accumulate(StatusBuilder.readingRange, config: config)
        var fewer = config
        fewer.sites.removeLast()
        #expect(throws: ReportAccumulator.SavedMismatch.self) {
            _ = try ReportAccumulator(config: fewer, range: StatusBuilder.readingRange, saved: original.saved)
        }
    }

    @Test func aMissingPositionForgetsTheOldOne() throws {
        let folder = try StatusSiteTests.tempFolder("status-state-position")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let config = try ReportFixture.config()
        let store = try StatusStateStore(path: folder + "/state.db")
        let empty = ReportAccumulator(config: config, range: StatusBuilder.readingRange).saved
        try store.save(StatusStateStore.Saved(accumulator: empty, inputs: ["/a"], positions: [StreamPosition(inputInode: 1, inputOffset: 9, inputLine: 1)], rejected: [0]))
        try store.save(StatusStateStore.Saved(accumulator: empty, inputs: ["/a"], positions: [nil], rejected: [0]))
        #expect(try store.load()?.positions == [nil])
        try store.clear()
        #expect(try store.load() == nil)
    }

    /// Saves after the first one write only what changed (`takeUnsaved()`): the tallies that took results, incidents
    /// merged since, and new incidents and deliveries. Saved in three parts (whole, then two changes), cut where
    /// incidents opened in one part resolve in the next, the state loads to the same figures as the whole day's.
    @Test func savesOfWhatChangedAddUpToTheWhole() throws {
        let config = try ReportFixture.config()
        let lines = try String(contentsOfFile: ReportFixture.path("day.in.ndjson"), encoding: .utf8).split(separator: "\n").map(String.init)
        let folder = try StatusSiteTests.tempFolder("status-state-changes")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let accumulator = ReportAccumulator(config: config, range: StatusBuilder.readingRange)
        accumulator.unsaved = ReportAccumulator.Unsaved()
        var logger = Logger(label: "status-state-test")
        logger.logLevel = .critical
        let store = try StatusStateStore(path: folder + "/state.db")
        let cuts = [0, lines.count / 3, 2 * lines.count / 3, lines.count]
        var rejected = 0
        for part in 0..<3 {
            let path = folder + "/part\(part).ndjson"
            try (lines[cuts[part]..<cuts[part + 1]].joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
            rejected += ReportStage.accumulate([path], into: accumulator, rejectsPath: nil, logger: logger).rejected
            let changes = accumulator.takeUnsaved()
            if part > 0 {
                #expect(changes!.tallies.count <= accumulator.tallies.count && changes!.incidentsSaved > 0)
            }
            try store.save(StatusStateStore.Saved(accumulator: accumulator.saved, inputs: ["/logs/classified.ndjson"],
                                                  positions: [nil], rejected: [rejected]),
                           changes: part == 0 ? nil : changes)
        }
        store.close()
        let loaded = try #require(try StatusStateStore(path: folder + "/state.db").load())
        let restored = try ReportAccumulator(config: config, range: StatusBuilder.readingRange, saved: loaded.accumulator)
        #expect(restored.incidentOrder == accumulator.incidentOrder)
        #expect(restored.deliveries.count == accumulator.deliveries.count)
        let expected = StatusSiteTests.files(StatusBuilder(accumulator: accumulator.copy(), linesRejected: rejected).build())
        let actual = StatusSiteTests.files(StatusBuilder(accumulator: restored.copy(), linesRejected: rejected).build())
        #expect(actual.keys.sorted() == expected.keys.sorted())
        for (path, text) in expected { #expect(actual[path] == text, "\(path)") }
    }
}
