import Foundation
import Logging
import LookoutCore

/// Dispatcher drains the outbox: one worker per sink sends what is due, in order per incident, paced, up to the
/// sink's `concurrency` messages (to different incidents) at once, and records each attempt's outcome in the outbox
/// and as a `delivery` line. Retries, backoff and pacing run on the injected clock; what to send was already
/// decided, on event time, when the event was queued.
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
    private let finished = Locked(false)
    private let stopping = Locked(false)
    /// One per sink: moved by every enqueue and by every attempt of that sink's that comes back.
    private let wakes: [String: LockedCounter]

    public init(outbox: Outbox, routing: RoutingConfig, sites: [Site], transport: any HTTPTransport, clock: any WallClock,
                writer: LineWriter?, logger: Logger, pacing: Bool = true, pollInterval: TimeSpan = .milliseconds(50),
                jitter: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        self.outbox = outbox; self.routing = routing; self.transport = transport; self.clock = clock
        self.writer = writer; self.logger = logger; self.pacing = pacing; self.pollInterval = pollInterval; self.jitter = jitter
        self.sites = Dictionary(sites.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        wakes = Dictionary(routing.sinks.map { ($0.name, LockedCounter()) }, uniquingKeysWith: { a, _ in a })
    }

    /// No more events will be queued: workers stop once their sink has nothing pending.
    public func inputFinished() {
        finished.withLock { $0 = true }
        wakes.values.forEach { $0.increment() }
    }

    /// Stop after the sends in flight, leaving what is pending queued for the next start (`route --follow` on SIGTERM).
    public func stop() {
        stopping.withLock { $0 = true }
        wakes.values.forEach { $0.increment() }
    }

    /// Something was queued: idle workers look at the outbox again.
    public func noteQueued() { wakes.values.forEach { $0.increment() } }

    /// Runs every sink's worker until the input is finished and the outbox is empty (or a database error).
    public func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for sink in routing.sinks { group.addTask { try await self.work(sink) } }
            try await group.waitForAll()
        }
    }

    /// Sleeps on the injected clock until `deadline`, or less if `wake` moves past `seen` meanwhile.
    private func nap(until deadline: Timestamp, unless wake: LockedCounter, movesBeyond seen: Int) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.clock.sleep(until: deadline) }
            group.addTask { await wake.wait(beyond: seen) }
            _ = try await group.next()
            group.cancelAll()
        }
    }

    /// An attempt that came back, waiting for the worker to record it.
    struct Attempt: Sendable {
        var batch: [OutboxDelivery]
        var result: SinkResult
        var after: Timestamp
    }

    func work(_ sink: ConfiguredSink) async throws {
        // A dry run prints its requests in queue order; pacing and grouping need one message at a time.
        let serial = transport is DryRunTransport || sink.groups || (pacing && sink.pace > .zero)
        let limit = serial ? 1 : max(1, sink.concurrency)
        let wake = wakes[sink.name] ?? LockedCounter()
        // Attempts that came back, appended by the tasks that made them and taken all at once by this worker.
        let returned = Locked<[Attempt]>([])
        let sites = self.sites
        let via = DeadlineTransport(base: transport, timeout: sink.timeout)
        var notBefore = Timestamp(milliseconds: 0)
        // The deliveries in flight: still pending in the outbox, so left out of claims (and, being pending, they
        // hold back their incidents' later deliveries until their outcome is recorded).
        var busy: Set<Int64> = []
        var running = 0
        // Outcomes known but not yet recorded; recorded in the transaction of the next claim.
        var outcomes: [DeliveryOutcome] = []
        // A worker only reads the database when something was queued or came back since its last look, when the
        // earliest waiting delivery falls due, or at the end of input: an idle `route` costs next to no CPU.
        var seen = -1
        var knownDue: Timestamp?
        try await withThrowingDiscardingTaskGroup { group in
            while true {
                try Task.checkCancellation()
                let generation = wake.value
                let attempts = returned.withLock { returned in
                    defer { returned = [] }
                    return returned
                }
                for a in attempts {
                    running -= 1
                    busy.subtract(a.batch.map(\.id))
                    outcomes.append(settle(a, sink: sink, notBefore: &notBefore))
                }
                if !attempts.isEmpty { try? writer?.flush() }
                let now = clock.now()
                // Stopping (`route --follow` on SIGTERM): nothing new starts; what is in flight is recorded.
                let halting = stopping.value
                let room = now >= notBefore && !halting ? limit - running : 0
                let look = generation != seen || !outcomes.isEmpty || knownDue.map { now >= $0 } ?? false
                var claimed: [[OutboxDelivery]] = []
                if room > 0 && look {
                    seen = generation
                    claimed = try outbox.claim(sink: sink, now: now, maxBatch: sink.groups ? 500 : 1, messages: room,
                                               excluding: busy, recording: outcomes, sites: { sites[$0] })
                    outcomes = []
                    knownDue = claimed.isEmpty ? try outbox.nextDue(sink: sink.name, excluding: busy) : nil
                } else if !outcomes.isEmpty {
                    try outbox.record(outcomes)
                    outcomes = []
                }
                for message in claimed {
                    // An update or resolve of an incident whose opening never arrived would puzzle its readers: give
                    // it up too (recorded with the next claim, which therefore comes at once).
                    let orphans = message.filter { $0.openingDead && $0.event != .opened }
                    if !orphans.isEmpty {
                        let reason = "not sent: the incident's opening never reached this sink"
                        let lines = emit(orphans, .dead, at: now, error: reason)
                        outcomes.append(DeliveryOutcome(orphans, .dead(error: reason, at: now), journal: lines))
                    }
                    let batch = message.filter { !($0.openingDead && $0.event != .opened) }
                    if batch.isEmpty { continue }
                    running += 1
                    busy.formUnion(batch.map(\.id))
                    group.addTask {
                        let result = await sink.sender.send(batch, via: via, now: now)
                        let attempt = Attempt(batch: batch, result: result, after: self.clock.now())
                        returned.withLock { $0.append(attempt) }
                        wake.increment()
                    }
                }
                if !outcomes.isEmpty { try? writer?.flush() }
                // After a claim that found something, look again at once: more may be due.
                if !claimed.isEmpty || !outcomes.isEmpty { seen = -1; continue }
                if halting {
                    if running == 0 { return }
                    await wake.wait(beyond: generation)
                    continue
                }
                if running == 0 && finished.value && generation == seen, try outbox.pendingCount(sink: sink.name) == 0 { return }
                try await rest(wake: wake, after: generation, looked: generation == seen, running: running, limit: limit,
                               notBefore: notBefore, knownDue: knownDue)
            }
        }
    }

    /// Waits until the worker has reason to look again: an attempt came back or something was queued (`wake` moved
    /// past `generation`), a hold (pace, Retry-After) ended, a delivery known to be waiting fell due, or, idle, the
    /// poll. A worker with requests in flight does not need the clock otherwise: their return wakes it. A hold is a
    /// nap, not a sleep, so a stop is not held up by a long Retry-After.
    private func rest(wake: LockedCounter, after generation: Int, looked: Bool, running: Int, limit: Int,
                      notBefore: Timestamp, knownDue: Timestamp?) async throws {
        let now = clock.now()
        if now < notBefore {
            try await nap(until: notBefore, unless: wake, movesBeyond: generation)
        } else if running > 0 {
            if running < limit, let due = knownDue {
                try await nap(until: max(due, now + .milliseconds(1)), unless: wake, movesBeyond: generation)
            } else {
                await wake.wait(beyond: generation)
            }
        } else if looked {
            let due = knownDue.map { max($0, now + .milliseconds(1)) } ?? (now + pollInterval)
            try await nap(until: min(due, now + pollInterval), unless: wake, movesBeyond: generation)
        }
    }

    /// Decides what an attempt's result means (sent, retry after a backoff, dead), writes its `delivery` lines and
    /// returns the outcome for the outbox. Written to a pipe, the lines go before the outbox records the outcome: after a
    /// crash in between, the delivery is repeated and reported twice (same key), but never zero times. Journaled, they
    /// are committed with the outcome and reach the file exactly once.
    private func settle(_ a: Attempt, sink: ConfiguredSink, notBefore: inout Timestamp) -> DeliveryOutcome {
        let batch = a.batch, after = a.after
        defer { if pacing { notBefore = max(notBefore, after + sink.pace) } }
        switch a.result {
        case .sent(let ref):
            let lines = emit(batch, .sent, at: after, error: nil)
            return DeliveryOutcome(batch, .sent(ref: ref), journal: lines)
        case .failed(let failure):
            let attempt = batch.map(\.attempt).max() ?? 1
            let oldest = batch.map(\.queuedAt).min() ?? after
            switch routing.retry.decide(failure, attempt: attempt, age: after - oldest, jitter: jitter()) {
            case .retry(let wait):
                let lines = emit(batch, .retrying, at: after, error: failure.message)
                // A Retry-After holds the whole sink (it is the webhook that is limited, not the message).
                if failure.retryAfter != nil { notBefore = max(notBefore, after + wait) }
                logger.warning("\(sink.name): attempt \(attempt) failed, retrying in \(wait): \(failure.message)")
                return DeliveryOutcome(batch, .retry(due: after + wait, error: failure.message), journal: lines)
            case .dead(let reason):
                let lines = emit(batch, .dead, at: after, error: reason)
                logger.error("\(sink.name): gave up on \(batch.count) deliver\(batch.count == 1 ? "y" : "ies"): \(reason)")
                return DeliveryOutcome(batch, .dead(error: reason, at: after), journal: lines)
            }
        }
    }

    /// Writes the outcome's `delivery` lines (the caller flushes once for everything it settled), or, when the
    /// outbox journals, returns them to be committed with the outcome (`DeliveryJournal` writes them).
    func emit(_ batch: [OutboxDelivery], _ outcome: DeliveryEvent.Outcome, at: Timestamp, error: String?) -> [[UInt8]] {
        guard writer != nil || outbox.journaling else { return [] }
        var lines: [[UInt8]] = []
        for d in batch {
            var e = DeliveryEvent(incident: d.incident.id, event: d.event, sink: d.sink, outcome: outcome, attempt: d.attempt, at: at)
            e.error = error.map { Redactor.shared.redact($0) }
            e.key = d.key
            e.note = d.note?.label
            e.repeated = d.repeatedAfterRestart
            // Several deliveries carried by one grouped message share its id, so a report can count messages.
            if batch.count > 1 { e.message = "group:\(batch[0].key)+\(batch.count - 1)" }
            lines.append(e.encoded())
        }
        if outbox.journaling { return lines }
        for line in lines { try? writer?.write(line) }
        return []
    }
}

/// LockedCounter counts enqueues, so workers can tell cheaply whether anything new arrived, and wakes the workers
/// waiting for the count to move, so a new incident is sent at once rather than at the next poll.
final class LockedCounter: Sendable {
    private struct State {
        var count = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter: UInt64 = 0
    }
    private let state = Locked(State())

    func increment() {
        let woken = state.withLock { state in
            state.count += 1
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        woken.forEach { $0.resume() }
    }

    var value: Int { state.withLock { $0.count } }

    /// Returns once the count is past `seen`, or when the task is cancelled.
    func wait(beyond seen: Int) async {
        let id = state.withLock { state in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state in
                    if state.count != seen || Task.isCancelled { return true }
                    state.waiters[id] = c
                    return false
                }
                if now { c.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }
}
