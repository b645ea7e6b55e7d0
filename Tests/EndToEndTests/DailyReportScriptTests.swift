import Foundation
import Testing

/// `pipelines/daily-report` on the message files as `classify --output` and `route --output` leave them with
/// `--rotate-daily`: the day's lines spread over rotated siblings (one gzip-compressed) and the live files, next to an
/// older file it must not read.
@Suite struct DailyReportScriptTests {
    static let fixtures = Fixtures.url("report")
    static var config: String { fixtures.appendingPathComponent("day.config.yaml").path }
    static let script = Fixtures.repository.appendingPathComponent("pipelines/daily-report").path

    @Test func readsTheRotatedFilesOfTheDayAndWritesTheTeamAndClientReports() throws {
        let dir = try Fixtures.tempFolder("daily-report")
        defer { try? FileManager.default.removeItem(at: dir) }
        let classified = dir.appendingPathComponent("classified.ndjson").path
        let deliveries = dir.appendingPathComponent("deliveries.ndjson").path
        let all = try String(contentsOf: Self.fixtures.appendingPathComponent("day.in.ndjson"), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        // route writes the delivery lines to a file of its own; the noise budget needs them.
        let delivered = all.filter { $0.contains(#""type":"delivery""#) }
        let lines = all.filter { !$0.contains(#""type":"delivery""#) }
        #expect(delivered.count == 13)
        let third = lines.count / 3
        func write(_ part: ArraySlice<Substring>, to path: String) throws {
            try Data((part.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
        }
        // The last day of the month before: out of range (team reports read from the day before the month's first,
        // for the error budgets), and a bad line in it would show in the report's counts if it were read.
        try write(["not json"], to: classified + ".2026-10-30")
        try write(lines[..<third], to: classified + ".2026-11-24")
        try write(lines[third..<(2 * third)], to: classified + ".2026-11-25.1")
        try write(lines[(2 * third)..<(2 * third + 10)], to: classified + ".2026-11-25.2")
        #expect(try ChildProcess.run(path: "/bin/gzip", [classified + ".2026-11-25.2"]).status == 0)
        try write(lines[(2 * third + 10)...], to: classified)
        try write(delivered[..<5], to: deliveries + ".2026-11-25")
        try write(delivered[5...], to: deliveries)

        let out = dir.appendingPathComponent("reports")
        let run = try ChildProcess.run(path: "/bin/bash", [Self.script, "--day", "2026-11-25", Self.config, out.path, classified, deliveries],
                                       environment: ChildProcess.environment(adding: ["LOOKOUT_BIN": ChildProcess.productsDirectory.path]))
        #expect(run.status == 0, "65 (the fixture's two malformed lines) counts as done: \(run.stderrText)")
        let day = out.appendingPathComponent("2026-11-25")
        let goldenJSON = try String(contentsOf: Self.fixtures.appendingPathComponent("day.out.json"), encoding: .utf8)
        #expect(try String(contentsOf: day.appendingPathComponent("team.json"), encoding: .utf8) == goldenJSON,
                "the split, partly compressed day and its delivery file read as the whole log does; the older file is not read")
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

    /// The webhook may come from a file as well as from the environment (`slack_webhook_file:`); the daily job must
    /// post in both cases, not only when the config spells `slack_webhook:`.
    @Test(arguments: ["slack_webhook", "slack_webhook_file"])
    func postsTheTeamSummaryToSlackWhicheverWayTheWebhookIsGiven(_ key: String) throws {
        let server = try RecordingServer()
        defer { server.shutdown() }
        let dir = try Fixtures.tempFolder("daily-report-slack")
        defer { try? FileManager.default.removeItem(at: dir) }
        let hook = "http://127.0.0.1:\(server.port)/services/DAILYSECRET"
        let hookFile = dir.appendingPathComponent("report-webhook")
        try (hook + "\n").write(to: hookFile, atomically: true, encoding: .utf8)
        let value = key == "slack_webhook" ? "${DAILY_REPORT_HOOK}" : hookFile.path
        let yaml = try String(contentsOfFile: Self.config, encoding: .utf8).replacingOccurrences(
            of: "  title: Agency daily report", with: "  title: Agency daily report\n  \(key): \(value)")
        let config = dir.appendingPathComponent("c.yaml")
        try yaml.write(to: config, atomically: true, encoding: .utf8)
        let run = try ChildProcess.run(path: "/bin/bash", [Self.script, "--day", "2026-11-25", config.path, dir.appendingPathComponent("out").path,
                                                           Self.fixtures.appendingPathComponent("day.in.ndjson").path],
                                       environment: ChildProcess.environment(adding: ["LOOKOUT_BIN": ChildProcess.productsDirectory.path, "DAILY_REPORT_HOOK": hook]))
        #expect(run.status == 0, "\(run.stderrText)")
        #expect(server.requests.count == 1, "one Slack post of the team summary")
        #expect(server.requests.first?.text.contains(#""type":"header""#) == true)
        #expect(!run.stderrText.contains("DAILYSECRET") && !run.stdoutText.contains("DAILYSECRET"))
    }

    @Test func noLogIsExit66AndMissingArgumentsExit64() throws {
        let dir = try Fixtures.tempFolder("daily-report-none")
        defer { try? FileManager.default.removeItem(at: dir) }
        let environment = ["LOOKOUT_BIN": ChildProcess.productsDirectory.path, "PATH": "/usr/bin:/bin"]
        let none = try ChildProcess.run(path: "/bin/bash", [Self.script, "--day", "2026-11-25", Self.config, dir.path,
                                                            dir.appendingPathComponent("classified.ndjson").path],
                                        environment: environment)
        #expect(none.status == 66)
        #expect(none.stderrText.contains("classified.ndjson"))
        let short = try ChildProcess.run(path: "/bin/bash", [Self.script, Self.config, dir.path], environment: environment)
        #expect(short.status == 64)
        #expect(short.stderrText.contains("usage: daily-report"))
    }

    /// A config `report` cannot load stops the script before any report, with the config's own `FILE:LINE` message
    /// once (it came three times, once per report) and the script's context; no empty day folder is left behind.
    @Test func aConfigThatDoesNotLoadStopsOnceWithContextAndLeavesNoFolder() throws {
        let dir = try Fixtures.tempFolder("daily-report")
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("bad.yaml").path
        try "tiers: {enhanced: {outage: loud}}\nsites: []\n".write(toFile: config, atomically: true, encoding: .utf8)
        let log = dir.appendingPathComponent("classified.ndjson").path
        try "".write(toFile: log, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("reports")
        let run = try ChildProcess.run(path: "/bin/bash", [Self.script, "--day", "2026-11-25", config, out.path, log],
                                       environment: ChildProcess.environment(adding: ["LOOKOUT_BIN": ChildProcess.productsDirectory.path]))
        #expect(run.status == 78, "\(run.stderrText)")
        #expect(run.stderrText.components(separatedBy: "bad.yaml:1:").count - 1 == 1, "the config's message once: \(run.stderrText)")
        #expect(run.stderrText.contains("daily-report: stopped before writing any report"), "\(run.stderrText)")
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("2026-11-25").path))
    }

    /// Without a built `report` (a fresh clone asked for the release path it never built: exit 127), the script says
    /// so and leaves no empty day folder.
    @Test func noReportExecutableSaysSoAndLeavesNoFolder() throws {
        let dir = try Fixtures.tempFolder("daily-report")
        defer { try? FileManager.default.removeItem(at: dir) }
        let log = dir.appendingPathComponent("classified.ndjson").path
        try "".write(toFile: log, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("reports")
        let run = try ChildProcess.run(path: "/bin/bash", [Self.script, "--day", "2026-11-25", Self.config, out.path, log],
                                       environment: ChildProcess.environment(adding: ["LOOKOUT_BIN": dir.path]))
        #expect(run.status == 70, "\(run.stderrText)")
        #expect(run.stderrText.contains("no report executable"), "\(run.stderrText)")
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("2026-11-25").path))
    }
}
