import ArgumentParser
import Foundation
import Logging
import Lookout

@main
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Build the daily summary of a classified NDJSON log.",
        discussion: "Reads NDJSON from stdin (or --input) and writes NDJSON to stdout. Exit status: 0 ok, 64 bad arguments, 65 some input lines were malformed (reported on stderr with their line numbers and set aside), 74 an output error, 78 bad config.",
        version: Stage.version)

    @Option(name: .long, help: "The YAML config file (docs/config.md).")
    var config: String?

    @Flag(name: .long, help: "Use the embedded demo config.")
    var demo = false

    @Option(name: .long, help: "Read NDJSON from this file instead of stdin.")
    var input: String?

    @Option(name: .long, help: "Append malformed input lines, with their line numbers and reasons, to this NDJSON file.")
    var rejects: String?

    func run() throws {
        StageLogging.bootstrap()
        Stage.ignoreSIGPIPE()
        let logger = Logger(label: "report")
        _ = Stage.loadConfig(path: config, demo: demo)
        let rejected = Stage.makeRejects(source: input ?? "stdin", keepPath: rejects, logger: logger)
        var loop = StageLoop(reader: LineReader(fd: Stage.openInput(input)), writer: .standardOutput, rejects: rejected)
        if let failure = Stage.runLoop({ try loop.run { object, _ in try EventPassThrough.handle(object, writer: .standardOutput) } }, logger: logger) {
            throw ExitCode(failure.rawValue)
        }
        let status = Stage.finish(rejected, logger: logger)
        if status != .success { throw ExitCode(status.rawValue) }
    }
}
