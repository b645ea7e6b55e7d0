import Foundation
import Testing

/// Runs the built `classify` as a child process, as a supervisor would, including a restart mid-outage.
@Suite struct ClassifyExecutableTests {
    struct Output { var status: Int32; var stdout: String; var stderr: String }

    static func classify(_ args: [String], stdin: String = "") throws -> Output {
        let run = try ChildProcess.run("classify", args, stdin: Data(stdin.utf8), timeout: 30)
        return Output(status: run.status, stdout: run.stdoutText, stderr: run.stderrText)
    }

    static let config = """
        timezone: Europe/London
        tiers:
          enhanced: {outage: critical, degraded: warning}
        defaults: {every: 30s, confirm: {failures: 3, for: 90s}, recover: {successes: 2}}
        sites:
          - id: acme
            tier: enhanced
            checks:
              - {id: acme-home, tcp: "acme.example:443"}
        """

    /// The programs and files the checks use need to exist only where probe runs them: a central host without
    /// Chromium, the exec check's plugin or the checks' `ca_file`s still classifies, routes and reports (each refused
    /// the config with exit 78).
    @Test func onlyProbeNeedsTheProgramsTheChecksRun() throws {
        let dir = try Fixtures.tempFolder("checks-run-here")
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("c.yaml").path
        try """
            tiers: {enhanced: {outage: critical}}
            sites:
              - id: acme
                tier: enhanced
                checks:
                  - {id: acme-shop, browser: "http://127.0.0.1:9/"}
                  - {id: acme-disk, exec: "/nonexistent/check_disk -w 10%"}
                  - {id: acme-cert, tls: "127.0.0.1:443", ca_file: /nonexistent/ca.pem}
                  - {id: acme-api, http: "https://127.0.0.1/", ca_file: /nonexistent/ca.pem}
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let environment = ChildProcess.environment(adding: ["LOOKOUT_CHROMIUM": "/nonexistent/chromium"])
        for stage in ["classify", "route", "report"] {
            let args = stage == "report" ? ["--config", config, "--day", "2026-11-25"] : ["--config", config]
            let run = try ChildProcess.run(stage, args, environment: environment, timeout: 30)
            #expect(run.status == 0, "\(stage): \(run.stderrText)")
        }
        let probe = try ChildProcess.run("probe", ["--config", config, "--once"], environment: environment, timeout: 30)
        #expect(probe.status == 78)
        #expect(probe.stderrText.contains("c.yaml:6: browser checks need chromium: LOOKOUT_CHROMIUM=/nonexistent/chromium is not an executable file"),
                "\(probe.stderrText)")
    }

    /// A temp folder with `config` written in it as config.yaml; the caller removes the folder.
    static func folderWithConfig() throws -> (dir: URL, config: String) {
        let dir = try Fixtures.tempFolder("chain")
        let path = dir.appendingPathComponent("config.yaml").path
        try Data(config.utf8).write(to: URL(fileURLWithPath: path))
        return (dir, path)
    }

    static func results(_ pattern: String, startMinute: Int) -> String {
        pattern.enumerated().map { k, c in
            let s = startMinute * 60 + k * 30
            let at = String(format: "2026-11-24T10:%02d:%02dZ", s / 60, s % 60)
            return "{\"v\":1,\"type\":\"result\",\"check\":\"acme-home\",\"at\":\"\(at)\",\"ok\":\(c == ".")}"
        }.joined(separator: "\n") + "\n"
    }

    static func incidentEvents(_ stdout: String) -> [String] {
        stdout.split(separator: "\n").filter { $0.contains("\"type\":\"incident\"") }.compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["event"] as? String
        }
    }

    @Test func restartMidOutageWithStateFile() throws {
        let (dir, configPath) = try Self.folderWithConfig()
        defer { try? FileManager.default.removeItem(at: dir) }
        let state = dir.appendingPathComponent("classify.sqlite").path

        let first = try Self.classify(["--config", configPath, "--state", state], stdin: Self.results("..xxxxxxxx", startMinute: 0))
        #expect(first.status == 0)
        #expect(Self.incidentEvents(first.stdout) == ["opened"])

        let second = try Self.classify(["--config", configPath, "--state", state, "--summary"],
                                       stdin: Self.results("xxxx...", startMinute: 5))
        #expect(second.status == 0)
        #expect(Self.incidentEvents(second.stdout) == ["resolved"])
        #expect(second.stderr.contains("classify summary: 7 results"))
    }

    @Test func unknownCheckIsReportedOnceAndPassedThrough() throws {
        let (dir, configPath) = try Self.folderWithConfig()
        defer { try? FileManager.default.removeItem(at: dir) }
        let line = "{\"v\":1,\"type\":\"result\",\"check\":\"ghost\",\"at\":\"2026-11-24T10:00:00Z\",\"ok\":false}\n"
        let out = try Self.classify(["--config", configPath], stdin: line + line + "not json\n")
        #expect(out.status == 65)
        #expect(out.stdout.split(separator: "\n").count == 2)
        #expect(out.stdout.contains("\"state\":\"unknown\""))
        #expect(out.stderr.components(separatedBy: "unknown check \"ghost\"").count == 2)
        #expect(out.stderr.contains("stdin:3:"))
    }
}
