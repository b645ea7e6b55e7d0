import Foundation
@testable import LookoutCore
@testable import LookoutReport
import Testing

@Suite struct IntervalSetTests {
    @Test(arguments: [
        ([(0, 10), (10, 20)], [(Int64(0), Int64(20))]),
        ([(0, 10), (20, 30), (5, 25)], [(0, 30)]),
        ([(20, 30), (0, 10)], [(0, 10), (20, 30)]),
        ([(0, 10), (40, 50), (20, 30)], [(0, 10), (20, 30), (40, 50)]),
        ([(5, 5), (3, 1)], []),
    ] as [([(Int64, Int64)], [(Int64, Int64)])])
    func addsAndMerges(input: [(Int64, Int64)], expected: [(Int64, Int64)]) {
        let s = IntervalSet(input)
        #expect(s.intervals.map { [$0.start, $0.end] } == expected.map { [$0.0, $0.1] })
    }

    @Test func subtractsAndIntersects() {
        let a = IntervalSet([(0, 100)]), b = IntervalSet([(10, 20), (50, 60), (90, 120)])
        #expect(a.subtracting(b).intervals.map { [$0.start, $0.end] } == [[0, 10], [20, 50], [60, 90]])
        #expect(a.intersecting(b).total == 30)
        #expect(IntervalSet.union([a, b]).intervals.map { [$0.start, $0.end] } == [[0, 120]])
        #expect(b.clipped(15, 55).total == 10)
    }
}

@Suite struct LatencyHistogramTests {
    /// Percentiles stay within the documented 1.1% of the exact nearest-rank value over a wide spread of values.
    @Test(arguments: [50.0, 90, 95, 99, 99.9])
    func percentileWithinPrecision(p: Double) {
        var h = LatencyHistogram()
        var values: [Double] = []
        var seed: UInt64 = 42
        for _ in 0..<20_000 {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let u = Double(seed >> 11) / Double(1 << 53)
            let v = 5 * exp(u * 8)  // 5 ms .. 15 s, log-uniform
            values.append(v)
            h.record(v)
        }
        values.sort()
        let exact = values[Int((p / 100 * Double(values.count)).rounded(.up)) - 1]
        let estimate = h.percentile(p)!
        #expect(abs(estimate - exact) / exact < 0.011)
    }

    @Test func extremesAreExact() {
        var h = LatencyHistogram()
        for v in [3.0, 7.5, 120, 4000] { h.record(v) }
        #expect(h.percentile(100) == 4000)
        #expect(h.min == 3 && h.max == 4000)
        #expect(h.percentile(0) == 3)
        #expect(LatencyHistogram().percentile(50) == nil)
    }
}

@Suite struct ReportRangeTests {
    static let london = LocalClock(TimeZone(identifier: "Europe/London")!)

    @Test(arguments: [
        ("2026-11-25", "2026-11-25T00:00:00Z", "2026-11-26T00:00:00Z", 24.0),
        ("2026-03-29", "2026-03-29T00:00:00Z", "2026-03-29T23:00:00Z", 23.0),  // spring forward
        ("2026-10-25", "2026-10-24T23:00:00Z", "2026-10-26T00:00:00Z", 25.0),  // fall back
        ("2026-07-01", "2026-06-30T23:00:00Z", "2026-07-01T23:00:00Z", 24.0),
    ])
    func localDays(day: String, from: String, to: String, hours: Double) throws {
        let r = try ReportRange.day(day, clock: ReportRangeTests.london)
        #expect(r.from.rfc3339 == from)
        #expect(r.to.rfc3339 == to)
        #expect(Double(r.length) / 3_600_000 == hours)
        #expect(r.label == day)
    }

    @Test func rangesOfDatesAreInclusiveAndInstantsExclusive() throws {
        let month = try ReportRange.between(from: "2026-11-01", to: "2026-11-30", clock: ReportRangeTests.london)
        #expect(month.from.rfc3339 == "2026-11-01T00:00:00Z" && month.to.rfc3339 == "2026-12-01T00:00:00Z")
        #expect(month.label == "2026-11-01 to 2026-11-30")
        let hours = try ReportRange.between(from: "2026-11-25T08:00:00Z", to: "2026-11-25T10:00:00Z", clock: ReportRangeTests.london)
        #expect(hours.length == 2 * 3_600_000)
    }

    @Test(arguments: ["2026-02-30", "25/11/2026", "2026-11-5", "", "tomorrow"])
    func refusesBadDates(text: String) {
        #expect(throws: ReportRangeError.self) { try ReportRange.day(text, clock: ReportRangeTests.london) }
    }

    @Test func refusesAnEmptyRange() {
        #expect(throws: ReportRangeError.self) {
            try ReportRange.between(from: "2026-11-26", to: "2026-11-25", clock: ReportRangeTests.london)
        }
    }
}

@Suite struct ReportTextTests {
    @Test(arguments: [
        (Int64(0), "0s"), (450, "450ms"), (45_000, "45s"), (600_000, "10m 00s"), (3_723_000, "1h 02m"),
        (86_400_000, "24h 00m"), (90_000_000, "25h 00m"), (2 * 86_400_000 + 3_600_000, "2d 01h"),
    ] as [(Int64, String)])
    func durations(ms: Int64, text: String) {
        #expect(ReportText.duration(ms) == text)
    }

    /// Availability is truncated, never rounded up: 99.9999% with downtime must not read 100.000%.
    @Test(arguments: [
        (Int64(82_800_000 - 2_400_000), Int64(82_800_000), 97.101),
        (999_999, 1_000_000, 99.999),
        (1, 3, 33.333),
        (5, 5, 100.0),
    ] as [(Int64, Int64, Double)])
    func percentTruncates(part: Int64, whole: Int64, expected: Double) {
        #expect(ReportBuilder.percent(part, of: whole) == expected)
    }

    @Test func noDataIsNotAFigure() {
        #expect(ReportBuilder.percent(0, of: 0) == nil)
        #expect(ReportText.percent(nil) == "no data")
    }
}

/// ResultActivity: which silences count as the monitor being down.
@Suite struct ResultActivityTests {
    static let range = ReportRange(from: Timestamp(milliseconds: 0), to: Timestamp(milliseconds: 60 * 60_000), label: "test", isSingleDay: false)

    static func minutes(_ list: [Int], seconds: Int = 10) -> ResultActivity {
        var a = ResultActivity(range: range)
        for m in list { a.note(Int64(m * 60 + seconds) * 1000) }
        return a
    }

    @Test(arguments: [
        // Every minute active: no gap.
        (Array(0..<60), 2, [(Int, Int)]()),
        // Silent 10..<20: one gap of 10 minutes.
        (Array(0..<10) + Array(20..<60), 2, [(10, 20)]),
        // A two-minute silence is within the checks' rhythm when the minimum is 3.
        (Array(0..<10) + Array(12..<60), 3, []),
        // Nothing at the start: the gap runs from the range's start.
        (Array(5..<60), 2, [(0, 5)]),
        // The log ends at minute 30: silence after the last result is not a gap.
        (Array(0..<30), 2, []),
    ])
    func gaps(active: [Int], minimum: Int, expected: [(Int, Int)]) {
        let found = Self.minutes(active).gaps(minimumMinutes: minimum, rangeEndMs: Self.range.to.milliseconds)
        #expect(found.map { Int($0.fromMs / 60_000) } == expected.map(\.0))
        #expect(found.map { Int($0.toMs / 60_000) } == expected.map(\.1))
    }

    @Test func resultsPastTheRangeExtendTheSilenceToItsEnd() {
        var a = Self.minutes(Array(0..<30))
        a.note(2 * 60 * 60_000)
        let found = a.gaps(minimumMinutes: 2, rangeEndMs: Self.range.to.milliseconds)
        #expect(found.count == 1)
        #expect(found.first?.fromMs == 30 * 60_000 && found.first?.toMs == 60 * 60_000)
    }

    @Test func noResultsNoGaps() {
        #expect(ResultActivity(range: Self.range).gaps(minimumMinutes: 2, rangeEndMs: Self.range.to.milliseconds).isEmpty)
    }
}
