import Foundation
import Testing

/// `classify ack|silence|maintenance|note|unsilence|silences` against real files: the lines they append, the
/// refusals (65) and bad arguments (64), two writer processes appending at once, and classify applying the file.
@Suite struct ClassifyControlCommandTests {
    static func folder() throws -> (dir: URL, config: String, control: String) {
        let (dir, config) = try ClassifyExecutableTests.folderWithConfig()
        return (dir, config, dir.appendingPathComponent("control.ndjson").path)
    }

    @Test func silenceWritesOneValidatedLineAndPrintsIt() throws {
        let (dir, config, control) = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try ChildProcess.run("classify", ["silence", "--site", "acme", "--for", "2h", "--reason", "host migration",
                                                   "--by", "arron", "--id", "s1", "--at", "2026-11-24T10:00:00Z",
                                                   "--config", config, "--control", control], timeout: 30)
        #expect(run.status == 0, "\(run.stderrText)")
        let line = #"{"v":1,"type":"silence","id":"s1","site":"acme","start":"2026-11-24T10:00:00Z","end":"2026-11-24T12:00:00Z","reason":"host migration","by":"arron","at":"2026-11-24T10:00:00Z"}"#
        #expect(try String(contentsOfFile: control, encoding: .utf8) == line + "\n")
        #expect(run.stdoutText == line + "\n")
        #expect(run.stderrText.contains("silence s1 from 2026-11-24T10:00:00Z to 2026-11-24T12:00:00Z"))

        let listed = try ChildProcess.run("classify", ["silences", "--control", control, "--at", "2026-11-24T11:00:00Z"], timeout: 30)
        #expect(listed.stdoutText == line + "\n")
        _ = try ChildProcess.run("classify", ["unsilence", "s1", "--by", "arron", "--at", "2026-11-24T10:30:00Z",
                                              "--config", config, "--control", control], timeout: 30)
        let after = try ChildProcess.run("classify", ["silences", "--control", control, "--at", "2026-11-24T11:00:00Z"], timeout: 30)
        #expect(after.status == 0)
        #expect(after.stdoutText == "")

        _ = try ChildProcess.run("classify", ["maintenance", "--site", "acme", "--for", "30m", "--by", "arron", "--id", "m1",
                                              "--at", "2026-11-24T10:50:00Z", "--config", config, "--control", control], timeout: 30)
        #expect(try ChildProcess.run("classify", ["silences", "--control", control, "--at", "2026-11-24T11:00:00Z"], timeout: 30)
            .stdoutText.contains(#""type":"maintenance","id":"m1""#))
        let cancel = try ChildProcess.run("classify", ["cancel", "m1", "--by", "arron", "--at", "2026-11-24T10:55:00Z",
                                                       "--config", config, "--control", control], timeout: 30)
        #expect(cancel.stdoutText == #"{"v":1,"type":"cancel","id":"m1","by":"arron","at":"2026-11-24T10:55:00Z"}"# + "\n")
        #expect(try ChildProcess.run("classify", ["silences", "--control", control, "--at", "2026-11-24T11:00:00Z"], timeout: 30).stdoutText == "")
    }

    @Test(arguments: [
        (["silence", "--site", "globex", "--for", "1h", "--reason", "r", "--by", "x"], Int32(65), "matches no configured check"),
        (["silence", "--site", "acme", "--for", "8d", "--reason", "r", "--by", "x"], Int32(65), "over the maximum of 7d"),
        (["ack", "nope/1", "--by", "x"], Int32(65), #"no check "nope" in the config"#),
        (["ack", "acme-home", "--by", "x"], Int32(65), "an incident id is <check>/<epoch ms>"),
        (["silence", "--for", "1h", "--reason", "r", "--by", "x"], Int32(64), "name at least one of --check, --site, --client"),
        (["silence", "--site", "acme", "--for", "soon", "--reason", "r", "--by", "x"], Int32(64), "--for must be a span"),
        (["note", "acme-home/1", "--by", "x"], Int32(64), "give exactly one of --public and --internal"),
        (["unsilence", "never", "--by", "x"], Int32(65), #"no silence or on-demand maintenance window with id "never""#),
        (["cancel", "never", "--by", "x"], Int32(65), #"no silence or on-demand maintenance window with id "never""#),
    ])
    func refusesBadInputWith65AndBadArgumentsWith64(args: [String], status: Int32, reason: String) throws {
        let (dir, config, control) = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try ChildProcess.run("classify", args + ["--config", config, "--control", control], timeout: 30)
        #expect(run.status == status, "\(run.stderrText)")
        #expect(run.stderrText.contains(reason), "\(run.stderrText)")
        let written = (try? String(contentsOfFile: control, encoding: .utf8)) ?? ""
        #expect(written.isEmpty)
    }

    /// With classify's `--state`, `classify ack` refuses an incident that is not open there (65, nothing written); the
    /// open one is acknowledged. (Without it, classify refuses the line in the stream.)
    @Test func ackWithTheStateRefusesAnIncidentThatIsNotOpen() throws {
        let (dir, config, control) = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let state = dir.appendingPathComponent("classify.sqlite").path
        let results = (0..<5).map { k in
            #"{"v":1,"type":"result","check":"acme-home","at":"2026-11-24T08:0\#(k):00Z","ok":false,"error":"connection refused"}"#
        }.joined(separator: "\n") + "\n"
        let classified = try ChildProcess.run("classify", ["--config", config, "--state", state], stdin: Data(results.utf8), timeout: 30)
        #expect(classified.status == 0, "\(classified.stderrText)")
        let opened = try #require(classified.stdoutLines.first { $0.contains(#""type":"incident""#) && $0.contains(#""event":"opened""#) })
        let id = try #require(opened.firstMatch(of: /"id":"([^"]+)"/)?.output.1)
        let refused = try ChildProcess.run("classify", ["ack", "acme-home/1", "--by", "callum", "--config", config, "--control", control,
                                                       "--classify-state", state], timeout: 30)
        #expect(refused.status == 65)
        #expect(refused.stderrText.contains(#"refused: unknown incident "acme-home/1": no open incident has that id"#), "\(refused.stderrText)")
        #expect(!FileManager.default.fileExists(atPath: control), "a refused ack writes nothing")
        let mistyped = dir.appendingPathComponent("clasify.sqlite").path
        let missing = try ChildProcess.run("classify", ["ack", String(id), "--by", "callum", "--config", config, "--control", control,
                                                       "--classify-state", mistyped], timeout: 30)
        #expect(missing.status == 74 && missing.stderrText.contains("no such classify state file"), "\(missing.stderrText)")
        #expect(!FileManager.default.fileExists(atPath: mistyped), "a mistyped state path is not created")
        let acked = try ChildProcess.run("classify", ["ack", String(id), "--by", "callum", "--config", config, "--control", control,
                                                     "--classify-state", state], timeout: 30)
        #expect(acked.status == 0, "\(acked.stderrText)")
        #expect(try String(contentsOfFile: control, encoding: .utf8).contains(#""incident":"\#(id)""#))
    }

    /// In the stream, a control line classify refuses is named by its line number, on stderr and in the rejects
    /// file, and the lines after it are classified.
    @Test func aRefusedControlLineIsNamedByItsLineNumber() throws {
        let (dir, config, _) = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let rejects = dir.appendingPathComponent("rejects.ndjson").path
        let result = { (minute: Int) in #"{"v":1,"type":"result","check":"acme-home","at":"2026-11-24T08:0\#(minute):00Z","ok":true}"# }
        let input = [result(0), result(1), #"{"v":1,"type":"ack","incident":"acme-home/1","by":"callum","at":"2026-11-24T08:02:00Z"}"#,
                     #"{"v":1,"type":"unsilence","id":"never","by":"callum","at":"2026-11-24T08:02:30Z"}"#, result(3)]
        let run = try ChildProcess.run("classify", ["--config", config, "--rejects", rejects],
                                       stdin: Data((input.joined(separator: "\n") + "\n").utf8), timeout: 30)
        #expect(run.status == 65)
        #expect(run.stderrText.contains(#"stdin:3: unknown incident "acme-home/1""#), "\(run.stderrText)")
        #expect(run.stderrText.contains(#"stdin:4: no silence with id "never""#), "\(run.stderrText)")
        let kept = try String(contentsOfFile: rejects, encoding: .utf8).split(separator: "\n")
        #expect(kept.count == 2 && kept[0].contains(#""line":3"#) && kept[1].contains(#""line":4"#), "\(kept)")
        #expect(run.stdoutLines.filter { $0.contains(#""type":"result""#) }.count == 3, "the lines around them are classified")
    }

    /// Two processes appending long notes at once: every line arrives whole, none lost.
    @Test func twoConcurrentWritersNeverInterleave() throws {
        let (dir, config, control) = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bin = ChildProcess.executable("classify").path
        let script = """
            writer() { for i in $(seq 1 12); do "$0" note acme-home/1 --public "$1-$i-$(printf '%*s' 6000 '' | tr ' ' "$1")" \
              --by "$1" --config "$2" --control "$3" > /dev/null 2>&1 || exit 1; done; }
            writer a "$1" "$2" & A=$!
            writer b "$1" "$2" & B=$!
            wait $A && wait $B
            """
        let run = try ChildProcess.run(path: "/bin/bash", ["-c", script.replacingOccurrences(of: "\"$0\"", with: "\"\(bin)\""),
                                                           "bash", config, control], timeout: 60)
        #expect(run.status == 0, "\(run.stderrText)")
        let lines = try String(contentsOfFile: control, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 24)
        for line in lines {
            let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            let text = o?["text"] as? String ?? ""
            let who = o?["by"] as? String ?? "?"
            #expect(text.hasPrefix("\(who)-") && text.hasSuffix(String(repeating: who, count: 6000)))
        }
    }

    /// The control file is classify's input: a silence written by the command holds the incident that follows.
    @Test func classifyAppliesTheControlFile() throws {
        let (dir, config, control) = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let silence = try ChildProcess.run("classify", ["silence", "--check", "acme-home", "--for", "1h", "--reason", "r",
                                                       "--by", "x", "--at", "2026-11-24T09:59:00Z", "--config", config,
                                                       "--control", control], timeout: 30)
        #expect(silence.status == 0)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: control))
        handle.seekToEndOfFile()
        handle.write(Data(ClassifyExecutableTests.results("xxxxx", startMinute: 0).utf8))
        try handle.close()
        let run = try ClassifyExecutableTests.classify(["--config", config, "--input", control])
        #expect(run.status == 0)
        #expect(run.stdout.contains(#""event":"opened""#) && run.stdout.contains(#""severity":"none","at""#))
        #expect(run.stdout.contains(#""maintenance":"silence:"#))
    }
}
