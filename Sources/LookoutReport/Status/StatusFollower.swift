import Foundation
import Logging
import LookoutCore

/// StatusFollower is `report --status-site DIR --follow`: it tails the classified file (and route's delivery file)
/// with `FileFollower`, one reader thread per file feeding one accumulator. At its next look (every
/// `checkInterval`) after an incident, delivery or public note line or a check's change of state, it rewrites the
/// board and the pages of the clients those lines were about (all the lines since the last look in one rewrite);
/// once a minute it rewrites every page (each says when it was updated, and today's figures moved).
/// The accumulator is reached only through its `Locked`, which is what makes sharing it with the threads safe.
public final class StatusFollower: @unchecked Sendable {
    /// How often the writer looks for a change; a change is on the pages within two of these plus a build.
    public static let checkInterval = 0.5
    public static let refreshSeconds = 60.0

    /// Progress is what the reader threads change together, under one lock: the figures, and for each input the
    /// position just past the last line they hold and its rejected lines so far. A save copies all of it at once,
    /// so the position saved is exactly that of the figures saved.
    struct Progress {
        var accumulator: ReportAccumulator
        var positions: [StreamPosition?]
        var rejected: [Int]
        /// In a copy taken to save: what changed since the previous copy (with `--state`).
        var changes: ReportAccumulator.Unsaved? = nil
    }

    let directory: String
    let inputs: [String]
    let config: Config
    let progress: Locked<Progress>
    let stop = StopFlag()
    let logger: Logger
    let rejectsPath: String?
    let store: StatusStateStore?
    /// Whether the store holds every figure, so a save may write only what changed: after a load, or a first
    /// whole save.
    private var storeIsWhole = false
    /// The clients whose pages show a site, by site id.
    let clientsOfSite: [String: [String]]
    /// This host's clock, for the once-a-minute rewrite and for how long no new line has been read (a test sets it).
    var wallClock: @Sendable () -> Date = { Date() }

    /// With `store`, the figures and positions are saved after each rewrite and at exit, and loaded by `run()`.
    public init(directory: String, inputs: [String], rejectsPath: String?, config: Config, store: StatusStateStore? = nil,
                logger: Logger) {
        self.directory = directory
        self.inputs = inputs
        self.rejectsPath = rejectsPath
        self.config = config
        self.store = store
        self.logger = logger
        let accumulator = ReportAccumulator(config: config, range: StatusBuilder.readingRange)
        accumulator.changedSites = []
        if store != nil { accumulator.unsaved = ReportAccumulator.Unsaved() }
        progress = Locked(Progress(accumulator: accumulator, positions: inputs.map { _ in nil }, rejected: inputs.map { _ in 0 }))
        var clientsOfSite: [String: [String]] = [:]
        for client in ReportBuilder.clients(in: config) {
            for site in StatusBuilder.members(client, config: config) { clientsOfSite[site.id, default: []].append(client) }
        }
        self.clientsOfSite = clientsOfSite
    }

    /// Runs until SIGINT or SIGTERM: 0, or 74 when the folder (or the state) cannot be written.
    /// `installingSignalHandlers`: false in a test process, whose children must not inherit ignored signals.
    public func run(installingSignalHandlers: Bool = true) -> ExitStatus {
        if installingSignalHandlers { stop.installSignalHandlers(logger: logger) }
        if let status = resume() { return status }
        let failed = Locked<ExitStatus?>(nil)
        var threads: [Thread] = []
        let done = DispatchGroup()
        let (startPositions, startRejected) = progress.withLock { ($0.positions, $0.rejected) }
        for (k, path) in inputs.enumerated() {
            done.enter()
            let thread = Thread { [self] in
                defer { done.leave() }
                let follower = FileFollower(path: path, resumeFrom: startPositions[k], stop: stop, logger: logger)
                let rejects = Stage.makeRejects(source: path, keepPath: rejectsPath, logger: logger)
                var loop = StageLoop(reader: follower, writer: LineWriter(fd: STDOUT_FILENO), rejects: rejects)
                // When a start (or a restart from the state) reached the end of the file, and how much it read: said
                // once, then at debug level each time new lines were read to the end.
                var readThisRun = 0, saidAt = -1
                loop.onProgress = { readThisRun = $0 }
                follower.onIdle = { [unowned follower, logger] in
                    guard readThisRun != saidAt else { return }
                    logger.log(level: saidAt < 0 ? .info : .debug,
                               "\(path): caught up at byte \(follower.offset) (line \(follower.lineNumber)), \(readThisRun) lines read this run")
                    saidAt = readThisRun
                }
                let progress = self.progress, base = startRejected[k]
                // Each line's position is taken with the line, under the lock the saves take: the figures and the
                // position never part. A batch's end also takes the lines it rejected after its last good one.
                let failure = Stage.runLoop({
                    try loop.run(onBatchEnd: {
                        progress.withLock { p in
                            if follower.inode != 0 {
                                p.positions[k] = StreamPosition(inputInode: follower.inode, inputOffset: follower.offset,
                                                                inputLine: follower.lineNumber)
                            }
                            p.rejected[k] = base + rejects.count
                        }
                    }) { object, line in
                        // A refused line moves nothing here: its count and position are taken at the batch's end.
                        try progress.withLock { (p) throws(EventError) in
                            try p.accumulator.consume(object)
                            p.positions[k] = StreamPosition(inputInode: follower.inode, inputOffset: line.endOffset,
                                                            inputLine: line.number)
                            p.rejected[k] = base + rejects.count
                        }
                    }
                }, logger: logger)
                logger.info("\(path): \(loop.linesRead) lines read this run, up to byte \(follower.offset) (line \(follower.lineNumber))")
                if let failure {
                    failed.withLock { $0 = failure }
                    stop.set()
                }
            }
            threads.append(thread)
            thread.start()
        }
        var lastWrite = Date.distantPast
        // When a line was last read, by this host's clock: with nothing read for `status.stale_after`, the board
        // says so even though no event moves its event time (the whole chain may have stopped).
        var linesSeen = -1, lastRead = wallClock()
        while !stop.isSet {
            stop.sleep(StatusFollower.checkInterval)
            let clock = wallClock()
            let refresh = clock.timeIntervalSince(lastWrite) >= StatusFollower.refreshSeconds
            let due = progress.withLock { p -> (copy: Progress, sites: Set<String>)? in
                let lines = p.accumulator.resultLines + p.accumulator.incidentLines + p.accumulator.deliveryLines + p.rejected.reduce(0, +)
                if lines != linesSeen { linesSeen = lines; lastRead = clock }
                let sites = p.accumulator.changedSites ?? []
                guard refresh || !sites.isEmpty else { return nil }
                p.accumulator.changedSites = []
                return (p.copy(), sites)
            }
            guard let due else { continue }
            let clients = refresh ? nil : Set(due.sites.flatMap { clientsOfSite[$0] ?? [] })
            if let status = write(due.copy, clients: clients, readerSilentMs: Int64(clock.timeIntervalSince(lastRead) * 1000)) {
                stop.set(); failed.withLock { $0 = status }; break
            }
            if refresh { lastWrite = clock }
        }
        _ = done.wait(timeout: .now() + 10)
        if failed.value == nil {
            let copy = progress.withLock { $0.copy() }
            if let status = write(copy) { return status }
        }
        store?.close()
        return failed.value ?? .success
    }

    /// Loads the saved figures and positions, and writes the pages from them before reading on. A state of other
    /// inputs or checks is set aside with a warning (the files are then read from their start); nil to go on.
    private func resume() -> ExitStatus? {
        guard let store else { return nil }
        // A state that cannot serve: said, set aside, and the files read from their start (nil), unless it cannot
        // even be cleared (74).
        func setAside(_ warning: String) -> ExitStatus? {
            logger.warning("\(warning)")
            do { try store.clear() } catch { Stage.printError("cannot clear the status state: \(error)"); return .ioError }
            return nil
        }
        let saved: StatusStateStore.Saved?
        do { saved = try store.load() } catch { return setAside("the saved status state cannot be read (\(error)); reading the files from their start") }
        guard let saved else { return nil }
        guard saved.inputs == inputs.map(StatusStateStore.absolute) else {
            return setAside("the saved status state was read from other files (\(saved.inputs.joined(separator: ", "))); reading these from their start")
        }
        let accumulator: ReportAccumulator
        do {
            accumulator = try ReportAccumulator(config: config, range: StatusBuilder.readingRange, saved: saved.accumulator)
        } catch {
            return setAside("the saved status state does not fit the config (\(error)); reading the files from their start")
        }
        progress.withLock { p in
            accumulator.changedSites = []
            accumulator.unsaved = ReportAccumulator.Unsaved(incidentsSaved: accumulator.incidentOrder.count,
                                                            deliveriesSaved: accumulator.deliveries.count)
            p = Progress(accumulator: accumulator, positions: saved.positions, rejected: saved.rejected)
        }
        storeIsWhole = true
        for (path, position) in zip(inputs, saved.positions) {
            if let position {
                logger.info("\(path): resuming from the state at byte \(position.inputOffset) (line \(position.inputLine), inode \(position.inputInode))")
            } else {
                logger.info("\(path): nothing read before; reading from its start")
            }
        }
        let status = write(progress.withLock { $0.copy() })
        if status == nil { logger.info("pages written from the state, before reading on") }
        return status
    }

    /// Builds and writes the board and the pages of `clients` (nil: every page), then saves the state.
    private func write(_ copy: Progress, clients: Set<String>? = nil, readerSilentMs: Int64? = nil) -> ExitStatus? {
        // Taken before the build, which closes the copy's spans.
        let saved = store == nil ? nil : copy.accumulator.saved
        var builder = StatusBuilder(accumulator: copy.accumulator, linesRejected: copy.rejected.reduce(0, +),
                                    readerSilentMs: readerSilentMs)
        builder.pagesOf = clients
        let snapshot = builder.build()
        do {
            let written = try StatusSite(directory: directory).write(snapshot, clients: clients)
            if written > 0 { logger.debug("status site: \(written) files rewritten at \(snapshot.updatedAt)") }
        } catch {
            Stage.printError("\(error)")
            return .ioError
        }
        guard let store, let saved else { return nil }
        // After the pages: a crash between the two reads the lines since the last save again, counting them once.
        do {
            try store.save(StatusStateStore.Saved(accumulator: saved, inputs: inputs.map(StatusStateStore.absolute),
                                                  positions: copy.positions, rejected: copy.rejected),
                           changes: storeIsWhole ? copy.changes : nil)
            storeIsWhole = true
            logger.debug("status state saved: \(zip(inputs, copy.positions).map { "\($0) at byte \($1?.inputOffset ?? 0)" }.joined(separator: ", "))")
            return nil
        } catch {
            Stage.printError("cannot save the status state: \(error)")
            return .ioError
        }
    }
}

extension StatusFollower.Progress {
    /// A copy to build and save from while the live one goes on reading; it takes what changed since the last one.
    func copy() -> StatusFollower.Progress {
        StatusFollower.Progress(accumulator: accumulator.copy(), positions: positions, rejected: rejected,
                                changes: accumulator.takeUnsaved())
    }
}
