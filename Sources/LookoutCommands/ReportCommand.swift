import ArgumentParser
import Foundation
import Logging
import LookoutCore
import LookoutNATS
import LookoutReport

extension ReportFormat: ExpressibleByArgument {}

/// ReportCommand is `report`: its options, and the wiring of the stage from them.
public struct ReportCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Build the summary of a day (or any range) from classified NDJSON logs.",
        discussion: """
            Reads classified NDJSON (result, incident and delivery lines) from the files given, plain or gzip-compressed \
            (*.gz), from nats://HOST:PORT/SUBJECT (what the stream holds on it: docs/scaling.md), or from stdin, and writes the report to stdout (or --output). Figures come from event times only: \
            the same log gives the same report, byte for byte. See docs/report.md.
            Exit status: 0 ok, 64 bad arguments, 65 some input lines were malformed (the report is still written and \
            counts them in its footer), 74 an input, output, Slack or state error (another process holds the --state), 78 bad config.
            """,
        version: Stage.version)

    public init() {}

    @Option(name: .long, help: "The YAML config file (docs/config.md); its timezone sets the day's bounds.")
    var config: String?

    @Flag(name: .long, help: "Use the embedded demo config.")
    var demo = false

    @Option(name: .long, help: "The local day to report, YYYY-MM-DD, in the config's time zone (23 or 25 hours across a DST change).")
    var day: String?

    @Option(name: .long, help: "Start of the range: a date (its local midnight) or an RFC 3339 time. Use with --to.")
    var from: String?

    @Option(name: .long, help: "End of the range: a date (inclusive: up to the end of that local day) or an RFC 3339 time (exclusive).")
    var to: String?

    @Option(name: .long, help: "markdown, html (one self-contained page with inline SVG), json (every figure), or slack (posts to report.slack_webhook).")
    var format: ReportFormat = .markdown

    @Option(name: .long, help: "Report for one client only (a site's client or id), in customer words.")
    var client: String?

    @Option(name: .long, help: "Write the report to this file instead of stdout (with --format slack: write the payload instead of posting it).")
    var output: String?

    @Option(name: .long, help: "Read this classified log too (the same as naming it as an argument, as the other stages take it), or nats://HOST:PORT/SUBJECT: what the stream holds on that subject now.")
    var input: String?

    @Option(name: .long, help: "Append malformed input lines, with their line numbers and reasons, to this NDJSON file.")
    var rejects: String?

    @Flag(name: .long, help: "Print the --client values of the config, one customer per line (a site without a client is its own), and exit.")
    var listClients = false

    @Option(name: .long, help: "Write the status site into this folder instead of a report: the team board (index.html, summary.json) and one page per client (<folder>/index.html, summary.json, feed.atom). See docs/status-pages.md.")
    var statusSite: String?

    @Flag(name: .long, help: "With --status-site: follow the classified file (and route's delivery file) named as arguments, rewriting the pages that changed within 2 s of an incident line or change of state and at least once a minute, until SIGTERM.")
    var follow = false

    @Option(name: .long, help: "With --status-site --follow: keep the figures and each file's read position in this SQLite file, committed together after each rewrite and at exit, so a restart goes on from there instead of reading the files again. One process per state file.")
    var state: String?

    @Argument(help: "Classified NDJSON logs, plain or .gz; stdin when none (or -).")
    var files: [String] = []

    /// `--input` and the files named as arguments: every log the report reads.
    var inputs: [String] { (input.map { [$0] } ?? []) + files }

    public func validate() throws {
        if day != nil && (from != nil || to != nil) { throw ValidationError("use --day or --from/--to, not both") }
        if statusSite != nil && (day != nil || from != nil || to != nil || client != nil || output != nil) {
            throw ValidationError("--status-site covers the last 90 days of every client: no --day, --from, --to, --client or --output")
        }
        if statusSite != nil, let stream = inputs.first(where: NATSTransport.isAddress) {
            throw ValidationError("--status-site reads files, not \(stream): the site keeps 90 days, longer than a stream is meant to keep")
        }
        if state != nil && !follow {
            throw ValidationError("--state is for --status-site --follow (a one-shot report reads its files whole)")
        }
        if follow {
            guard statusSite != nil else { throw ValidationError("--follow is for --status-site") }
            guard Set(inputs.map(StatusStateStore.absolute)).count == inputs.count else {
                throw ValidationError("--follow names each file once")
            }
            guard !inputs.isEmpty, !inputs.contains("-"), !inputs.contains(where: { $0.hasSuffix(".gz") }) else {
                throw ValidationError("--follow needs the classified file (and the delivery file) by name, not stdin or .gz")
            }
        }
    }

    public func run() async throws {
        StageLogging.bootstrap()
        Stage.ignoreSIGPIPE()
        let logger = Logger(label: "report")
        // The config first, so a bad config exits 78 whatever else is wrong.
        let cfg = Stage.loadConfig(path: config, demo: demo)
        if listClients {
            print(ReportBuilder.clients(in: cfg).joined(separator: "\n"))
            return
        }
        if let statusSite {
            // The lock before the database, as classify takes it: a second follower on the state is refused at start.
            let lock: StateLock?
            do { lock = try state.map { try StateLock(path: $0, stage: "report") } } catch {
                Stage.fail("\(error)", status: .ioError)
            }
            defer { withExtendedLifetime(lock) {} }
            let store: StatusStateStore?
            do { store = try state.map { try StatusStateStore(path: $0) } } catch {
                Stage.fail("\(state ?? "state"): cannot open the report state: \(error)", status: .ioError)
            }
            let status = StatusSite.run(directory: statusSite, inputs: inputs, rejectsPath: rejects, config: cfg,
                                        follow: follow, store: store, logger: logger)
            if status != .success { throw ExitCode(status.rawValue) }
            return
        }
        let clock = LocalClock(cfg.timeZone)
        let range: ReportRange
        do {
            if let day {
                range = try ReportRange.day(day, clock: clock)
            } else if let from, let to {
                range = try ReportRange.between(from: from, to: to, clock: clock)
            } else {
                Stage.fail("give --day YYYY-MM-DD, or both --from and --to", status: .usage)
            }
        } catch {
            Stage.fail("\(error)", status: .usage)
        }
        var options = ReportStage.Options(range: range, format: format, client: client, output: output, inputs: inputs)
        options.rejectsPath = rejects
        options.transport = NATSTransport(settings: cfg.nats, name: "report")
        let status = await ReportStage.run(options, config: cfg, logger: logger)
        if status != .success { throw ExitCode(status.rawValue) }
    }
}
