import ArgumentParser
import Foundation
import Logging
import LookoutCore
import LookoutMetrics
import LookoutNATS
import LookoutRoute

/// RouteCommand is `route`: its options, and the wiring of the stage from them.
public struct RouteCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "route",
        abstract: "Deliver incident lines to Slack, helpdesks and webhooks, writing a delivery line per attempt.",
        discussion: """
            Reads NDJSON from stdin (or --input), passes every line through to stdout (or --output), and delivers \
            each incident line to the sinks its routes name (docs/routing.md), writing a delivery line per attempt \
            outcome. At the end of input it waits until every delivery is sent or given up. \
            With --input FILE --follow --state FILE it tails the file instead, resuming exactly where it stopped, and \
            writes only its delivery lines, each exactly once (docs/operations.md); SIGTERM stops it after the sends \
            in flight, leaving the rest queued for the next start; its --heartbeat adds queued=N, the deliveries \
            waiting to be sent. \
            Exit status: 0 ok, 64 bad arguments, 65 some input lines were malformed (reported on stderr with their \
            line numbers and set aside), 70 the outbox failed, 74 an I/O error, 78 bad config.
            """,
        version: Stage.version)

    public init() {}

    @Option(name: .long, help: "The YAML config file (docs/config.md, docs/routing.md).")
    var config: String?

    @Flag(name: .long, help: "Use the embedded demo config.")
    var demo = false

    @Option(name: .long, help: "Read NDJSON from this file instead of stdin.")
    var input: String?

    @OptionGroup var files: MessageFileOptions

    @Option(name: .long, help: "Append malformed input lines, with their line numbers and reasons, to this NDJSON file.")
    var rejects: String?

    @Option(name: .long, help: "The SQLite outbox file; queued deliveries survive a crash and are resumed at start (with --follow, also the read position and the delivery lines not yet written). One process per file. Without it the outbox is in memory (replays).")
    var state: String?

    @Flag(name: .long, help: "Print each request that would be sent as a would_send line, secrets redacted, and send nothing.")
    var dryRun = false

    @Option(name: .long, help: "Serve GET /metrics on ADDR:PORT while route runs: each sink's outbox backlog, dead letters and deliveries by outcome, lines read and rejected (docs/metrics.md).")
    var metricsListen: String?

    public func validate() throws {
        if let metricsListen, ListenAddress(metricsListen) == nil {
            throw ValidationError("--metrics-listen must be ADDR:PORT, e.g. 127.0.0.1:9466")
        }
    }

    public func run() async throws {
        StageLogging.bootstrap()
        Stage.ignoreSIGPIPE()
        let logger = Logger(label: "route")
        let loaded = Stage.loadConfig(path: config, demo: demo, routingSecrets: .required)
        let rejected = Stage.makeRejects(source: input ?? "stdin", keepPath: rejects, logger: logger)
        var options = RouteStage.Options(statePath: state, dryRun: dryRun)
        options.metricsListen = metricsListen.flatMap(ListenAddress.init)
        options.io = files.stageIO(input: input)
        options.io.transport = NATSTransport(settings: loaded.nats, name: "route")
        // A backlog queues (and claims) per 4 MiB of input, one commit each; caught up, each read is its own batch.
        options.io.batching = .backlog
        let status = await RouteStage.run(config: loaded, options: options, rejects: rejected, logger: logger)
        if status != .success { throw ExitCode(status.rawValue) }
    }
}
