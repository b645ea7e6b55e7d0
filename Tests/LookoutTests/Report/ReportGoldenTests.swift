import Foundation
@testable import LookoutCore
@testable import LookoutReport
import Testing

/// Golden outputs of the fixture day (Fixtures/report/day.*, made by make-day.py) in every format, for the team
/// and for clients. `LOOKOUT_RECORD=1 swift test --filter ReportGoldenTests` re-records them (and fails, so a
/// recording is never mistaken for a pass); read every re-recorded file before committing it.
@Suite struct ReportGoldenTests {
    struct Case: Sendable, CustomStringConvertible {
        var fixture: String
        var day = "2026-11-25"
        var client: String?
        var format: ReportFormat
        var expected: String
        var description: String { expected }
    }

    static let cases: [Case] = [
        Case(fixture: "day", client: nil, format: .markdown, expected: "day.out.md"),
        Case(fixture: "day", client: nil, format: .html, expected: "day.out.html"),
        Case(fixture: "day", client: nil, format: .json, expected: "day.out.json"),
        Case(fixture: "day", client: nil, format: .slack, expected: "day.out.slack.json"),
        Case(fixture: "day", client: "ACME Ltd", format: .markdown, expected: "day.client-acme.md"),
        Case(fixture: "day", client: "ACME Ltd", format: .html, expected: "day.client-acme.html"),
        Case(fixture: "day", client: "globex", format: .json, expected: "day.client-globex.json"),
        // The 25-hour day of the autumn clock change: times carry their offset, the strip spans 25 hours.
        Case(fixture: "dst", day: "2026-10-25", client: nil, format: .markdown, expected: "dst.out.md"),
        Case(fixture: "dst", day: "2026-10-25", client: nil, format: .html, expected: "dst.out.html"),
    ]

    @Test(arguments: cases)
    func matchesGolden(_ c: Case) throws {
        let report = try ReportFixture.report(c.fixture, day: c.day, client: c.client)
        let actual = ReportStage.render(report, format: c.format)
        try ReportFixture.expectGolden(actual, c.expected)
    }

    /// The same report twice gives the same bytes: figures come from event times only.
    @Test func isByteStable() throws {
        let a = ReportStage.render(try ReportFixture.report(), format: .json)
        let b = ReportStage.render(try ReportFixture.report(), format: .json)
        #expect(a == b)
    }
}
