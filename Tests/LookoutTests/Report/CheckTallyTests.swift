@testable import LookoutCore
@testable import LookoutReport
import Testing

/// Table tests for time attribution: each row is a sequence of results (minute, state, in a window, ok) for one
/// check with a 5-minute interval (so a 10-minute cap) over the range [0, 100) minutes.
@Suite struct CheckTallyTests {
    struct Row: Sendable, CustomStringConvertible {
        var name: String
        var results: [(Int64, SampleState, Bool, Bool)]
        var observed: Int64, down: Int64, maintenance: Int64, downInMaintenance: Int64
        var blips = 0, flapping: Int64 = 0, outOfOrder = 0, unconfirmed = 0, degraded: Int64 = 0
        var description: String { name }
    }

    static let m: Int64 = 60_000

    static let rows: [Row] = [
        Row(name: "steady up, capped after the last result", results: [(0, .up, false, true), (5, .up, false, true), (10, .up, false, true)],
            observed: 20, down: 0, maintenance: 0, downInMaintenance: 0),
        Row(name: "failing confirmed: failing time becomes down", results: [(0, .up, false, true), (5, .failing, false, false), (10, .failing, false, false), (15, .down, false, false), (20, .recovering, false, true), (25, .up, false, true)],
            observed: 35, down: 15, maintenance: 0, downInMaintenance: 0),
        Row(name: "a blip stays up time", results: [(0, .up, false, true), (5, .failing, false, false), (10, .up, false, true)],
            observed: 20, down: 0, maintenance: 0, downInMaintenance: 0, blips: 1),
        Row(name: "a gap longer than the cap is not observed", results: [(0, .up, false, true), (30, .up, false, true)],
            observed: 20, down: 0, maintenance: 0, downInMaintenance: 0),
        Row(name: "down inside a window is kept apart", results: [(0, .down, true, false), (5, .down, true, false), (10, .up, false, true)],
            observed: 20, down: 0, maintenance: 10, downInMaintenance: 10),
        Row(name: "failing in a window confirmed after it", results: [(0, .failing, true, false), (5, .down, false, false), (10, .up, false, true)],
            observed: 20, down: 5, maintenance: 5, downInMaintenance: 5),
        Row(name: "a blip in a window is a maintenance blip", results: [(0, .failing, true, false), (5, .up, true, true)],
            observed: 15, down: 0, maintenance: 15, downInMaintenance: 0),
        Row(name: "flapping counts failed results as down", results: [(0, .flappingDown, false, false), (5, .flappingUp, false, true), (10, .flappingDown, false, false), (15, .up, false, true)],
            observed: 25, down: 10, maintenance: 0, downInMaintenance: 0, flapping: 15),
        Row(name: "an out-of-order result does not move the timeline", results: [(0, .up, false, true), (10, .down, false, false), (5, .up, false, true), (15, .up, false, true)],
            observed: 25, down: 5, maintenance: 0, downInMaintenance: 0, outOfOrder: 1),
        Row(name: "a result before the range carries into it", results: [(-5, .down, false, false), (5, .up, false, true)],
            observed: 15, down: 5, maintenance: 0, downInMaintenance: 0),
        Row(name: "the last span is clipped at the range end", results: [(95, .down, false, false)],
            observed: 5, down: 5, maintenance: 0, downInMaintenance: 0),
        Row(name: "failing still open at the end is neither blip nor outage", results: [(0, .up, false, true), (5, .failing, false, false)],
            observed: 15, down: 0, maintenance: 0, downInMaintenance: 0, unconfirmed: 1),
        Row(name: "degraded time is up time, counted apart", results: [(0, .degraded, false, true), (5, .up, false, true)],
            observed: 15, down: 0, maintenance: 0, downInMaintenance: 0, degraded: 5),
        Row(name: "unclassified results count no time", results: [(0, .unclassified, false, false), (5, .unclassified, false, true)],
            observed: 0, down: 0, maintenance: 0, downInMaintenance: 0),
    ]

    @Test(arguments: rows)
    func attributesTime(_ row: Row) {
        let range = ReportRange(from: Timestamp(milliseconds: 0), to: Timestamp(milliseconds: 100 * CheckTallyTests.m),
                                label: "test", isSingleDay: true)
        var t = CheckTally(id: "c", siteID: "s", kind: "http", capMs: 10 * CheckTallyTests.m, range: range)
        for (minute, state, maint, ok) in row.results {
            t.ingest(at: minute * CheckTallyTests.m, state: state, inMaintenance: maint, ok: ok, degradedFlag: false,
                     latencyMs: ok ? 100 : nil, kind: .other)
        }
        t.finish()
        let m = CheckTallyTests.m
        #expect(t.observed.total == row.observed * m)
        #expect(t.down.total == row.down * m)
        #expect(t.maintenance.total == row.maintenance * m)
        #expect(t.downInMaintenance.total == row.downInMaintenance * m)
        #expect(t.degraded.total == row.degraded * m)
        #expect(t.blips == row.blips)
        #expect(t.flapping.total == row.flapping * m)
        #expect(t.outOfOrder == row.outOfOrder)
        #expect(t.unconfirmedAtEnd == row.unconfirmed)
    }

    @Test func maintenanceBlipIsCountedApart() {
        let range = ReportRange(from: Timestamp(milliseconds: 0), to: Timestamp(milliseconds: 100 * CheckTallyTests.m),
                                label: "test", isSingleDay: true)
        var t = CheckTally(id: "c", siteID: "s", kind: "http", capMs: 10 * CheckTallyTests.m, range: range)
        t.ingest(at: 0, state: .failing, inMaintenance: true, ok: false, degradedFlag: false, latencyMs: nil, kind: .other)
        t.ingest(at: 5 * CheckTallyTests.m, state: .up, inMaintenance: true, ok: true, degradedFlag: false, latencyMs: 1, kind: .other)
        t.finish()
        #expect(t.blips == 0)
        #expect(t.maintenanceBlips == 1)
        #expect(t.failuresInMaintenance == 1)
    }
}
