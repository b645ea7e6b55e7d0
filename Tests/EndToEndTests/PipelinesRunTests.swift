import Foundation
import Testing

/// `pipelines/run`, the one-command supervised chain, run for real on the embedded demo config: every stage is
/// killed with SIGKILL in turn, the script restarts it within seconds, and at the end the classified file holds
/// each result probe wrote exactly once, in order; Ctrl-C (SIGTERM here) stops everything.
@Suite(.serialized) struct PipelinesRunTests {
    static let repository = Fixtures.repository

    static func lines(_ path: String) -> [String] {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        // Only complete lines: the file may end mid-line while a stage writes.
        return text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    /// A result's identity: the same check, time and location is the same run.
    static func resultKeys(_ path: String) -> [String] {
        lines(path).compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  object["type"] as? String == "result" else { return nil }
            return "\(object["check"] ?? "")@\(object["at"] ?? "")"
        }
    }

    /// The keys of the deliveries sent.
    static func sentKeys(_ path: String) -> [String] {
        lines(path).filter { $0.contains("\"type\":\"delivery\"") && $0.contains("\"outcome\":\"sent\"") }
            .compactMap { line in line.range(of: #""key":"[^"]*""#, options: .regularExpression).map { String(line[$0]) } }
    }

    static func pid(_ dir: URL, _ stage: String) -> pid_t? {
        (try? String(contentsOf: dir.appendingPathComponent("\(stage).pid"), encoding: .utf8))
            .flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    static func alive(_ pid: pid_t) -> Bool { kill(pid, 0) == 0 }

    @Test(.timeLimit(.minutes(3)))
    func everyStageKilledIsRestartedAndTheClassifiedFileHoldsEachResultOnce() async throws {
        let dir = try Fixtures.tempFolder("run")
        defer { try? FileManager.default.removeItem(at: dir) }
        let log = dir.appendingPathComponent("run.log").path
        let run = try SpawnedProcess("/bin/bash", [Self.repository.appendingPathComponent("pipelines/run").path, "--dir", dir.path],
                                     logPath: log,
                                     environment: ["LOOKOUT_BIN": ChildProcess.productsDirectory.path, "LOOKOUT_HEARTBEAT": "1"])
        defer { run.killGroup() }
        let results = dir.appendingPathComponent("results.ndjson").path
        let classified = dir.appendingPathComponent("classified.ndjson").path
        var diagnostics: String { "log:\n" + ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "") }

        #expect(await waitUntil(timeout: 60) { Self.resultKeys(classified).count >= 5 }, "the chain never came up; \(diagnostics)")
        var killed: [pid_t] = []
        for stage in ["classify", "probe", "route"] {
            guard let old = Self.pid(dir, stage) else {
                Issue.record("no pid file for \(stage); \(diagnostics)")
                return
            }
            let before = Self.resultKeys(classified).count
            kill(old, SIGKILL)
            killed.append(old)
            let restarted = await waitUntil(timeout: 15) {
                guard let new = Self.pid(dir, stage) else { return false }
                return new != old && Self.alive(new)
            }
            #expect(restarted, "\(stage) was not restarted; \(diagnostics)")
            #expect(await waitUntil(timeout: 30) { Self.resultKeys(classified).count >= before + 3 },
                    "no results flowed after \(stage) was restarted; \(diagnostics)")
        }
        // The demo config routes the demo target's outage (a few seconds after probe's start) to chat and helpdesk.
        let deliveries = dir.appendingPathComponent("deliveries.ndjson").path
        #expect(await waitUntil(timeout: 30) { Self.sentKeys(deliveries).count >= 2 }, "no delivery was sent; \(diagnostics)")
        // The status site is kept live in the run folder.
        let board = dir.appendingPathComponent("status/index.html").path
        #expect(await waitUntil(timeout: 30) {
            ((try? String(contentsOfFile: board, encoding: .utf8)) ?? "").contains("Monitor health")
        }, "no status board in the run folder; \(diagnostics)")
        let stages = ["probe", "classify", "route", "status"].compactMap { Self.pid(dir, $0) }
        run.signal(SIGTERM)
        #expect(run.wait(timeout: 30) == 0, "pipelines/run did not stop cleanly on SIGTERM; \(diagnostics)")
        for pid in stages + killed { #expect(!Self.alive(pid), "a stage (pid \(pid)) outlived pipelines/run") }

        // classify's output is in its input's order: every result it wrote is the next one probe wrote.
        let written = Self.resultKeys(results)
        let passed = Self.resultKeys(classified)
        #expect(passed.count >= 10)
        #expect(Set(passed).count == passed.count, "a result was classified twice")
        #expect(Array(written.prefix(passed.count)) == passed, "classified results are not exactly probe's, in order")
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(text.components(separatedBy: "restarting in").count - 1 == 3, "\(diagnostics)")
        // Each stage beats (LOOKOUT_HEARTBEAT=1), prefixed with its name.
        #expect(text.contains("[probe] ") && text.contains("heartbeat probe: checks=6"), "\(diagnostics)")
        #expect(text.contains("heartbeat classify: in="), "\(diagnostics)")
        #expect(text.contains("heartbeat route: in=") && text.contains("queued="), "\(diagnostics)")
        #expect(text.contains("status site: \(dir.path)/status/index.html"), "\(diagnostics)")
        // The demo config routes its outage: the deliveries file holds the messages, each sent once, route's
        // SIGKILL notwithstanding.
        let sent = Self.sentKeys(deliveries)
        #expect(Set(sent).count == sent.count, "a delivery was sent twice: \(sent)")
    }

    /// `pipelines/demo --once` tells the whole story on the terminal, in words: the outage confirmed, announced once
    /// in #outages, ticketed, resolved and solved, and the report's path; the NDJSON goes to the files it names.
    /// In this serialized suite because the demo, like `pipelines/run`'s probe, listens on the standard demo ports.
    @Test(.timeLimit(.minutes(2)))
    func demoOnceShowsAnOutageDetectedAnnouncedTicketedResolvedAndReported() throws {
        let dir = try Fixtures.tempFolder("demo")
        defer { try? FileManager.default.removeItem(at: dir) }
        let log = dir.appendingPathComponent("demo.log").path
        let run = try SpawnedProcess("/bin/bash", [Self.repository.appendingPathComponent("pipelines/demo").path, "--once"],
                                     logPath: log,
                                     environment: ["LOOKOUT_BIN": ChildProcess.productsDirectory.path,
                                                   "LOOKOUT_DEMO_DIR": dir.appendingPathComponent("out").path])
        defer { run.killGroup() }
        let status = run.wait(timeout: 90)
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(status == 0, "\(text)")
        func count(_ s: String) -> Int { text.components(separatedBy: s).count - 1 }
        #expect(count("incident  acme-home opened (critical)") == 1, "\(text)")
        #expect(count("#outages  ACME Ltd (acme-home) is down") == 1, "\(text)")
        #expect(count("helpdesk  ticket #1 opened") == 1, "\(text)")
        #expect(count("incident  acme-home resolved (critical)") == 1, "\(text)")
        #expect(count("helpdesk  ticket #1 solved") == 1, "\(text)")
        #expect(count("#outages  ACME Ltd (acme-home) recovered after") == 1, "\(text)")
        #expect(!text.contains("{\"v\":1"), "raw NDJSON over the story: \(text)")
        let report = dir.appendingPathComponent("out/report.html").path
        #expect(text.contains(report))
        #expect(FileManager.default.fileExists(atPath: report))
        // The status site holds the end of the story: the board and ACME's page, which shows the resolved outage.
        let board = dir.appendingPathComponent("out/status/index.html").path
        #expect(text.contains(board), "\(text)")
        #expect(((try? String(contentsOfFile: board, encoding: .utf8)) ?? "").contains("Monitor health"))
        let routed = Self.lines(dir.appendingPathComponent("out/routed.ndjson").path)
        #expect(routed.filter { $0.contains("\"type\":\"delivery\"") && $0.contains("\"outcome\":\"sent\"") }.count == 4)
    }
}
