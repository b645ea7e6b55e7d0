import Foundation
import Testing

/// The built `report` executable on the fixture day: output, exit codes, files and gzip input, as a cron job or
/// an operator would run it.
@Suite struct ReportExecutableTests {
    static let dir = Fixtures.url("report")
    static var config: String { dir.appendingPathComponent("day.config.yaml").path }
    static var log: String { dir.appendingPathComponent("day.in.ndjson").path }

    @Test func markdownMatchesTheGoldenReportAndExits65ForTheBadLines() throws {
        let run = try ChildProcess.run("report", ["--config", Self.config, "--day", "2026-11-25", Self.log])
        #expect(run.status == 65, "the fixture holds two malformed lines")
        let expected = try String(contentsOf: Self.dir.appendingPathComponent("day.out.md"), encoding: .utf8)
        #expect(run.stdoutText == expected)
        #expect(run.stderrText.contains("day.in.ndjson:201: not valid JSON"))
        #expect(run.stderrText.contains("2 bad lines set aside"))
        #expect(!run.stderrText.contains("lines read"), "progress is shown only when stderr is a terminal")
    }

    /// Only route sends through the routing sinks, so only route needs their secrets: report exited 78 for an unset
    /// webhook variable it never uses (and via daily-report printed it three times).
    @Test func aRoutingSecretUnsetStopsOnlyRoute() throws {
        let tmp = try Fixtures.tempFolder("report-routing-secret")
        defer { try? FileManager.default.removeItem(at: tmp) }
        let config = tmp.appendingPathComponent("c.yaml")
        let text = try String(contentsOfFile: Self.config, encoding: .utf8)
            + "\nrouting:\n  sinks:\n    hook: {kind: webhook, url: \"${LOOKOUT_TEST_UNSET_HOOK}\"}\n  routes:\n    - {sinks: [hook]}\n"
        try text.write(to: config, atomically: true, encoding: .utf8)
        var environment = ProcessInfo.processInfo.environment
        environment["LOOKOUT_TEST_UNSET_HOOK"] = nil
        let report = try ChildProcess.run("report", ["--config", config.path, "--day", "2026-11-25", Self.log], environment: environment)
        #expect(report.status == 65, "the fixture's two bad lines, nothing else: \(report.stderrText)")
        #expect(!report.stderrText.contains("is not set"))
        let classify = try ChildProcess.run("classify", ["--config", config.path], environment: environment)
        #expect(classify.status == 0, "\(classify.stderrText)")
        let route = try ChildProcess.run("route", ["--config", config.path, "--dry-run"], environment: environment)
        #expect(route.status == 78)
        #expect(route.stderrText.contains("environment variable LOOKOUT_TEST_UNSET_HOOK for url is not set"), "\(route.stderrText)")
    }

    @Test func readsStdinAndWritesAnOutputFile() throws {
        let tmp = try Fixtures.tempFolder("report-e2e")
        defer { try? FileManager.default.removeItem(at: tmp) }
        let out = tmp.appendingPathComponent("day.html")
        let input = try Data(contentsOf: URL(fileURLWithPath: Self.log))
        let run = try ChildProcess.run("report", ["--config", Self.config, "--day", "2026-11-25", "--format", "html",
                                                  "--output", out.path], stdin: input)
        #expect(run.status == 65)
        #expect(run.stdout.isEmpty)
        let expected = try String(contentsOf: Self.dir.appendingPathComponent("day.out.html"), encoding: .utf8)
        #expect(try String(contentsOf: out, encoding: .utf8) == expected)
    }

    /// `--output` naming a pipe or a device (`/dev/null`) writes into it: an atomic replace would rename a plain
    /// file over it, and as root that turns /dev/null itself into a file for every process on the machine.
    @Test func anOutputThatIsAPipeStaysAPipe() throws {
        let tmp = try Fixtures.tempFolder("report-fifo")
        defer { try? FileManager.default.removeItem(at: tmp) }
        let fifo = tmp.appendingPathComponent("out.fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        // The reader is `cat`, a child of its own, so the FIFO has a reader before report opens it for writing.
        let reader = Process()
        reader.executableURL = URL(fileURLWithPath: "/bin/cat")
        reader.arguments = [fifo]
        let received = Pipe()
        reader.standardOutput = received
        try reader.run()
        defer { if reader.isRunning { kill(reader.processIdentifier, SIGKILL); reader.waitUntilExit() } }
        let run = try ChildProcess.run("report", ["--config", Self.config, "--day", "2026-11-25", "--format", "json",
                                                  "--output", fifo, Self.log])
        #expect(run.status == 65, "\(run.stderrText)")
        var info = stat()
        let stillAFIFO = lstat(fifo, &info) == 0 && info.st_mode & S_IFMT == S_IFIFO
        #expect(stillAFIFO, "the FIFO is still a FIFO")
        // Replaced, the FIFO never got a writer and cat waits forever: stop it rather than read.
        guard stillAFIFO else {
            kill(reader.processIdentifier, SIGKILL)
            reader.waitUntilExit()
            return
        }
        let text = String(decoding: received.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        reader.waitUntilExit()
        #expect(text.hasPrefix("{"), "the document went into the pipe")
    }

    @Test func inputOptionAndRejectsFileLikeTheOtherStages() throws {
        let tmp = try Fixtures.tempFolder("report-rejects")
        defer { try? FileManager.default.removeItem(at: tmp) }
        let rejects = tmp.appendingPathComponent("rejects.ndjson").path
        let run = try ChildProcess.run("report", ["--config", Self.config, "--day", "2026-11-25", "--input", Self.log,
                                                  "--rejects", rejects])
        #expect(run.status == 65)
        let expected = try String(contentsOf: Self.dir.appendingPathComponent("day.out.md"), encoding: .utf8)
        #expect(run.stdoutText == expected)
        let kept = try String(contentsOfFile: rejects, encoding: .utf8).split(separator: "\n")
        #expect(kept.count == 2)
        #expect(kept[0].contains(#""line":201"#) && kept[1].contains(#""line":301"#))
    }

    @Test func clientJSONForOneClient() throws {
        let run = try ChildProcess.run("report", ["--config", Self.config, "--day", "2026-11-25", "--format", "json",
                                                  "--client", "globex", Self.log])
        let expected = try String(contentsOf: Self.dir.appendingPathComponent("day.client-globex.json"), encoding: .utf8)
        #expect(run.stdoutText == expected)
    }

    @Test func aMonthRangeCoversTheDay() throws {
        let run = try ChildProcess.run("report", ["--config", Self.config, "--from", "2026-11-01", "--to", "2026-11-30",
                                                  "--format", "json", Self.log])
        #expect(run.status == 65)
        #expect(run.stdoutText.contains(#""label" : "2026-11-01 to 2026-11-30""#))
        // Same downtime as the day: nothing else happened in the month's log.
        #expect(run.stdoutText.contains(#""down_ms" : 11100000"#))
    }

    @Test(arguments: [
        (["--day", "2026-13-01"], "is not a date"),
        (["--day", "2026-11-25", "--from", "2026-11-01"], "not both"),
        ([], "give --day"),
        (["--day", "2026-11-25", "--client", "nobody"], "--client nobody"),
        (["--day", "2026-11-25", "--format", "pdf"], "pdf"),
    ])
    func badArgumentsExit64(extra: [String], message: String) throws {
        let run = try ChildProcess.run("report", ["--config", Self.config] + extra, stdin: Data())
        #expect(run.status == 64)
        #expect(run.stderrText.contains(message), "stderr: \(run.stderrText)")
        #expect(run.stdout.isEmpty)
    }

    /// On a terminal (a pty from util-linux `script`), the read count is shown on stderr; elsewhere it is not.
    @Test func progressOnlyOnATerminal() throws {
        let script = try InstalledTool.script()
        let report = ChildProcess.executable("report").path
        let command = "'\(report)' --config '\(Self.config)' --day 2026-11-25 --format json --output /dev/null '\(Self.log)'"
        // `script` gives the child a pty, and writes what the child printed there (stdout and stderr) to its stdout.
        let run = try ChildProcess.run(path: script, ["-qec", command, "/dev/null"])
        let text = run.stdoutText + run.stderrText
        #expect(run.status == 65, "\(text)")
        #expect(text.contains("report: 1221 lines read."), "\(text)")
    }

    @Test func aMissingInputFileExits74() throws {
        let run = try ChildProcess.run("report", ["--config", Self.config, "--day", "2026-11-25", "/nonexistent/day.ndjson"])
        #expect(run.status == 74)
        #expect(run.stderrText.contains("/nonexistent/day.ndjson: cannot open"))
        let gz = try ChildProcess.run("report", ["--config", Self.config, "--day", "2026-11-25", "/nonexistent/day.ndjson.gz"])
        #expect(gz.status == 74)
    }

    @Test func slackWithoutAWebhookIsAConfigError() throws {
        let run = try ChildProcess.run("report", ["--config", Self.config, "--day", "2026-11-25", "--format", "slack"], stdin: Data())
        #expect(run.status == 78)
        #expect(run.stderrText.contains("report.slack_webhook"))
    }

    /// The fixture config with `report.slack_webhook: ${REPORT_HOOK}`, written in `folder`; and the webhook's line.
    static func configWithSlackWebhook(in folder: URL) throws -> (file: URL, line: Int) {
        let title = "  title: Agency daily report"
        let yaml = try String(contentsOfFile: config, encoding: .utf8)
        let titleLine = try #require(yaml.components(separatedBy: "\n").firstIndex(of: title), "the fixture config lost its title")
        let file = folder.appendingPathComponent("c.yaml")
        try yaml.replacingOccurrences(of: title, with: title + "\n  slack_webhook: ${REPORT_HOOK}").write(to: file, atomically: true, encoding: .utf8)
        return (file, titleLine + 2)
    }

    @Test func slackPostsToTheConfiguredWebhookWithoutPrintingIt() throws {
        let server = try RecordingServer()
        defer { server.shutdown() }
        let tmp = try Fixtures.tempFolder("report-slack")
        defer { try? FileManager.default.removeItem(at: tmp) }
        let (config, _) = try Self.configWithSlackWebhook(in: tmp)
        var env = ProcessInfo.processInfo.environment
        env["REPORT_HOOK"] = "http://127.0.0.1:\(server.port)/services/HOOKSECRET"
        let run = try ChildProcess.run("report", ["--config", config.path, "--day", "2026-11-25", "--format", "slack", Self.log],
                                       environment: env)
        #expect(run.status == 65, "\(run.stderrText)")
        #expect(server.requests.count == 1)
        #expect(server.requests.first?.text.contains(#""type":"header""#) == true)
        #expect(!run.stderrText.contains("HOOKSECRET") && !run.stdoutText.contains("HOOKSECRET"))
    }

    @Test func aSlackWebhookWithAPortOver65535IsAConfigErrorNotATrap() throws {
        let tmp = try Fixtures.tempFolder("report-slack-port")
        defer { try? FileManager.default.removeItem(at: tmp) }
        let (config, line) = try Self.configWithSlackWebhook(in: tmp)
        var env = ProcessInfo.processInfo.environment
        env["REPORT_HOOK"] = "http://127.0.0.1:99999/services/HOOKSECRET"
        let run = try ChildProcess.run("report", ["--config", config.path, "--day", "2026-11-25", "--format", "slack", Self.log],
                                       environment: env)
        #expect(run.status == 78, "\(run.stderrText)")
        #expect(run.stderrText.contains("\(config.path):\(line): slack_webhook from environment variable REPORT_HOOK has port 99999, outside 1...65535"))
        #expect(!run.stderrText.contains("HOOKSECRET"))
    }
}
