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
    }
}
