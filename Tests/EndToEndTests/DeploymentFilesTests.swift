import Foundation
import Testing

/// The command lines in `pipelines/systemd/*.service` and `pipelines/supervisord.conf` are run against the built
/// stages, so an option renamed in code cannot leave a unit that exits 64 on every start. On this machine
/// /etc/lookout/lookout.yaml does not exist, so a command whose arguments parse stops at the config with exit 78.
@Suite struct DeploymentFilesTests {
    static let pipelines = Fixtures.repository.appendingPathComponent("pipelines")

    /// Every stage command line: (where it was found, the words of the command).
    static func commands() throws -> [(String, [String])] {
        var found: [(String, [String])] = []
        let units = try FileManager.default.contentsOfDirectory(atPath: pipelines.appendingPathComponent("systemd").path)
            .filter { $0.hasSuffix(".service") }.sorted()
        for unit in units {
            let text = try String(contentsOf: pipelines.appendingPathComponent("systemd/\(unit)"), encoding: .utf8)
            // systemd joins a line ending in a backslash with the next.
            let joined = text.replacingOccurrences(of: "\\\n", with: " ")
            for line in joined.split(separator: "\n") where line.hasPrefix("ExecStart=") {
                found.append((unit, line.dropFirst("ExecStart=".count).split(separator: " ").map(String.init)))
            }
        }
        let conf = try String(contentsOf: pipelines.appendingPathComponent("supervisord.conf"), encoding: .utf8)
        // supervisord continues a value on the indented lines after it.
        let joined = conf.replacingOccurrences(of: "\n    ", with: " ")
        for line in joined.split(separator: "\n") where line.hasPrefix("command=") {
            found.append(("supervisord.conf", line.dropFirst("command=".count).split(separator: " ").map(String.init)))
        }
        return found
    }

    @Test func everyStageCommandParsesAndStopsOnlyAtTheMissingConfig() throws {
        #expect(!FileManager.default.fileExists(atPath: "/etc/lookout/lookout.yaml"), "this test needs a machine without lookout installed")
        let commands = try Self.commands()
        let stages = commands.filter { $0.1.first?.hasPrefix("/usr/local/bin/") == true }
        #expect(stages.count == 6, "probe, classify and route in systemd and in supervisord: \(commands.map(\.0))")
        for (source, words) in stages {
            let name = String(words[0].dropFirst("/usr/local/bin/".count))
            let run = try ChildProcess.run(name, Array(words.dropFirst()), timeout: 30)
            #expect(run.status == 78, "\(source): \(words.joined(separator: " ")): \(run.stderrText)")
            #expect(run.stderrText.contains("/etc/lookout/lookout.yaml"), "\(source): \(run.stderrText)")
        }
    }

    @Test func theReportUnitRunsTheDailyReportScriptOnWhatTheStagesWrite() throws {
        let commands = try Self.commands()
        let report = try #require(commands.first { $0.0 == "lookout-report.service" })
        #expect(report.1.first == "/usr/local/lib/lookout/daily-report")
        #expect(report.1.dropFirst().first == "/etc/lookout/lookout.yaml")
        // CONFIG OUT_DIR LOG...: every log is a file a unit writes with --output.
        let outputs = Set(commands.flatMap { _, words in zip(words, words.dropFirst()).filter { $0.0 == "--output" }.map(\.1) })
        let logs = report.1.dropFirst(3)
        #expect(logs.count == 2 && logs.allSatisfy(outputs.contains), "\(logs) against \(outputs)")
    }

    /// Every service sets an fd limit (systemd's default of 1024 let 1,100 idle connections starve the heartbeat
    /// receiver) and a memory limit.
    @Test(arguments: [("systemd", 4), ("nats", 3)])
    func everyServiceSetsAnFdAndAMemoryLimit(folder: String, count: Int) throws {
        let dir = Self.pipelines.appendingPathComponent(folder)
        let units = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".service") }
        #expect(units.count == count)
        for unit in units {
            let lines = try String(contentsOf: dir.appendingPathComponent(unit), encoding: .utf8).split(separator: "\n")
            #expect(lines.contains { $0.hasPrefix("LimitNOFILE=") }, "\(folder)/\(unit) sets no LimitNOFILE")
            #expect(lines.contains { $0.hasPrefix("MemoryMax=") }, "\(folder)/\(unit) sets no MemoryMax")
        }
    }

    /// The scripts build through `pipelines/build`, which skips `swift build` (10-30 s even with nothing to do) when
    /// no source is newer than the stages; and what they write under run/ is never committed.
    @Test func scriptsBuildOnlyThroughPipelinesBuildAndRunIsIgnored() throws {
        let scripts = try FileManager.default.contentsOfDirectory(atPath: Self.pipelines.path).filter { name in
            var isDirectory: ObjCBool = false
            FileManager.default.fileExists(atPath: Self.pipelines.appendingPathComponent(name).path, isDirectory: &isDirectory)
            return !isDirectory.boolValue && name != "build" && !name.contains(".")
        }
        #expect(scripts.count >= 5, "\(scripts)")
        for name in scripts {
            let text = try String(contentsOf: Self.pipelines.appendingPathComponent(name), encoding: .utf8)
            let calls = text.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("#") && $0.contains("swift build") }
            #expect(calls.isEmpty, "pipelines/\(name) runs swift build itself: \(calls)")
        }
        let build = try String(contentsOf: Self.pipelines.appendingPathComponent("build"), encoding: .utf8)
        #expect(build.contains("-newer"), "pipelines/build checks for changed sources before building")
        let ignore = try String(contentsOf: Fixtures.repository.appendingPathComponent(".gitignore"), encoding: .utf8)
        #expect(ignore.split(separator: "\n").contains { $0 == "/run/" || $0 == "run/" }, "run/ is not in .gitignore")
    }

    /// pipelines/nats/: both server configs are valid for Debian's nats-server, and the leaf keeps lookout's subjects
    /// off its link (or each leaf would also store every other leaf's results: NATSLeafTests runs that shape).
    @Test func theNATSServerConfigsAreValidAndTheLeafKeepsLookoutsSubjectsOffItsLink() throws {
        let server = try InstalledTool.natsServer()
        for name in ["central.conf", "leaf.conf"] {
            let path = Self.pipelines.appendingPathComponent("nats/\(name)").path
            let run = try ChildProcess.run(path: server, ["-c", path, "-t"], timeout: 30)
            #expect(run.status == 0, "\(name): \(run.stderrText)")
        }
        let leaf = try String(contentsOf: Self.pipelines.appendingPathComponent("nats/leaf.conf"), encoding: .utf8)
        #expect(leaf.contains("deny_imports: [\"lookout.>\"]") && leaf.contains("deny_exports: [\"lookout.>\"]"))
    }
}
