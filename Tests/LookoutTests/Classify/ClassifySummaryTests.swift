import Foundation
@testable import LookoutClassify
@testable import LookoutCommands
@testable import LookoutCore
import Testing

/// `--summary`: what a replay would have done, per tier.
@Suite struct ClassifySummaryTests {
    static func run(_ name: String) throws -> ClassifySummary {
        let dir = ClassifyHarness.fixtures
        let config = try Config.load(path: dir.appendingPathComponent("\(name).config.yaml").path, environment: [:])
        let input = try String(contentsOf: dir.appendingPathComponent("\(name).in.ndjson"), encoding: .utf8)
        return try ClassifyHarness.run(config: config, input: input).summary
    }

    @Test func blipIsCountedNotOpened() throws {
        let s = try Self.run("blip")
        #expect(s.tiers["enhanced"]?.blips == 1)
        #expect(s.tiers["enhanced"]?.openedTotal == 0)
        #expect(s.results == 12)
    }

    @Test func maintenanceAndOverrun() throws {
        let inside = try Self.run("maintenance-inside")
        #expect(inside.tiers["enhanced"]?.inMaintenance == 1)
        #expect(inside.tiers["enhanced"]?.raisedAfterWindow == 0)
        #expect(inside.tiers["enhanced"]?.opened[Severity.none] == 1)
        let overrun = try Self.run("maintenance-overrun")
        #expect(overrun.tiers["enhanced"]?.raisedAfterWindow == 1)
    }

    @Test func tiersBySeverity() throws {
        let s = try Self.run("tiers")
        #expect(s.tiers["unsupported"]?.opened == [.info: 1])
        #expect(s.tiers["prospect"]?.opened == [Severity.none: 1])
    }

    @Test func renderedTable() throws {
        let text = try Self.run("dst-autumn").render()
        #expect(text == """
            classify summary: 60 results, 8 incident lines
            tier      opened  critical  warning  info  none  blips  in maintenance  raised after window
            enhanced       2         1        0     0     1      0               1                    0
            standard       2         0        1     0     1      0               1                    0
            total          4         1        1     0     2      0               2                    0

            """)
    }

    @Test func unknownAndLateAreNamed() throws {
        let s = try Self.run("unknown-check")
        #expect(s.unknownResults == 2)
        #expect(s.render().hasPrefix("classify summary: 4 results, 0 incident lines, 2 results of unknown checks\n"))
    }
}
