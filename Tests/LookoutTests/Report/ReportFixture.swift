import Foundation
import Logging
@testable import LookoutCommands
@testable import LookoutCore
@testable import LookoutReport
import Testing

/// ReportFixture runs the report library over a fixture log in process, as the `report` executable does.
enum ReportFixture {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/report")

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// Compares `actual` with the golden file `name` line by line and names the first line that differs; with
    /// `LOOKOUT_RECORD=1` writes it instead and records an issue, so a re-recording is never mistaken for a pass.
    static func expectGolden(_ actual: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        if ProcessInfo.processInfo.environment["LOOKOUT_RECORD"] == "1" {
            try actual.write(toFile: path(name), atomically: true, encoding: .utf8)
            Issue.record("re-recorded \(name): review it, then run again without LOOKOUT_RECORD", sourceLocation: sourceLocation)
            return
        }
        let expected = try String(contentsOfFile: path(name), encoding: .utf8)
        let a = actual.components(separatedBy: "\n"), e = expected.components(separatedBy: "\n")
        for k in 0..<max(a.count, e.count) {
            let got = k < a.count ? a[k] : "<missing>", want = k < e.count ? e[k] : "<missing>"
            if got != want {
                Issue.record("\(name):\(k + 1): expected\n  \(want)\ngot\n  \(got)", sourceLocation: sourceLocation)
                return
            }
        }
    }

    static func config(_ name: String = "day") throws -> Config {
        try Config.load(path: path("\(name).config.yaml"), environment: [:])
    }

    /// The report of one local day of a fixture, for the team or one client.
    static func report(_ name: String = "day", day: String = "2026-11-25", client: String? = nil,
                       inputs: [String]? = nil) throws -> DailyReport {
        let config = try config(name)
        let range = try ReportRange.day(day, clock: LocalClock(config.timeZone))
        let options = ReportStage.Options(range: range, format: .json, client: client, output: nil,
                                          inputs: inputs ?? [path("\(name).in.ndjson")])
        var logger = Logger(label: "report-test")
        logger.logLevel = .critical  // the fixture's two bad lines are expected; keep the test log readable
        return ReportStage.read(options, config: config, logger: logger).0
    }

    /// Feeds NDJSON text through a fresh accumulator (no files), for table tests.
    static func report(ndjson: String, config: Config, range: ReportRange, client: String? = nil) -> DailyReport {
        let accumulator = ReportAccumulator(config: config, range: range)
        var fields: [JSONField] = []
        var lines = 0, rejected = 0
        for line in ndjson.split(separator: "\n") {
            lines += 1
            var text = String(line)
            text.withUTF8 { bytes in
                do {
                    try JSONScanner.scanObject(bytes, into: &fields)
                    try accumulator.consume(ScannedObject(bytes: bytes, fields: fields))
                } catch {
                    rejected += 1
                }
            }
        }
        return ReportBuilder(accumulator: accumulator, linesRead: lines, linesRejected: rejected, client: client).build()
    }
}
