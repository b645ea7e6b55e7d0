import ArgumentParser
import Foundation
import Logging
import Lookout

@main
struct Probe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Run the configured checks and write one NDJSON result line per check run to stdout.",
        version: Stage.version)

    @Option(name: .long, help: "The YAML config file (docs/config.md).")
    var config: String?

    @Flag(name: .long, help: "Use the embedded demo config against a demo target started on 127.0.0.1.")
    var demo = false

    @Flag(name: .long, help: "Run every check once, write the results, and exit.")
    var once = false

    @Option(name: .customLong("check"), help: "Run only this check id (repeatable).")
    var checkIDs: [String] = []

    @Option(name: .long, help: "Stamp every result with this location name (for multi-location setups).")
    var location: String?

    @Option(name: .long, help: "How many checks may run at the same time.")
    var concurrency = 64

    func run() async throws {
        StageLogging.bootstrap()
        Stage.ignoreSIGPIPE()
        let logger = Logger(label: "probe")
        let site = demo ? try DemoSite() : nil
        let config = Stage.loadConfig(path: config, demo: demo, demoPort: site?.port ?? 0)
        var checks = config.allChecks
        if !checkIDs.isEmpty {
            for id in checkIDs where config.check(id) == nil { Stage.fail("probe: unknown check id \"\(id)\"", status: .usage) }
            checks = checks.filter { checkIDs.contains($0.id) }
        }
        let runner = ProbeRunner(checks: checks, location: location, writer: .standardOutput,
                                 concurrency: concurrency, logger: logger)
        do {
            if once { try await runner.runOnce() } else { try await runner.runForever() }
        } catch LineWriter.WriteError.closed {
            return
        }
    }
}
