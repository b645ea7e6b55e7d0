import Foundation
import Logging
import LookoutCore

/// StatusFollower is `report --status-site DIR --follow`: it tails the classified file (and route's delivery file)
/// with `FileFollower`, one reader thread per file feeding one accumulator, and rewrites the pages that changed at
/// its next look (every `checkInterval`) after an incident or delivery line or a check's change of state, and at
/// least once a minute otherwise.
/// The accumulator is reached only through its `Locked`, which is what makes sharing it with the threads safe.
public final class StatusFollower: @unchecked Sendable {
    /// How often the writer looks for a change; a change is on the pages within two of these plus a build.
    public static let checkInterval = 0.5
    public static let refreshSeconds = 60.0

    let directory: String
    let inputs: [String]
    let accumulator: Locked<ReportAccumulator>
    let stop = StopFlag()
    let logger: Logger
    let rejectsPath: String?

    public init(directory: String, inputs: [String], rejectsPath: String?, config: Config, logger: Logger) {
        self.directory = directory
        self.inputs = inputs
        self.rejectsPath = rejectsPath
        self.logger = logger
        accumulator = Locked(ReportAccumulator(config: config, range: StatusBuilder.readingRange))
    }

    /// What a page can show changing: incident and delivery lines, and each check's state and maintenance flag.
    static func signature(_ accumulator: ReportAccumulator) -> [Int] {
        var out = [accumulator.incidentLines, accumulator.deliveryLines]
        out.reserveCapacity(accumulator.tallies.count + 2)
        for t in accumulator.tallies { out.append(Int(t.previousState.rawValue) << 1 | (t.previousInMaintenance ? 1 : 0)) }
        return out
    }

    /// Runs until SIGINT or SIGTERM: 0, or 74 when the folder cannot be written.
    public func run() -> ExitStatus {
        stop.installSignalHandlers(logger: logger)
        let rejected = Locked(0)
        let failed = Locked<ExitStatus?>(nil)
        var threads: [Thread] = []
        let done = DispatchGroup()
        for path in inputs {
            done.enter()
            let thread = Thread { [self] in
                defer { done.leave() }
                let follower = FileFollower(path: path, resumeFrom: nil, stop: stop, logger: logger)
                let rejects = Stage.makeRejects(source: path, keepPath: rejectsPath, logger: logger)
                var loop = StageLoop(reader: follower, writer: LineWriter(fd: STDOUT_FILENO), rejects: rejects)
                let accumulator = self.accumulator
                let failure = Stage.runLoop({
                    try loop.run { object, _ in
                        try accumulator.withLock { (a) throws(EventError) in try a.consume(object) }
                    }
                }, logger: logger)
                rejected.withLock { $0 += rejects.count }
                if let failure {
                    failed.withLock { $0 = failure }
                    stop.set()
                }
            }
            threads.append(thread)
            thread.start()
        }
        var last: [Int] = []
        var lastWrite = Date.distantPast
        while !stop.isSet {
            stop.sleep(StatusFollower.checkInterval)
            let (now, copy) = accumulator.withLock { a in
                let now = StatusFollower.signature(a)
                let due = now != last || Date().timeIntervalSince(lastWrite) >= StatusFollower.refreshSeconds
                return (now, due ? a.copy() : nil)
            }
            guard let copy else { continue }
            if let status = write(copy, rejected: rejected.value) { stop.set(); failed.withLock { $0 = status }; break }
            last = now
            lastWrite = Date()
        }
        _ = done.wait(timeout: .now() + 10)
        if failed.value == nil {
            let copy = accumulator.withLock { $0.copy() }
            if let status = write(copy, rejected: rejected.value) { return status }
        }
        return failed.value ?? .success
    }

    private func write(_ copy: ReportAccumulator, rejected: Int) -> ExitStatus? {
        let snapshot = StatusBuilder(accumulator: copy, linesRejected: rejected).build()
        do {
            let written = try StatusSite(directory: directory).write(snapshot)
            if written > 0 { logger.debug("status site: \(written) files rewritten at \(snapshot.updatedAt)") }
            return nil
        } catch {
            Stage.printError("\(error)")
            return .ioError
        }
    }
}
