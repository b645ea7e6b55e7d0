import Foundation
import Logging

/// RouteStage wires `route`: a reading thread passes every line through and queues each incident's deliveries in
/// the outbox (committed before anything is sent), while the dispatcher sends them; at the end of input it waits
/// until every delivery is sent or dead.
public enum RouteStage {
    public struct Options: Sendable {
        public var statePath: String?
        public var dryRun = false
        /// How long finished deliveries are remembered (a replay of input this old is recognised and not resent).
        public var retention: TimeSpan = .hours(24 * 30)
        public init(statePath: String? = nil, dryRun: Bool = false) { self.statePath = statePath; self.dryRun = dryRun }
    }

    public static func run(config: Config, input: Int32, options: Options, rejects: RejectedLines, logger: Logger,
                           clock: any WallClock = SystemClock(), writer: LineWriter = .standardOutput) async -> ExitStatus {
        let routing = config.routing ?? RoutingConfig()
        let outbox: Outbox
        do {
            outbox = try Outbox(path: options.dryRun ? nil : options.statePath, router: IncidentRouter(config: routing, tiers: config.tiers))
        } catch {
            logger.critical("cannot open the outbox \(options.statePath ?? "in memory"): \(error)")
            return .ioError
        }
        let transport: any HTTPTransport = options.dryRun ? DryRunTransport(writer: writer) : AsyncHTTPTransport()
        let dispatcher = Dispatcher(outbox: outbox, routing: routing, sites: config.sites, transport: transport, clock: clock,
                                    writer: options.dryRun ? nil : writer, logger: logger, pacing: !options.dryRun)
        if routing.sinks.isEmpty { logger.notice("no routing.sinks configured: passing lines through, sending nothing") }
        if let pruned = try? outbox.prune(olderThan: options.retention, now: clock.now()), pruned > 0 {
            logger.info("forgot \(pruned) deliveries finished more than \(options.retention) ago")
        }
        if let pending = try? outbox.pendingCount(), pending > 0 {
            logger.notice("resuming \(pending) queued deliver\(pending == 1 ? "y" : "ies") from \(options.statePath ?? "memory")")
        }
        let readerDone = LockedResult()
        // The reading thread is the only user of `rejects` until it finishes, after which only this function is.
        nonisolated(unsafe) let threadRejects = rejects
        let thread = Thread {
            var loop = StageLoop(reader: LineReader(fd: input), writer: writer, rejects: threadRejects)
            let status = Stage.runLoop({
                try loop.run { object, _ in
                    let event = try AnyEvent(object)
                    if !options.dryRun { try writer.write(object.bytes) }
                    if case .incident(let incident) = event {
                        if try outbox.enqueue(incident, line: Array(object.bytes), now: clock.now()) > 0 { dispatcher.noteQueued() }
                    }
                }
            }, logger: logger)
            readerDone.set(status)
            dispatcher.inputFinished()
        }
        thread.stackSize = 1 << 20
        thread.start()
        do {
            try await dispatcher.run()
        } catch {
            logger.critical("delivery stopped: \(Redactor.shared.redact("\(error)"))")
            return .software
        }
        if let failure = readerDone.wait() { return failure }
        if let dead = try? outbox.deadLetters(), !dead.isEmpty {
            logger.warning("\(dead.count) deliver\(dead.count == 1 ? "y is" : "ies are") in the dead letters")
        }
        return Stage.finish(rejects, logger: logger)
    }
}

/// LockedResult carries the reading thread's outcome to the async side.
final class LockedResult: @unchecked Sendable {
    private let condition = NSCondition()
    private var stored: ExitStatus??
    func set(_ v: ExitStatus?) {
        condition.lock()
        stored = .some(v)
        condition.broadcast()
        condition.unlock()
    }
    /// Blocks until the reader has finished (it has, once the dispatcher returned; this only orders memory).
    func wait() -> ExitStatus? {
        condition.lock()
        defer { condition.unlock() }
        while stored == nil { condition.wait() }
        return stored!
    }
}
