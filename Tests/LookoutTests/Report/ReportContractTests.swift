import Foundation
@testable import LookoutCore
@testable import LookoutReport
import Testing

/// report refuses exactly the lines classify and route refuse (one decoder, one verdict), and counts a refused
/// line only among the rejected, never among the results.
@Suite struct ReportContractTests {
    static let good = #"{"v":1,"type":"result","check":"acme-home","at":"2026-11-25T10:00:00Z","ok":true,"kind":"http","latency_ms":12.5}"#

    @Test(arguments: [
        #""status":"200""#, #""bytes":-0.5"#, #""failed":[1,2]"#, #""error":{"text":"x"}"#, #""details":[]"#,
        #""degraded":"no""#, #""site":5"#, #""location":7"#,
    ])
    func aWrongTypedOptionalFieldIsRejectedAndNotCountedAsAResult(member: String) throws {
        let config = try ReportFixture.config()
        let range = try ReportRange.day("2026-11-25", clock: LocalClock(config.timeZone))
        let bad = String(Self.good.dropLast()) + "," + member + "}"
        // The same verdict as classify's decoder.
        #expect(throws: EventError.self) { try EventDecodeTests.withObject(Array(bad.utf8)) { try ResultEvent($0) } }
        let report = ReportFixture.report(ndjson: Self.good + "\n" + bad + "\n", config: config, range: range)
        #expect(report.footer.linesRead == 2)
        #expect(report.footer.linesRejected == 1)
        #expect(report.footer.results == 1)
    }

    @Test func aRejectedIncidentIsNotCountedAmongIncidents() throws {
        let config = try ReportFixture.config()
        let range = try ReportRange.day("2026-11-25", clock: LocalClock(config.timeZone))
        let noMaintenance = #"{"v":1,"type":"incident","id":"acme-home/1","event":"opened","check":"acme-home","site":"acme","tier":"enhanced","severity":"critical","at":"2026-11-25T10:00:00Z","since":"2026-11-25T09:58:00Z","reason":"down"}"#
        let report = ReportFixture.report(ndjson: noMaintenance + "\n", config: config, range: range)
        #expect(report.footer.linesRejected == 1)
        #expect(report.incidents.isEmpty)
    }
}
