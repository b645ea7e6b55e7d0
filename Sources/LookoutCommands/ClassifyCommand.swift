import ArgumentParser
import Foundation
import Logging
import LookoutClassify
import LookoutCore
import LookoutMetrics
import LookoutNATS

/// ConfigFileOption is `--config FILE`, one declaration shared by `classify` and its subcommands.
public struct ConfigFileOption: ParsableArguments {
    public init() {}
    @Option(name: .long, help: "The YAML config file (docs/config.md).")
    public var config: String?
}

/// ClassifyCommand is `classify`: its options, and the wiring of the stage from them.
public struct ClassifyCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Enrich results with site, tier, maintenance and state, and write incident lines on confirmed transitions.",
        discussion: """
            Reads NDJSON from stdin (or --input) and writes NDJSON to stdout: every result with "site", "tier", \
            "maintenance", "state" and "severity" added, other lines unchanged, and "incident" lines when an outage, \
            degradation or flapping is confirmed, changes or resolves (docs/classify.md). Time comes only from the \
            events, so the same input and config always give the same output. \
            Exit status: 0 ok, 64 bad arguments, 65 some input lines were malformed (reported on stderr with their \
            line numbers and set aside), 74 an I/O or state error, 78 bad config.
            """,
        version: Stage.version,
        subcommands: [AckCommand.self, SilenceCommand.self, MaintenanceCommand.self, NoteCommand.self,
                      EndWindowCommand.self, SilencesCommand.self])

    public init() {}

    /// Shared with the control subcommands, so `classify silence --config FILE` reaches them.
    @OptionGroup var configFile: ConfigFileOption
    var config: String? { configFile.config }

    @Flag(name: .long, help: "Use the embedded demo config.")
    var demo = false

    @Option(name: .long, help: "Read NDJSON from this file instead of stdin, or from nats://HOST:PORT/SUBJECT (wildcards allowed; with --state, resumed after the last stream sequence handled; with --follow, waiting for more).")
    var input: String?

    @OptionGroup var files: MessageFileOptions

    @Option(name: .long, help: "Append malformed input lines, with their line numbers and reasons, to this NDJSON file.")
    var rejects: String?

    @Option(name: .long, help: "Keep each check's state and open incidents in this SQLite file, committed before the lines that depend on it are written, so a restart neither loses nor repeats an incident. Without it state is in memory (replays).")
    var state: String?

    @Option(name: .long, help: "Serve GET /metrics on ADDR:PORT: each check's state, open incidents, each client's error budget, lines read and rejected (docs/metrics.md).")
    var metricsListen: String?

    public func validate() throws {
        if let metricsListen, ListenAddress(metricsListen) == nil {
            throw ValidationError("--metrics-listen must be ADDR:PORT, e.g. 127.0.0.1:9465")
        }
    }

    @Flag(name: .long, help: "At the end, print to stderr per tier how many incidents opened (by severity), how many blips were absorbed and how many alerts fell in maintenance.")
    var summary = false

    public func run() throws {
        StageLogging.bootstrap()
        Stage.ignoreSIGPIPE()
        let logger = Logger(label: "classify")
        let settings = Stage.loadConfig(path: config, demo: demo)
        let lock: StateLock?
        do { lock = try state.map { try StateLock(path: $0, stage: "classify") } } catch {
            Stage.fail("\(error)", status: .ioError)
        }
        defer { withExtendedLifetime(lock) {} }
        let store: ClassifyStateStore?
        let classifier: Classifier
        let committed: StreamPosition?
        do {
            store = try state.map { try ClassifyStateStore(path: $0) }
            classifier = try Classifier(config: settings, store: store, logger: logger)
            committed = files.follow || NATSTransport.isAddress(input) ? try store?.loadPosition() : nil
        } catch {
            Stage.fail("\(state ?? "state"): cannot open the classify state: \(error)", status: .ioError)
        }
        if files.follow && state == nil { logger.warning("--follow without --state: a restart reads the input from its start again") }
        let io: StageIO
        var options = files.stageIO(input: input)
        options.transport = NATSTransport(settings: settings.nats, name: "classify")
        // With --state, a backlog (a replay, a restart after an outage) commits the touched checks' state per 4 MiB of
        // input, not per 64 KiB read: that commit was most of the time. Caught up, each read is still its own batch.
        // In memory there is nothing to commit, and output flushed per read stays in the cache.
        if state != nil { options.batching = .backlog }
        do { io = try StageIO(options, stage: "classify", committed: committed, logger: logger) } catch let e as StageIOError {
            Stage.fail(e.description, status: .usage)
        } catch {
            Stage.fail("\(files.file.output ?? "output"): cannot open: \(error)", status: .ioError)
        }
        let rejected = Stage.makeRejects(source: input ?? "stdin", keepPath: rejects, logger: logger)
        let writer = io.writer
        var loop = StageLoop(reader: io.source, writer: writer, rejects: rejected)
        // Read once from a file or a pipe, reading and validating go on a thread of their own; a follower or a stream
        // reads on this one, so the position it commits is that of the lines handled.
        let pipelined = io.follower == nil && io.stream == nil
        let server = metricsListen.flatMap(ListenAddress.init).map { address in
            let metrics = ClassifyMetrics(config: settings)
            classifier.metrics = metrics
            loop.onProgress = { read in
                metrics.batch(linesRead: read, rejected: rejected.count, lateResults: classifier.summary.lateResults,
                              lastEventMs: classifier.latestEventMs)
            }
            return MetricsServer.start(host: address.host, port: address.port, serverName: "lookout-classify", logger: logger,
                                       render: { metrics.render() }) { port in
                logger.info("metrics listening on \(address.host):\(port)")
            }
        }
        let failure = Stage.runLoop({
            try io.start(committed: committed, commit: classifier.commit(position:))
            if pipelined {
                try loop.runPipelined(onBatchEnd: { try io.endBatch(commit: classifier.commit(position:)) }) { object, _, head in
                    io.note(object)
                    try classifier.handle(object, ahead: head, writer: writer)
                }
            } else {
                try loop.run(onBatchEnd: { try io.endBatch(commit: classifier.commit(position:)) }) { object, _ in
                    io.note(object)
                    try classifier.handle(object, writer: writer)
                }
            }
        }, logger: logger)
        if summary { FileHandle.standardError.write(Data(classifier.summary.render().utf8)) }
        if let server { Stage.wait { await server.stop() } }
        io.published?.finish(waitingUpTo: 10)
        if failure == nil, let refusal = io.published?.refusal { Stage.fail(refusal, status: .usage) }
        if let failure { throw ExitCode(failure.rawValue) }
        let status = Stage.finish(rejected, logger: logger)
        if status != .success { throw ExitCode(status.rawValue) }
    }
}
