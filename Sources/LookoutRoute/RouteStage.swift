import Foundation
import Logging
import LookoutCore
import LookoutMetrics

/// RouteStage wires `route`: a reading thread queues each incident's deliveries in the outbox, one transaction per
/// batch of input (a read, or 4 MiB of a backlog), committed before anything is sent, and in that transaction the
/// dispatcher claims what can go at once; the dispatcher sends them and records the outcomes, a transaction per batch.
///
/// Read once (standard input or `--input FILE`), every line is passed through to the output along with the
/// delivery lines, and at the end of input it waits until every delivery is sent or dead. Following
/// (`--input FILE --follow --state FILE`), the input position is committed in the transaction that queues the
/// deliveries its lines produced, the output holds only the delivery lines, written exactly once through the
/// outbox's journal (`DeliveryJournal`), and SIGTERM stops it after the sends in flight, leaving the rest queued for
/// the next start (docs/operations.md).
public enum RouteStage {
    public struct Options: Sendable {
        /// Input, output, rotation and heartbeat, as every stage has them.
        public var io = StageIO.Options()
        public var statePath: String?
        public var dryRun = false
        /// How long finished deliveries are remembered (a replay of input this old is recognised and not resent).
        public var retention: TimeSpan = .hours(24 * 30)
        /// How often a follower commits its read position when the lines read queued nothing (results only): a
        /// restart re-reads at most this much time's worth of lines that cannot queue anything.
        public var idleCommitSeconds = 1.0
        /// `--metrics-listen`: where to serve `GET /metrics` (`RouteMetrics`) while the stage runs.
        public var metricsListen: ListenAddress?
        public init(statePath: String? = nil, dryRun: Bool = false) { self.statePath = statePath; self.dryRun = dryRun }
    }

    public static func run(config: Config, options: Options, rejects: RejectedLines, logger: Logger,
                           clock: any WallClock = SystemClock()) async -> ExitStatus {
        let follow = options.io.follow
        if follow, options.dryRun {
            return usage("--dry-run reads its input once and sends nothing: it cannot --follow", logger: logger)
        }
        if follow, options.statePath == nil {
            return usage("--follow needs --state FILE: without a durable position, a restart would read the file from its start and send every incident in it again", logger: logger)
        }
        let statePath = options.dryRun ? nil : options.statePath
        let lock: StateLock?
        do { lock = try statePath.map { try StateLock(path: $0, stage: "route") } } catch {
            Stage.printError("\(error)")
            return .ioError
        }
        defer { withExtendedLifetime(lock) {} }
        let routing = config.routing ?? RoutingConfig()
        let outbox: Outbox
        let committed: StreamPosition?
        let mark: Outbox.JournalMark?
        do {
            outbox = try Outbox(path: statePath, router: IncidentRouter(config: routing, tiers: config.tiers), journaling: follow)
            let streamed = options.io.input.map { options.io.transport?.handles($0) ?? false } ?? false
            committed = follow || streamed ? try outbox.loadPosition() : nil
            mark = follow ? try outbox.loadJournalMark() : nil
        } catch {
            Stage.printError("\(statePath ?? "route"): cannot open the outbox: \(error)")
            return .ioError
        }
        let io: StageIO
        do { io = try StageIO(options.io, stage: "route", committed: resumePoint(committed, mark), logger: logger) } catch let e as StageIOError {
            return usage(e.description, logger: logger)
        } catch {
            Stage.printError("\(options.io.output ?? "output"): cannot open: \(error)")
            return .ioError
        }
        // Read once to stdout, the writer the `stdout` sink writes its notification lines through too, so all of it
        // is flushed together. Following, the journal's own writer, flushed only after its commit. To a file or a
        // `nats://` subject, the stage's own writer.
        let writer = io.file == nil && io.published == nil && !follow ? LineWriter.standardOutput : io.writer
        let journal: DeliveryJournal?
        do { journal = follow ? try DeliveryJournal(outbox: outbox, writer: writer, file: io.file, logger: logger) : nil } catch {
            Stage.printError("\(statePath ?? "route"): cannot start the delivery journal: \(error)")
            return .ioError
        }
        let transport: any HTTPTransport = options.dryRun ? DryRunTransport(writer: writer) : AsyncHTTPTransport()
        let metrics = options.metricsListen.map { _ in RouteMetrics(sinks: routing.sinks.map(\.name)) }
        let dispatcher = Dispatcher(outbox: outbox, routing: routing, sites: config.sites, transport: transport, clock: clock,
                                    writer: options.dryRun || follow ? nil : writer, logger: logger, pacing: !options.dryRun,
                                    metrics: metrics)
        if routing.sinks.isEmpty { logger.notice("no routing.sinks configured: \(follow ? "reading" : "passing lines through"), sending nothing") }
        if let pruned = try? outbox.prune(olderThan: options.retention, now: clock.now()), pruned > 0 {
            logger.info("forgot \(pruned) deliveries finished more than \(options.retention) ago")
        }
        if let pending = try? outbox.pendingCount(), pending > 0 {
            logger.notice("resuming \(pending) queued deliver\(pending == 1 ? "y" : "ies") from \(statePath ?? "memory")")
        }
        if let unsure = try? outbox.inFlightCount(), unsure > 0 {
            logger.notice("\(unsure) deliver\(unsure == 1 ? "y was" : "ies were") in flight when route last stopped: sent again, marked \"repeated after a restart\" (or looked up first where the receiver can be asked)")
        }

        let server = metrics.flatMap { metrics in options.metricsListen.map { address in
            MetricsServer.start(host: address.host, port: address.port, serverName: "lookout-route", logger: logger,
                                render: { await metrics.render(outbox: outbox, clock: clock) }) { port in
                logger.info("metrics listening on \(address.host):\(port)")
            }
        } }
        let status = await deliver(io: io, writer: writer, outbox: outbox, dispatcher: dispatcher, journal: journal, options: options,
                                   rejects: rejects, committed: committed, clock: clock, metrics: metrics, logger: logger)
        // The server goes down with the stage: after the last outcome is recorded, before the outbox is closed.
        await server?.stop()
        if status == nil { outbox.close() }
        return status ?? Stage.finish(rejects, logger: logger)
    }

    /// Reads and delivers until the input ends (read once, and everything is sent or dead) or the stage is stopped;
    /// nil when it ended well.
    private static func deliver(io: StageIO, writer: LineWriter, outbox: Outbox, dispatcher: Dispatcher, journal: DeliveryJournal?,
                                options: Options, rejects: RejectedLines, committed: StreamPosition?, clock: any WallClock,
                                metrics: RouteMetrics?, logger: Logger) async -> ExitStatus? {
        let follow = options.io.follow
        let readerDone = LockedResult()
        // The reading thread is the only user of `rejects` until it finishes, after which only this function is.
        nonisolated(unsafe) let threadRejects = rejects
        nonisolated(unsafe) let threadIO = io
        let reader = Thread {
            let status = read(threadIO, writer: writer, outbox: outbox, dispatcher: dispatcher, journal: journal, options: options,
                              rejects: threadRejects, committed: committed, clock: clock, metrics: metrics, logger: logger)
            readerDone.set(status)
            // Read once, the input is finished: deliver everything. Following, input never finishes: a stop or a
            // failure leaves what is queued for the next start.
            if follow { dispatcher.stop() } else { dispatcher.inputFinished() }
        }
        reader.stackSize = 1 << 20
        reader.start()

        let journalDone = LockedResult()
        if let journal {
            let stop = io.stop
            let writing = Thread {
                let status = Stage.runLoop({ try journal.run() }, logger: logger)
                if status != nil {
                    // Outcomes could no longer reach the output: stop reading and sending; a restart resumes.
                    stop.set()
                    dispatcher.stop()
                }
                journalDone.set(status)
            }
            writing.stackSize = 1 << 20
            writing.start()
        }
        do {
            try await dispatcher.run()
        } catch {
            // Outcomes not written yet stay in the journal, and pending deliveries in the outbox, for the next start.
            Stage.printError("route: delivery stopped: \(error)")
            return .software
        }
        // Following, the dispatcher stops only after the reader (or the journal writer, failing) did.
        let readFailure = readerDone.wait()
        journal?.finish()
        if journal != nil, let failure = journalDone.wait() { return failure }
        if let readFailure { return readFailure }
        if let dead = try? outbox.deadLetters(), !dead.isEmpty {
            logger.warning("\(dead.count) deliver\(dead.count == 1 ? "y is" : "ies are") in the dead letters")
        }
        return nil
    }

    /// Reads input until its end (or, following, until stopped), queueing each batch's incidents in one transaction.
    private static func read(_ io: StageIO, writer: LineWriter, outbox: Outbox, dispatcher: Dispatcher, journal: DeliveryJournal?, options: Options,
                             rejects: RejectedLines, committed: StreamPosition?, clock: any WallClock, metrics: RouteMetrics?,
                             logger: Logger) -> ExitStatus? {
        let passThrough = !options.io.follow && !options.dryRun
        // Following, the output belongs to the journal's thread; a dry run's would_send lines flush themselves.
        var loop = StageLoop(reader: io.source, writer: passThrough ? writer : LineWriter(fd: -1), rejects: rejects)
        if let metrics { loop.onProgress = { read in metrics.lines(read: read, rejected: rejects.count) } }
        var batch: [RouteInput] = []
        /// The latest event time of the batch's other lines (results, notes...): escalation's clock moves with them.
        var eventTime: Timestamp?
        let follower = io.follower
        var committedOffset = committed.map { ($0.inputInode, $0.inputOffset) }
        var lastCommit = Date()
        /// Commits the input position just past the lines read (not the output: the journal commits that) with the
        /// batch's deliveries.
        func commit() throws {
            defer { eventTime = nil }
            // A followed file's position, or a nats:// input's stream sequence.
            guard var position = io.position else {
                if !batch.isEmpty || eventTime != nil { try dispatcher.enqueue(batch, now: clock.now(), eventTime: eventTime) }
                return
            }
            position.outputInode = nil
            position.outputOffset = nil
            try dispatcher.enqueue(batch, now: clock.now(), eventTime: eventTime, position: position)
            committedOffset = (position.inputInode, position.inputOffset)
            lastCommit = Date()
        }
        func beat() {
            io.heartbeat?.tick(linesOut: journal?.linesWritten ?? writer.linesWritten, bytesBehind: follower?.bytesBehind,
                               extra: queuedField(outbox))
        }
        // Caught up: commit a position that waited (see below), so an idle follower's state is current.
        follower?.onIdle = {
            if let follower, committedOffset.map({ $0 != (follower.inode, follower.offset) }) ?? true {
                do { try commit() } catch { logger.error("cannot commit the read position: \(error); the next batch tries again") }
            }
            beat()
        }
        return Stage.runLoop({
            try io.start(committed: committed) { start in
                try outbox.enqueue([], now: clock.now(), position: start.map { StreamPosition(inputInode: $0.inputInode, inputOffset: 0, inputLine: 0) })
            }
            try loop.run(onBatchEnd: {
                // A batch of results only queues nothing, so its position may wait (a second at most, or until the
                // follower catches up): re-reading it after a crash is harmless, and it saves an fsync per read.
                // A batch that queued deliveries commits its position with them.
                if follower == nil || !batch.isEmpty || io.stop.isSet || Date().timeIntervalSince(lastCommit) >= options.idleCommitSeconds {
                    try commit()
                }
                batch.removeAll(keepingCapacity: true)
                beat()
            }) { object, _ in
                io.note(object)
                let event = try AnyEvent(object)
                if passThrough { try writer.write(object.bytes) }
                switch event {
                case .incident(let incident): batch.append(.incident(incident, line: Array(object.bytes)))
                case .control(let control):
                    switch control {
                    // An ack stops escalation; acks and notes go to the incident's tickets.
                    case .ack, .note: batch.append(.control(control, line: Array(object.bytes)))
                    case .window, .end: eventTime = max(eventTime ?? control.at, control.at)
                    }
                case .result(let result): eventTime = max(eventTime ?? result.at, result.at)
                case .delivery, .other: break
                }
            }
            // Read once, the input may end without a batch end after its last lines.
            if follower == nil { try commit() }
            metrics?.lines(read: loop.linesRead, rejected: rejects.count)
        }, logger: logger)
    }

    /// The heartbeat's own field for route: deliveries waiting to be sent. Growing while `out` stands still, it
    /// says route is not delivering.
    private static func queuedField(_ outbox: Outbox) -> String? {
        (try? outbox.pendingCount()).map { "queued=\($0)" }
    }

    /// Where StageIO resumes: the input position and the journal's output mark, saved by different transactions.
    private static func resumePoint(_ input: StreamPosition?, _ mark: Outbox.JournalMark?) -> StreamPosition? {
        guard input != nil || mark != nil else { return nil }
        var p = input ?? StreamPosition(inputInode: 0, inputOffset: 0, inputLine: 0)
        p.outputInode = mark?.outputInode
        p.outputOffset = mark?.outputLength
        return p
    }

    private static func usage(_ message: String, logger: Logger) -> ExitStatus {
        Stage.printError("route: \(message)")
        return .usage
    }
}

/// LockedResult carries a thread's outcome to the async side.
final class LockedResult: @unchecked Sendable {
    private let condition = NSCondition()
    private var stored: ExitStatus??
    func set(_ v: ExitStatus?) {
        condition.lock()
        stored = .some(v)
        condition.broadcast()
        condition.unlock()
    }
    /// Blocks until the thread has finished.
    func wait() -> ExitStatus? {
        condition.lock()
        defer { condition.unlock() }
        while stored == nil { condition.wait() }
        return stored!
    }
}
