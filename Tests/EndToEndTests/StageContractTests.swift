import Foundation
import Testing

/// The contract every executable keeps: streams survive bad lines, exit codes mean what README.md says, stdout
/// carries only NDJSON, and secrets never leak.
@Suite struct StageContractTests {
    static let stages = ["probe", "classify", "route", "report"]
    static let demoConfig = Fixtures.url("config/valid.yaml").path

    static func result(_ k: Int) -> String {
        #"{"v":1,"type":"result","check":"acme-smtp","at":"2026-11-25T08:00:00Z","ok":true,"seq":\#(k),"x":{"keep":[1,"two"]}}"#
    }

    @Test(arguments: ["classify", "route"])
    func oneMalformedLineAmongTenThousandLosesNothingElse(stage: String) throws {
        var lines = (1...10_000).map(StageContractTests.result)
        lines[4_999] = #"{"v":1,"type":"result","check":"acme-smtp","at":"2026-11-25T08:00:00Z","ok":tru"#
        let input = Data((lines.joined(separator: "\n") + "\n").utf8)
        let run = try ChildProcess.run(stage, ["--config", StageContractTests.demoConfig], stdin: input)
        #expect(run.status == 65, "exit 65 says some input lines were set aside")
        let out = run.stdoutLines
        #expect(out.count == 9_999)
        if stage == "route" {
            // route passes non-incident lines through unchanged.
            #expect(out == lines.enumerated().filter { $0.offset != 4_999 }.map(\.element))
        } else {
            #expect(out.allSatisfy { $0.contains(#""x":{"keep":[1,"two"]}"#) })
            #expect(out.contains { $0.contains(#""seq":4999,"#) } && out.contains { $0.contains(#""seq":5001,"#) })
        }
        #expect(run.stderrText.contains("stdin:5000: not valid JSON"), "stderr: \(run.stderrText)")
        #expect(run.stderrText.contains("1 bad line set aside"))
    }

    /// The documented cap (README, docs/events.md): stderr names the first 100 bad lines, then only counts; the
    /// rejects file keeps every one.
    @Test(arguments: ["classify", "route", "report"])
    func stderrNamesTheFirst100BadLinesAndTheRejectsFileKeepsEveryOne(stage: String) throws {
        let dir = try Fixtures.tempFolder("rejects-cap")
        defer { try? FileManager.default.removeItem(at: dir) }
        let rejects = dir.appendingPathComponent("rejects.ndjson").path
        let input = Data((1...150).map { "garbage \($0)" }.joined(separator: "\n").utf8 + [10])
        let day = stage == "report" ? ["--day", "2026-11-25"] : []
        let run = try ChildProcess.run(stage, ["--config", StageContractTests.demoConfig, "--rejects", rejects] + day, stdin: input)
        #expect(run.status == 65)
        let named = run.stderrText.split(separator: "\n").filter { $0.contains(": not valid JSON") }
        #expect(named.count == 100, "\(named.count) named")
        #expect(named.last?.contains("stdin:100:") == true)
        #expect(run.stderrText.contains("more than 100 bad lines; only the count is reported from now on, every one is kept in the rejects file"))
        #expect(run.stderrText.contains("150 bad lines set aside"))
        let kept = try String(contentsOfFile: rejects, encoding: .utf8).split(separator: "\n")
        #expect(kept.count == 150)
        #expect(kept.last?.contains(#""line":150"#) == true)
    }

    /// An output that cannot be written stops the run with exit 74, said as every error that stops a run is: one
    /// bare line, no time or level (it was a `critical` log line).
    @Test(arguments: ["classify", "route"])
    func anUnwritableOutputStopsWithOneBareLine(stage: String) throws {
        // Under a pipe's 64 KiB: the stage stops before reading it all, and a larger write would SIGPIPE this process.
        let input = Data((1...200).map(StageContractTests.result).joined(separator: "\n").utf8 + [10])
        let run = try ChildProcess.run(path: "/bin/bash", ["-c", "exec \"$0\" --config \"$1\" > /dev/full",
                                                           ChildProcess.executable(stage).path, StageContractTests.demoConfig],
                                       stdin: input)
        #expect(run.status == 74, "\(run.stderrText)")
        // (route logs a notice while running first: no sinks configured.)
        let stop = run.stderrText.split(separator: "\n").filter { $0.contains("cannot write output") }
        #expect(stop == ["cannot write output: No space left on device"], "\(run.stderrText)")
    }

    @Test func rejectedLinesAreKeptAsideWithTheirNumbers() throws {
        let dir = try Fixtures.tempFolder("rejects")
        defer { try? FileManager.default.removeItem(at: dir) }
        let rejects = dir.appendingPathComponent("rejects.ndjson").path
        let input = Data((StageContractTests.result(1) + "\ngarbage\n" + #"{"v":1,"type":"result"}"# + "\n").utf8)
        let run = try ChildProcess.run("route", ["--config", StageContractTests.demoConfig, "--rejects", rejects], stdin: input)
        #expect(run.status == 65)
        let kept = try String(contentsOfFile: rejects, encoding: .utf8).split(separator: "\n")
        #expect(kept.count == 2)
        #expect(kept[0].contains(#""line":2"#) && kept[0].contains(#""text":"garbage""#))
        #expect(kept[1].contains(#""line":3"#) && kept[1].contains(#"missing required field \"check\""#))
    }

    @Test(arguments: stages)
    func unknownArgumentsExit64(stage: String) throws {
        let run = try ChildProcess.run(stage, ["--no-such-option"])
        #expect(run.status == 64)
        #expect(run.stdout.isEmpty)
    }

    @Test(arguments: stages)
    func badConfigExits78WithFileAndLine(stage: String) throws {
        let path = Fixtures.url("config/invalid/unknown-tier.yaml").path
        let run = try ChildProcess.run(stage, ["--config", path])
        #expect(run.status == 78)
        #expect(run.stderrText == "\(path):8: unknown tier \"gold\" for site acme (known: enhanced, standard)\n")
        #expect(run.stdout.isEmpty)
    }

    @Test(arguments: stages)
    func versionAndHelp(stage: String) throws {
        #expect(try ChildProcess.run(stage, ["--version"]).stdoutText == "0.1.0\n")
        let help = try ChildProcess.run(stage, ["--help"])
        #expect(help.status == 0)
        #expect(help.stdoutText.contains("--config"))
    }

    @Test func probeDemoPrintsResultLines() throws {
        let run = try ChildProcess.run("probe", ["--demo", "--once"], timeout: 30)
        #expect(run.status == 0, "\(run.stderrText)")
        let lines = run.stdoutLines
        #expect(!lines.isEmpty)
        #expect(lines.allSatisfy { $0.hasPrefix(#"{"v":1,"type":"result","check":""#) })
    }

    /// A secret resolved from the environment never appears in any output, even when an error quotes it.
    @Test func secretsNeverReachStdoutOrStderr() throws {
        let secret = "https://hooks.slack.example/services/T000/B000/SECRETSECRET"
        let dir = try Fixtures.tempFolder("redact")
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("c.yaml")
        // The secret is the tcp target here only to make the process print it in an error; what matters is that
        // a value that came through ${ENV} is masked wherever it would be printed.
        try """
        tiers: {enhanced: {outage: critical}}
        sites:
          - id: acme
            tier: enhanced
            checks:
              - id: acme-api
                tcp: 127.0.0.1:1
                send: ${LOOKOUT_TEST_SECRET}
        """.write(to: config, atomically: true, encoding: .utf8)
        var env = ProcessInfo.processInfo.environment
        env["LOOKOUT_TEST_SECRET"] = secret
        let rejects = dir.appendingPathComponent("rejects.ndjson").path
        let lines = #"{"v":1,"type":"result","check":"acme-api","at":"2026-11-25T08:00:00Z","ok":false}"# + "\nbad \(secret)\n"
        for stage in ["classify", "route"] {
            let run = try ChildProcess.run(stage, ["--config", config.path, "--rejects", rejects], stdin: Data(lines.utf8),
                                           environment: env)
            #expect(run.status == 65)
            #expect(!run.stderrText.contains("SECRETSECRET"), "\(stage) stderr leaks: \(run.stderrText)")
            #expect(!run.stdoutText.contains("SECRETSECRET"))
        }
        let kept = try String(contentsOfFile: rejects, encoding: .utf8)
        #expect(!kept.contains("SECRETSECRET"))
        #expect(kept.contains("bad [redacted]"))
    }
}
