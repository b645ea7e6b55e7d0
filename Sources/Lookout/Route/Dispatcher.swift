import Foundation
import Logging

/// Dispatcher drains the outbox: one worker per sink sends what is due, paced, in order per incident, and records
/// each attempt's outcome in the outbox and as a `delivery` line. Retries, backoff and pacing run on the injected
/// clock; what to send was already decided, on event time, when the event was queued.
public final class Dispatcher: Sendable {
    let outbox: Outbox
    let routing: RoutingConfig
    let transport: any HTTPTransport
    let clock: any WallClock
    /// Where `delivery` lines go; nil in a dry run, where nothing is delivered.
    let writer: LineWriter?
    let sites: [String: Site]
    let logger: Logger
    let jitter: @Sendable () -> Double
    let pacing: Bool
    /// How often an idle worker looks for newly queued work.
    let pollInterval: TimeSpan
    private let finished = LockedFlag()
    private let stopping = LockedFlag()
    private let queued = LockedCounter()

    public init(outbox: Outbox, routing: RoutingConfig, sites: [Site], transport: any HTTPTransport, clock: any WallClock,
                writer: LineWriter?, logger: Logger, pacing: Bool = true, pollInterval: TimeSpan = .milliseconds(50),
                jitter: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        self.outbox = outbox; self.routing = routing; self.transport = transport; self.clock = clock
        self.writer = writer; self.logger = logger; self.pacing = pacing; self.pollInterval = pollInterval; self.jitter = jitter
        self.sites = Dictionary(sites.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// No more events will be queued: workers stop once their sink has nothing pending.
    public func inputFinished() { finished.set() }

    /// Stop after the sends in flight, leaving what is pending queued for the next start (`route --follow` on SIGTERM).
    public func stop() {
        stopping.set()
        queued.increment()
    }

    /// Something was queued: idle workers look at the outbox again.
    public func noteQueued() { queued.increment() }

    /// Runs every sink's worker until the input is finished and the outbox is empty (or a database error).
    public func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for sink in routing.sinks { group.addTask { try await self.work(sink) } }
            try await group.waitForAll()
        }
    }

    /// Sleeps on the injected clock until `deadline`, or less if something is queued meanwhile.
    private func nap(until deadline: Timestamp, unlessQueuedBeyond seen: Int) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.clock.sleep(until: deadline) }
            group.addTask { await self.queued.wait(beyond: seen) }
            _ = try await group.next()
            group.cancelAll()
        }
    }

    func work(_ sink: ConfiguredSink) async throws {
        var notBefore = Timestamp(milliseconds: 0)
        let sites = self.sites
        // An idle worker only reads the database when something was queued since its last look, when the earliest
        // waiting delivery falls due, or at the end of input: an idle `route` costs next to no CPU.
        var seen = -1
        var knownDue: Timestamp?
        while !stopping.isSet {
            let now = clock.now()
            if now < notBefore {
                // A nap rather than a sleep, so that a stop is not held up by a long Retry-After.
                try await nap(until: notBefore, unlessQueuedBeyond: queued.value)
                continue
            }
            let generation = queued.value
            let done = finished.isSet
            if generation == seen && !done && !(knownDue.map { now >= $0 } ?? false) {
                try await nap(until: min(knownDue ?? (now + pollInterval), now + pollInterval), unlessQueuedBeyond: seen)
                continue
            }
            seen = generation
            let claimed = try outbox.claim(sink: sink, now: now, maxBatch: sink.groups ? 500 : 1, sites: { sites[$0] })
            if claimed.isEmpty {
                if done, try outbox.pendingCount(sink: sink.name) == 0 { return }
                knownDue = try outbox.nextDue(sink: sink.name)
                try await clock.sleep(until: min(max(knownDue ?? now, now + .milliseconds(1)), now + pollInterval))
                continue
            }
            // After a send, look again at once: more may be due.
            seen = -1
            // An update or resolve of an incident whose opening never arrived would puzzle its readers: give it up too.
            let orphans = claimed.filter { $0.openingDead && $0.event != .opened }
            if !orphans.isEmpty {
                let reason = "not sent: the incident's opening never reached this sink"
                let lines = emit(orphans, .dead, at: now, error: reason)
                try outbox.markDead(orphans, error: reason, now: now, journal: lines)
            }
            let batch = claimed.filter { !($0.openingDead && $0.event != .opened) }
            if batch.isEmpty { continue }
            let result = await sink.sink.send(batch, via: DeadlineTransport(base: transport, timeout: sink.timeout), now: now)
            let after = clock.now()
            switch result {
            case .sent(let ref):
                // Written to a pipe, the line goes before the outbox is updated: after a crash in between, the
                // delivery is repeated and reported twice (same key), but never zero times. Journaled, it is
                // committed with the outcome and reaches the file exactly once.
                let lines = emit(batch, .sent, at: after, error: nil)
                try outbox.markSent(batch, ref: ref, journal: lines)
            case .failed(let failure):
                let attempt = batch.map(\.attempt).max() ?? 1
                let oldest = batch.map(\.queuedAt).min() ?? after
                switch routing.retry.decide(failure, attempt: attempt, age: after - oldest, jitter: jitter()) {
                case .retry(let wait):
                    let lines = emit(batch, .retrying, at: after, error: failure.message)
                    try outbox.markRetry(batch, due: after + wait, error: failure.message, journal: lines)
                    // A Retry-After holds the whole sink (it is the webhook that is limited, not the message).
                    if failure.retryAfter != nil { notBefore = max(notBefore, after + wait) }
                    logger.warning("\(sink.name): attempt \(attempt) failed, retrying in \(wait): \(failure.message)")
                case .dead(let reason):
                    let lines = emit(batch, .dead, at: after, error: reason)
                    try outbox.markDead(batch, error: reason, now: after, journal: lines)
                    logger.error("\(sink.name): gave up on \(batch.count) deliver\(batch.count == 1 ? "y" : "ies"): \(reason)")
                }
            }
            if pacing { notBefore = max(notBefore, after + sink.pace) }
        }
    }

    /// Writes the outcome's `delivery` lines, or, when the outbox journals, returns them to be committed with the
    /// outcome (`DeliveryJournal` writes them).
    func emit(_ batch: [OutboxDelivery], _ outcome: DeliveryEvent.Outcome, at: Timestamp, error: String?) -> [[UInt8]] {
        guard writer != nil || outbox.journaling else { return [] }
        var lines: [[UInt8]] = []
        for d in batch {
            var e = DeliveryEvent(incident: d.incident.id, event: d.event, sink: d.sink, outcome: outcome, attempt: d.attempt, at: at)
            e.error = error.map { Redactor.shared.redact($0) }
            e.key = d.key
            // Several deliveries carried by one grouped message share its id, so a report can count messages.
            if batch.count > 1 { e.message = "group:\(batch[0].key)+\(batch.count - 1)" }
            lines.append(e.encoded())
        }
        if outbox.journaling { return lines }
        for line in lines { try? writer?.write(line) }
        try? writer?.flush()
        return []
    }
}

/// LockedFlag is a one-way boolean shared between the reading thread and the workers.
final class LockedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}

/// LockedCounter counts enqueues, so workers can tell cheaply whether anything new arrived, and wakes the workers
/// waiting for the count to move, so a new incident is sent at once rather than at the next poll.
final class LockedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    private var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    private var nextWaiter: UInt64 = 0

    func increment() {
        let woken: [CheckedContinuation<Void, Never>] = lock.withLock {
            count += 1
            defer { waiters.removeAll() }
            return Array(waiters.values)
        }
        woken.forEach { $0.resume() }
    }

    var value: Int { lock.withLock { count } }

    /// Returns once the count is past `seen`, or when the task is cancelled.
    func wait(beyond seen: Int) async {
        let id: UInt64 = lock.withLock { nextWaiter += 1; return nextWaiter }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let now: Bool = lock.withLock {
                    if count != seen || Task.isCancelled { return true }
                    waiters[id] = c
                    return false
                }
                if now { c.resume() }
            }
        } onCancel: {
            lock.withLock { waiters.removeValue(forKey: id) }?.resume()
        }
    }
}
