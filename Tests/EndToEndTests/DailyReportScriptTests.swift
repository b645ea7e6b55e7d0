import Foundation
import Testing

/// `pipelines/daily-report` on a classified log as `classify --output LOG --rotate-daily` leaves it: the day's lines
/// spread over rotated siblings (one gzip-compressed) and the live file, next to an older file it must not read.
@Suite struct DailyReportScriptTests {
    static let fixtures = Fixtures.url("report")
    static var config: String { fixtures.appendingPathComponent("day.config.yaml").path }
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("pipelines/daily-report").path

    @Test func readsTheRotatedFilesOfTheDayAndWritesTheTeamAndClientReports() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("daily-report-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let log = dir.appendingPathComponent("classified.ndjson").path
        let lines = try String(contentsOf: Self.fixtures.appendingPathComponent("day.in.ndjson"), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        let third = lines.count / 3
        func write(_ part: ArraySlice<Substring>, to path: String) throws {
            try Data((part.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
        }
        // Two days before: out of range, and a bad line in it would show in the report's counts if it were read.
        try write(["not json"], to: log + ".2026-11-23")
        try write(lines[..<third], to: log + ".2026-11-24")
        try write(lines[third..<(2 * third)], to: log + ".2026-11-25.1")
        try write(lines[(2 * third)..<(2 * third + 10)], to: log + ".2026-11-25.2")
        #expect(try ChildProcess.run(path: "/bin/gzip", [log + ".2026-11-25.2"]).status == 0)
        try write(lines[(2 * third + 10)...], to: log)

        let out = dir.appendingPathComponent("reports")
        let run = try ChildProcess.run(path: "/bin/bash", [Self.script, Self.config, log, out.path, "2026-11-25"],
                                       environment: ProcessInfo.processInfo.environment.merging(
                                           ["LOOKOUT_BIN": ChildProcess.productsDirectory.path]) { _, new in new })
        #expect(run.status == 0, "65 (the fixture's two malformed lines) counts as done: \(run.stderrText)")
        let day = out.appendingPathComponent("2026-11-25")
        let goldenJSON = try String(contentsOf: Self.fixtures.appendingPathComponent("day.out.json"), encoding: .utf8)
        #expect(try String(contentsOf: day.appendingPathComponent("team.json"), encoding: .utf8) == goldenJSON,
                "the split, partly compressed day reads as the whole file does, and the older file is not read")
        let goldenHTML = try String(contentsOf: Self.fixtures.appendingPathComponent("day.out.html"), encoding: .utf8)
        #expect(try String(contentsOf: day.appendingPathComponent("team.html"), encoding: .utf8) == goldenHTML)

        let clients = try ChildProcess.run("report", ["--config", Self.config, "--list-clients"])
        #expect(clients.status == 0)
        #expect(clients.stdoutLines == ["ACME Ltd", "Globex Corp", "initech"], "a site without a client is its own customer")
        let pages = try FileManager.default.contentsOfDirectory(atPath: day.path).sorted()
        #expect(pages == ["client-ACME-Ltd.html", "client-Globex-Corp.html", "client-initech.html", "team.html", "team.json"])
        let acme = try ChildProcess.run("report", ["--config", Self.config, "--day", "2026-11-25", "--client", "ACME Ltd",
                                                   "--format", "html", Self.fixtures.appendingPathComponent("day.in.ndjson").path])
        #expect(try String(contentsOf: day.appendingPathComponent("client-ACME-Ltd.html"), encoding: .utf8) == acme.stdoutText)
    }

    @Test func noLogIsExit66() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("daily-report-none-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try ChildProcess.run(path: "/bin/bash", [Self.script, Self.config, dir.appendingPathComponent("classified.ndjson").path,
                                                           dir.path, "2026-11-25"],
                                       environment: ["LOOKOUT_BIN": ChildProcess.productsDirectory.path, "PATH": "/usr/bin:/bin"])
        #expect(run.status == 66)
        #expect(run.stderrText.contains("classified.ndjson"))
    }
}
