import ArgumentParser
import Foundation
import Logging
import LookoutCore
import LookoutNATS
import LookoutMetrics
import LookoutProbe
import LookoutTesting

/// ProbeCommand is `probe`: its options, and the wiring of the stage from them.
public struct ProbeCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Run the configured checks and write one NDJSON result line per check run to stdout.",
        discussion: "SIGHUP reloads the config (checks that stay keep their schedule); SIGTERM/SIGINT stop after the runs in flight.",
        version: Stage.version,
        subcommands: [ProbePushCommand.self, DemoSiteCommand.self])

    public init() {}

    @Option(name: .long, help: "The YAML config file (docs/config.md, docs/probe.md).")
    var config: String?

    @Flag(name: .long, help: "Use the embedded demo config against a demo site started on 127.0.0.1.")
    var demo = false

    @Flag(name: .long, help: "Run every check once, write the results, and exit.")
    var once = false

    @Option(name: .customLong("check"), help: "Run only this check id (repeatable).")
    var checkIDs: [String] = []

    @Option(name: .long, help: "Stamp every result with this location name (for multi-location setups).")
    var location: String?

    @Option(name: .long, help: "Run only shard K of N (K in 1...N): the checks split among N probe processes by a stable hash of the check id.")
    var shard: String?

    @Option(name: .long, help: "How many checks may run at the same time.")
    var concurrency = 64

    @Option(name: .long, help: "How many checks may talk to one host at the same time (politeness).")
    var perHost = 4

    @Option(name: .long, help: "SQLite file keeping state across restarts (body-size baselines, heartbeat pings); memory if omitted.")
    var state: String?

    @Option(name: .long, help: "How many pages browser checks may have open at once in the shared headless Chromium.")
    var browserPages = 2

    @Option(name: .long, help: "Replace the shared headless Chromium once its processes use more than this many MiB (PSS).")
    var browserMemory = 1024

    @OptionGroup var file: OutputFileOptions

    @Option(name: .long, help: "Log a heartbeat on stderr every this many seconds: results written and failed, and how late runs started behind their schedule.")
    var heartbeat: Double?

    @Option(name: .long, help: "Also serve the heartbeat receiver and /metrics on ADDR:PORT (docs/heartbeats.md).")
    var listen: String?

    @Option(name: .long, help: "The largest ping body the receiver keeps, in bytes; larger pings are refused with 413.")
    var maxPingBody = HeartbeatReceiver.defaultMaxBodyBytes

    @Option(name: .long, help: "The control file the receiver appends one-tap actions to (the file classify reads; docs/actions.md); default: --output.")
    var control: String?

    public static func main() async {
        ProbeServices.runConcurrencyOnEventLoops()
        await main(nil)
    }

    public func validate() throws {
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
        guard perHost >= 1 else { throw ValidationError("--per-host must be at least 1") }
        guard (1...64).contains(browserPages) else { throw ValidationError("--browser-pages must be between 1 and 64") }
        guard (64...65536).contains(browserMemory) else { throw ValidationError("--browser-memory must be between 64 and 65536 MiB") }
        if let heartbeat, !(heartbeat > 0) { throw ValidationError("--heartbeat must be a number of seconds above 0") }
        if let shard, Shard(shard) == nil { throw ValidationError("--shard must be K/N with 1 <= K <= N <= 1024, e.g. 2/3") }
        if let listen, ListenAddress(listen) == nil { throw ValidationError("--listen must be ADDR:PORT, e.g. 127.0.0.1:8080") }
    }

    public func run() async throws {
        StageLogging.bootstrap()
        Stage.ignoreSIGPIPE()
        let logger = Logger(label: "probe")
        let site = demo ? try await DemoSite.start { logger.notice("demo: \($0)") } : nil
        if let site, site.ports != .standard {
            logger.warning("demo: the standard ports \(DemoConfig.Ports.standard.site)-\(DemoConfig.Ports.standard.helpdesk) are taken; the demo site is on \(site.ports.site), which only this probe knows")
        }
        let config = Stage.loadConfig(path: config, demo: demo, demoPorts: site?.ports ?? .standard, checksRunHere: true)
        for id in checkIDs where config.check(id) == nil { Stage.fail("probe: unknown check id \"\(id)\"", status: .usage) }
        let selected = checkIDs
        let shard = self.shard.flatMap(Shard.init)
        let select: @Sendable (Config) -> [Check] = { c in
            let checks = selected.isEmpty ? c.allChecks : c.allChecks.filter { selected.contains($0.id) }
            return shard.map { s in checks.filter { s.contains($0.id) } } ?? checks
        }
        let services: ProbeServices
        let usedLinks: UsedLinkStore
        // Screenshots of failed browser runs go beside the state file; without one, none are kept.
        let screenshots = state.map { (($0 as NSString).deletingLastPathComponent as NSString).appendingPathComponent("screenshots") }
        do {
            let database = try StateDatabase.open(path: state, migrations: BodySizeBaseline.migrations + PingStore.migrations + UsedLinkStore.migrations)
            services = try ProbeServices(state: database, perHostConnections: perHost,
                                         pings: listen == nil ? nil : PingStore(database: database), screenshots: screenshots,
                                         browser: .init(pages: browserPages, memoryCapBytes: browserMemory << 20))
            usedLinks = UsedLinkStore(database: database)
        } catch {
            Stage.fail("probe: cannot open the state file \(state ?? ""): \(error)", status: .ioError)
        }
        let writer: LineWriter
        var published: (any FinishingLineSink)?
        if let output = file.output, NATSTransport.isAddress(output) {
            do {
                let sink = try NATSTransport(settings: config.nats, name: "probe").sink(output, confirm: false, logger: logger)
                published = sink
                writer = LineWriter(sink: sink)
            } catch {
                Stage.fail("\(error)", status: .usage)
            }
            writer.flushInBackground()
        } else if let output = file.output {
            do {
                writer = LineWriter(sink: try RotatingFileWriter(path: output, policy: file.rotation, logger: logger))
            } catch {
                Stage.fail("\(output): cannot open: \(error)", status: .ioError)
            }
            writer.flushInBackground()
        } else {
            writer = .standardOutput
        }
        // Per-check series only when /metrics is served: nothing else reads them, and swift-prometheus 2.4.1 copies a
        // family's whole label table to add one series, so making them for 15,000 checks cost about 15 s of CPU and
        // 100 MiB in the first round of runs (bench/RESULTS.md, issue 15).
        let served = listen != nil
        if served { services.metrics.configure(config, location: location) }
        let runner = ProbeRunner(checks: select(config), location: location, writer: writer,
                                 concurrency: concurrency, perHost: perHost, services: services,
                                 heartbeat: heartbeat.map(ProbeLiveness.init(intervalSeconds:)), logger: logger)
        let actions = listen == nil ? nil : actionEndpoint(config: config, usedLinks: usedLinks, metrics: services.metrics, logger: logger)
        let shots = listen == nil ? nil : config.actions.map {
            ScreenshotEndpoint(config: config, actions: $0, folder: screenshots, clock: SystemClock(), metrics: services.metrics)
        }
        let receiver = listen.flatMap(ListenAddress.init).map { address in
            HeartbeatReceiver(checks: config.allChecks, store: services.pings!, clock: SystemClock(),
                              metrics: services.metrics, maxBodyBytes: maxPingBody, actions: actions, screenshots: shots)
                .start(host: address.host, port: address.port, logger: logger) { port in
                    logger.info("heartbeat receiver listening on \(address.host):\(port)")
                }
        }
        let path = self.config, location = self.location
        do {
            if once {
                try await runner.runOnce()
            } else {
                let controls = ProbeSignals.controls(reload: {
                    guard let path else { return nil }
                    do {
                        let reloaded = try Stage.readConfig(path: path, checksRunHere: true)
                        if served { services.metrics.configure(reloaded, location: location) }
                        return select(reloaded)
                    } catch {
                        logger.error("reload failed, keeping the running config: \(error)")
                        return nil
                    }
                }, logger: logger)
                try await runner.runForever(control: controls)
            }
            try writer.finish()
            published?.finish(waitingUpTo: 10)
        } catch LineWriter.WriteError.closed {
        } catch LineWriter.WriteError.refused {
            // The stream's server refused the credentials while running: what is queued goes to the spool file.
            published?.finish(waitingUpTo: 0)
        }
        if let refusal = published?.refusal { Stage.fail(refusal, status: .usage) }
        await receiver?.stop()
        await services.shutdown()
        await site?.stop()
    }
}

extension ProbeCommand {
    /// The receiver's one-tap links, when the config has `actions:`: they append to `--control`, else to the
    /// `--output` file (the file classify follows). Without either there is nowhere to write, so probe refuses to start.
    func actionEndpoint(config: Config, usedLinks: UsedLinkStore, metrics: ProbeMetrics, logger: Logger) -> ActionEndpoint? {
        guard let actions = config.actions else { return nil }
        let output = file.output.flatMap { NATSTransport.isAddress($0) ? nil : $0 }
        guard let path = control ?? output else {
            Stage.fail("probe: the config's actions: section needs a control file for the receiver: --control FILE (the file classify reads) or --output FILE",
                       status: .usage)
        }
        return ActionEndpoint(config: config, actions: actions, controlPath: path, used: usedLinks,
                              clock: SystemClock(), metrics: metrics, logger: logger)
    }
}

/// Shard is `probe --shard K/N`: shard K (1...N) runs the checks whose stable hash (FNV-1a of the id) falls on it,
/// so N processes run every check exactly once between them, whatever order the config lists them in.
public struct Shard: Sendable, Equatable {
    public let index: Int
    public let count: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]), (1...1024).contains(n), (1...n).contains(k) else { return nil }
        index = k
        count = n
    }

    public func contains(_ checkID: String) -> Bool { Int(FNV1a.hash(checkID) % UInt64(count)) == index - 1 }
}
