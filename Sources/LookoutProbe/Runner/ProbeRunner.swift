import Foundation
import Logging
import LookoutCore

/// ProbeRunner runs checks and writes one `result` line per run: every check once (`--once`), or each on its own
/// interval forever, spread out with jitter so a thousand checks do not fire in the same second.
///
/// Runs are bounded three ways: at most `concurrency` at once, at most `perHost` to one host, and each within its
/// check's timeout (plus a grace period after which the runner reports a timeout itself, whatever the kind does).
public final class ProbeRunner: Sendable {
    public let location: String?
    public let writer: LineWriter
    public let clock: any WallClock
    public let services: ProbeServices
    private let table: CheckTable
    private let limiter: AsyncLimiter
    private let hosts: HostLimiter
    private let logger: Logger
    /// Logs a heartbeat line on this interval while running forever (`--heartbeat`).
    public let heartbeat: ProbeLiveness?

    /// What the forever loop can be told while it runs (from signals in the executable, directly in tests).
    public enum Control: Sendable {
        /// Replace the set of checks; checks that stay keep their schedule.
        case reload([Check])
        /// Start no new runs, finish the ones in flight, and return.
        case stop
    }

    public init(checks: [Check], location: String?, writer: LineWriter, clock: any WallClock = EventLoopClock(),
                concurrency: Int = 64, perHost: Int = 4, services: ProbeServices = .standalone,
                heartbeat: ProbeLiveness? = nil, logger: Logger = Logger(label: "probe")) {
        self.table = CheckTable(checks)
        self.location = location
        self.writer = writer
        self.clock = clock
        self.services = services
        self.limiter = AsyncLimiter(limit: concurrency)
        self.hosts = HostLimiter(perHost: perHost)
        self.heartbeat = heartbeat
        self.logger = logger
    }

    public var checks: [Check] { table.all() }

    /// How long past its timeout a run may go before the runner reports it as timed out without the kind's answer.
    static let grace = TimeSpan.seconds(2)

    /// Runs one check and makes its result line. Never throws: a site being down is a result.
    public func result(of check: Check) async -> ResultEvent {
        let started = clock.now()
        let run = ProbeRun(checkID: check.id, timeout: check.timeout, startedAt: started, services: services)
        let outcome = await ProbeRunner.bounded(check.kind, run, limit: check.timeout + ProbeRunner.grace)
        var r = ResultEvent(check: check.id, at: started, ok: outcome.ok)
        r.degraded = outcome.ok && outcome.degraded
        r.kind = check.probe.resultKind
        r.location = location
        r.latencyMs = outcome.latencyMs
        r.status = outcome.status
        r.bytes = outcome.bytes
        r.error = outcome.error.map { Redactor.shared.redact($0) }
        r.failed = outcome.failed.isEmpty ? nil : outcome.failed.map { Redactor.shared.redact($0) }
        // Details carry text from outside (a plugin's summary, a certificate subject): mask secrets there too.
        r.details = outcome.details.isEmpty ? nil : ProbeRunner.redacted(.object(outcome.details))
        services.metrics.record(r)
        return r
    }

    static func redacted(_ v: JSONValue) -> JSONValue {
        switch v {
        case .string(let s): .string(Redactor.shared.redact(s))
        case .array(let items): .array(items.map(redacted))
        case .object(let members): .object(members.map { JSONMember(key: Redactor.shared.redact($0.key), value: redacted($0.value)) })
        default: v
        }
    }

    /// The kind's outcome, or a timeout outcome if the kind overruns `limit` (the stray run finishes on its own).
    static func bounded(_ probe: any ProbeKind, _ run: ProbeRun, limit: TimeSpan) async -> ProbeOutcome {
        do {
            return try await Deadline(in: .milliseconds(limit.milliseconds)).run { await probe.run(run) }
        } catch {
            return ProbeOutcome(ok: false, error: "no answer within \(run.timeout)")
        }
    }

    /// A run, holding its host's permit and then a global one (in that order, so a crowd of checks waiting on one
    /// slow host never holds global permits other hosts need).
    private func limitedResult(of check: Check) async -> ResultEvent {
        if let host = check.probe.host {
            return await hosts.limiter(for: host).withPermit { await limiter.withPermit { await result(of: check) } }
        }
        return await limiter.withPermit { await result(of: check) }
    }

    private func emit(_ r: ResultEvent) throws {
        try writer.write(r.encoded())
        try writer.flush()
    }

    /// Runs every check once, within the limits, writing results as they finish.
    public func runOnce() async throws {
        try await withThrowingTaskGroup(of: ResultEvent.self) { group in
            for c in table.all() { group.addTask { await self.limitedResult(of: c) } }
            while let r = try await group.next() { try emit(r) }
        }
    }

    /// Runs each check every `every` until `.stop` arrives on `control`. The first run of each check is offset by a
    /// stable jitter within its interval; a run that overruns its interval skips the missed slots instead of piling
    /// up. A reload keeps the slots of checks that stay, starts new ones and retires removed ones at their next slot.
    /// One scheduler sleeps until the earliest slot for all checks; only runs in flight are tasks.
    public func runForever(control: AsyncStream<Control> = AsyncStream { _ in }) async throws {
        let start = clock.now()
        let (inbox, post) = AsyncStream<Control>.makeStream()
        // The first error a run hit writing its result, rethrown once the runs in flight have finished.
        let failure = Locked<(any Error)?>(nil)
        let slots = SlotScheduler(clock: clock)
        for check in table.all() where table.markRunning(check.id) {
            slots.add(check.id, due: start + .milliseconds(ProbeRunner.jitter(check.id, within: check.every)))
        }
        // Unstructured, so stopping does not cancel the runs in flight: their results are still written.
        let dispatcher = Task { await self.dispatch(slots, failure: failure, post: post) }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await message in control { post.yield(message) }
            }
            if let heartbeat {
                group.addTask {
                    var next = start + heartbeat.interval
                    while (try? await self.clock.sleep(until: next)) != nil {
                        self.logger.info("\(heartbeat.beat(checks: self.table.ids().count))")
                        next = next + heartbeat.interval
                    }
                }
            }
            loop: for await message in inbox {
                switch message {
                case .reload(let checks):
                    let (added, removed) = table.replace(checks)
                    logger.info("config reloaded: \(checks.count) checks, \(added.count) added, \(removed.count) removed")
                    let now = clock.now()
                    for id in added where table.markRunning(id) {
                        guard let check = table.current(id) else { continue }
                        slots.add(id, due: now + .milliseconds(ProbeRunner.jitter(id, within: check.every)))
                    }
                case .stop:
                    break loop
                }
            }
            logger.info("stopping: finishing runs in flight")
            slots.stop()
            group.cancelAll()
            await group.waitForAll()
        }
        await dispatcher.value
        if let e = failure.value { throw e }
    }

    /// Starts a run for every slot that comes due, until the scheduler stops; returns when the last run has finished.
    private func dispatch(_ slots: SlotScheduler, failure: Locked<(any Error)?>,
                          post: AsyncStream<Control>.Continuation) async {
        await withDiscardingTaskGroup { runs in
            while let due = await slots.nextDue() {
                for slot in due {
                    guard let check = table.claim(slot.checkID) else { continue }
                    runs.addTask { await self.run(check, slot: slot.due, slots: slots, failure: failure, post: post) }
                }
            }
        }
    }

    /// One scheduled run: its result written, then the check's next slot (skipping slots the run overran).
    private func run(_ check: Check, slot: Timestamp, slots: SlotScheduler, failure: Locked<(any Error)?>,
                     post: AsyncStream<Control>.Continuation) async {
        let r = await limitedResult(of: check)
        heartbeat?.note(ok: r.ok, lateMs: r.at.milliseconds - slot.milliseconds)
        do { try emit(r) } catch {
            // Nobody reads our output any more (or it failed): stop everything.
            failure.withLock { if $0 == nil { $0 = error } }
            post.yield(.stop)
            table.markStopped(check.id)
            return
        }
        let now = clock.now()
        var next = slot
        repeat { next = next + check.every } while next <= now
        slots.add(check.id, due: next)
    }

    /// A stable offset in `0..<every` from the check id, so restarts keep the same spread.
    static func jitter(_ id: String, within every: TimeSpan) -> Int64 {
        var h: UInt64 = 14_695_981_039_346_656_037
        for b in id.utf8 { h = (h ^ UInt64(b)) &* 1_099_511_628_211 }
        return Int64(h % UInt64(max(1, every.milliseconds)))
    }
}

/// CheckTable is the runner's current set of checks, swapped whole on reload, and which ids are scheduled.
final class CheckTable: Sendable {
    private struct State {
        var order: [String] = []
        var byID: [String: Check] = [:]
        var running: Set<String> = []
    }
    private let state = Locked(State())

    init(_ checks: [Check]) { _ = replace(checks) }

    func all() -> [Check] { state.withLock { state in state.order.compactMap { state.byID[$0] } } }
    func ids() -> [String] { state.withLock { $0.order } }
    func current(_ id: String) -> Check? { state.withLock { $0.byID[id] } }

    /// Replaces the set; returns the ids added and removed.
    func replace(_ checks: [Check]) -> (added: [String], removed: [String]) {
        state.withLock { state in
            let newIDs = checks.map(\.id)
            let added = newIDs.filter { state.byID[$0] == nil }
            // A set, not the array: 15,000 checks would make a reload 225 million comparisons.
            let kept = Set(newIDs)
            let removed = state.order.filter { !kept.contains($0) }
            state.order = newIDs
            state.byID = Dictionary(checks.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            return (added, removed)
        }
    }

    /// True if the id was not scheduled and now is (it has a slot, or a run in flight, until `claim` retires it).
    func markRunning(_ id: String) -> Bool { state.withLock { $0.running.insert(id).inserted } }
    func markStopped(_ id: String) { _ = state.withLock { $0.running.remove(id) } }

    /// The check to run now, or nil (and the id is no longer scheduled) when a reload removed it.
    func claim(_ id: String) -> Check? {
        state.withLock { state in
            if let c = state.byID[id] { return c }
            state.running.remove(id)
            return nil
        }
    }
}
