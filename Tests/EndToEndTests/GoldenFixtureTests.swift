import Foundation
import Testing

/// Golden NDJSON fixtures: `Fixtures/<stage>/<case>.in.ndjson` and `<case>.config.yaml` run through the built
/// `<stage>`; stdout must equal `<case>.out.ndjson` line by line. `<case>.args` adds arguments, one per line, where
/// `$TMP` is a folder of the case's own (for `--state` and `--output` files). With a `<case>.then.ndjson` the stage
/// runs a second time on it with the same arguments, as a restart does, and the expected output is both runs' stdout.
/// `LOOKOUT_RECORD=1 swift test --filter GoldenFixture` re-records the outputs (and fails, so it is never a pass).
@Suite struct GoldenFixtureTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var stage: String
        var name: String
        var directory: URL
        var testDescription: String { "\(stage)/\(name)" }
        func file(_ ext: String) -> URL { directory.appendingPathComponent("\(name).\(ext)") }
    }

    static let stages = ["classify", "route"]

    static var cases: [Case] {
        stages.flatMap { stage -> [Case] in
            let dir = Fixtures.url(stage)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
            return names.filter { $0.hasSuffix(".in.ndjson") }.sorted()
                .map { Case(stage: stage, name: String($0.dropLast(".in.ndjson".count)), directory: dir) }
        }
    }

    /// `cases` lists the folders forgivingly, so a moved or empty fixtures folder would leave the table empty and
    /// the suite green without running a case; this lists each folder strictly and wants cases in it.
    @Test(arguments: stages)
    func everyStageHasFixtures(_ stage: String) throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Fixtures.url(stage).path)
        let inputs = names.filter { $0.hasSuffix(".in.ndjson") }
        #expect(!inputs.isEmpty, "no <case>.in.ndjson in Fixtures/\(stage)")
        #expect(Self.cases.filter { $0.stage == stage }.count == inputs.count)
    }

    @Test(arguments: cases)
    func matchesGoldenOutput(_ c: Case) throws {
        let tmp = try Fixtures.tempFolder("golden-\(c.name)")
        defer { try? FileManager.default.removeItem(at: tmp) }
        var extra: [String] = []
        if let text = try? String(contentsOf: c.file("args"), encoding: .utf8) {
            extra = text.split(separator: "\n").map { $0.replacingOccurrences(of: "$TMP", with: tmp.path) }.filter { !$0.isEmpty }
        }
        var inputs = [c.file("in.ndjson")]
        if FileManager.default.fileExists(atPath: c.file("then.ndjson").path) { inputs.append(c.file("then.ndjson")) }
        var stdout = Data()
        for input in inputs {
            let run = try ChildProcess.run(c.stage, ["--config", c.file("config.yaml").path, "--input", input.path] + extra)
            #expect(run.status == 0 || run.status == 65, "\(input.lastPathComponent): exit \(run.status): \(run.stderrText)")
            stdout.append(run.stdout)
        }
        let expectedURL = c.file("out.ndjson")
        if Fixtures.recording {
            try stdout.write(to: expectedURL)
            Issue.record("re-recorded \(expectedURL.lastPathComponent); review the diff and run again without LOOKOUT_RECORD")
            return
        }
        let expected = try String(contentsOf: expectedURL, encoding: .utf8).split(separator: "\n").map(String.init)
        let actual = String(decoding: stdout, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init).dropLastIfEmpty()
        for (k, pair) in zip(expected, actual).enumerated() where pair.0 != pair.1 {
            Issue.record("\(c.testDescription) line \(k + 1) differs\nexpected: \(pair.0)\n  actual: \(pair.1)")
            break
        }
        #expect(actual.count == expected.count, "\(c.testDescription): \(actual.count) lines, expected \(expected.count)")
    }
}
