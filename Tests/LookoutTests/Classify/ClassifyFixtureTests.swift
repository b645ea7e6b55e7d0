import Foundation
@testable import LookoutCommands
@testable import LookoutCore
import Testing

/// Runs every classify golden fixture in-process and compares line by line; `LOOKOUT_RECORD=1` re-records (and
/// fails, so a re-recording is never mistaken for a pass). The end-to-end runner checks the same files through the
/// executable.
@Suite struct ClassifyFixtureTests {
    static let cases: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: ClassifyHarness.fixtures.path)) ?? []
        return names.filter { $0.hasSuffix(".in.ndjson") }.map { String($0.dropLast(".in.ndjson".count)) }.sorted()
    }()

    @Test func fixturesExist() {
        #expect(Self.cases.count >= 10)
    }

    @Test(arguments: cases)
    func fixture(_ name: String) throws {
        let dir = ClassifyHarness.fixtures
        let config = try Config.load(path: dir.appendingPathComponent("\(name).config.yaml").path, environment: [:])
        let input = try String(contentsOf: dir.appendingPathComponent("\(name).in.ndjson"), encoding: .utf8)
        let run = try ClassifyHarness.run(config: config, input: input)
        let expectedURL = dir.appendingPathComponent("\(name).out.ndjson")
        if ProcessInfo.processInfo.environment["LOOKOUT_RECORD"] == "1" {
            try Data((run.lines.joined(separator: "\n") + "\n").utf8).write(to: expectedURL)
            Issue.record("re-recorded \(name).out.ndjson: review it, then run again without LOOKOUT_RECORD")
            return
        }
        let expected = try String(contentsOf: expectedURL, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(run.lines.count == expected.count, "\(name): line count")
        for (k, (got, want)) in zip(run.lines, expected).enumerated() where got != want {
            Issue.record("\(name).out.ndjson line \(k + 1):\n  got  \(got)\n  want \(want)")
            break
        }
        #expect(run.rejected == 0)
    }

    /// Same input, same config: byte-identical output, run after run.
    @Test func outputIsDeterministic() throws {
        let dir = ClassifyHarness.fixtures
        for name in ["flapping", "locations", "dst-autumn"] {
            let config = try Config.load(path: dir.appendingPathComponent("\(name).config.yaml").path, environment: [:])
            let input = try String(contentsOf: dir.appendingPathComponent("\(name).in.ndjson"), encoding: .utf8)
            let a = try ClassifyHarness.run(config: config, input: input)
            let b = try ClassifyHarness.run(config: config, input: input)
            #expect(a.lines == b.lines)
        }
    }

    /// Classifying already classified output gives the same result lines: the members are replaced, not repeated.
    @Test func reclassifyingIsIdempotent() throws {
        let dir = ClassifyHarness.fixtures
        let config = try Config.load(path: dir.appendingPathComponent("outage.config.yaml").path, environment: [:])
        let input = try String(contentsOf: dir.appendingPathComponent("outage.in.ndjson"), encoding: .utf8)
        let first = try ClassifyHarness.run(config: config, input: input)
        let resultsOnly = first.lines.filter { $0.contains("\"type\":\"result\"") }.joined(separator: "\n") + "\n"
        let second = try ClassifyHarness.run(config: config, input: resultsOnly)
        #expect(second.lines == first.lines)
    }

    /// Ids and member names written with JSON escapes are the same ids and names: the check is found, and members a
    /// previous run wrote under an escaped name are replaced, as with plain ones.
    @Test func escapedCheckIdsAndClassificationKeysAreRecognised() throws {
        let yaml = ClassifyHarness.config()
        let plain = try ClassifyHarness.run(yaml: yaml, input: ClassifyHarness.results("."))
        let escaped = #"{"v":1,"type":"result","check":"acme\u002dhome","at":"2026-11-24T10:00:00Z","ok":true}"#
        let run = try ClassifyHarness.run(yaml: yaml, input: escaped + "\n")
        #expect(run.lines.count == 1)
        #expect(run.lines[0].hasSuffix(#","site":"acme","tier":"enhanced","maintenance":null,"state":"up","severity":"none"}"#))
        #expect(plain.lines[0].hasSuffix(#","site":"acme","tier":"enhanced","maintenance":null,"state":"up","severity":"none"}"#))
        let reclassified = #"{"v":1,"type":"result","check":"acme-home","at":"2026-11-24T10:00:00Z","ok":true,"\u0073ite":"old","tier":null}"#
        let again = try ClassifyHarness.run(yaml: yaml, input: reclassified + "\n")
        #expect(again.lines == plain.lines)
    }
}
