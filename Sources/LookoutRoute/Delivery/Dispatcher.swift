import Foundation
import GRDB
import Logging
import LookoutCore

/// Dispatcher drains the outbox. Per sink, a worker claims what is due and records the outcomes that came back, in
/// one transaction per batch (one fsync for all of it), and up to the sink's `concurrency` senders send what was
/// claimed, each message to a different incident, in order per incident, paced. Deliveries that can go at once are
/// claimed in the very transaction that queues them (`enqueue`), so a lone incident costs one fsync before its send.
/// Retries, backoff and pacing run on the injected clock; what to send was already decided, on event time, when the
/// event was queued.
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
    /// `route --metrics-listen`: told each outcome once the outbox has recorded it.
    let metrics: RouteMetrics?
    private let finished = Locked(false)
    private let stopping = Locked(false)
    /// One per sink, in config order.
    private let lanes: [SinkLane]

    public init(outbox: Outbox, routing: RoutingConfig, sites: [Site], transport: any HTTPTransport, clock: any WallClock,
                writer: LineWriter?, logger: Logger, pacing: Bool = true, pollInterval: TimeSpan = .milliseconds(50),
                metrics: RouteMetrics? = nil, jitter: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        self.outbox = outbox; self.routing = routing; self.transport = transport; self.clock = clock; self.metrics = metrics
        self.writer = writer; self.logger = logger; self.pacing = pacing; self.pollInterval = pollInterval; self.jitter = jitter
        self.sites = Dictionary(sites.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        // A dry run prints its requests in queue order; pacing and grouping need one message at a time.
        let dryRun = transport is DryRunTransport
        var seen: Set<String> = []
        lanes = routing.sinks.filter { seen.insert($0.name).inserted }.map { sink in
            SinkLane(sink: sink, serial: dryRun || sink.groups || (pacing && sink.pace > .zero))
        }
    }

    /// No more events will be queued: workers stop once their sink has nothing pending.
    public func inputFinished() {
        finished.withLock { $0 = true }
        lanes.forEach { $0.wake.increment() }
    }

    /// Stop after the sends in flight, leaving what is pending queued for the next start (`route --follow` on SIGTERM).
    public func stop() {
        stopping.withLock { $0 = true }
        lanes.forEach { $0.wake.increment() }
    }

    /// Queues a batch of input as `Outbox.enqueue` does, and in the same transaction claims, for every sink that
    /// takes several messages at once, the deliveries it has room for: their attempt is committed with them, and
    /// they are handed to the sink's senders as soon as that one commit is done.
    @discardableResult
    public func enqueue(_ inputs: [RouteInput], now: Timestamp, eventTime: Timestamp?, position: StreamPosition? = nil) throws -> Int {
        let sites = self.sites
        // Lanes whose claim took everything due leave their worker asleep: it would only find nothing.
        var settled: Set<ObjectIdentifier> = []
        let added = try outbox.enqueue(inputs, now: now, eventTime: eventTime, position: position) { db, added in
            guard added > 0 else { return }
            for lane in self.lanes where lane.claimsOnEnqueue {
                let room = lane.room(now: now)
                guard room > 0 else { continue }
                let claimed = try self.outbox.claim(in: db, sink: lane.sink, now: now, messages: room, excluding: lane.claimedIDs,
                                                    sites: { sites[$0] })
                if claimed.count < room { settled.insert(ObjectIdentifier(lane)) }
                guard !claimed.isEmpty else { continue }
                lane.reserve(claimed)
                db.afterNextTransaction(onCommit: { _ in lane.start(claimed, now: now) }, onRollback: { _ in lane.unreserve(claimed) })
            }
        }
        if added > 0 {
            for lane in lanes where !settled.contains(ObjectIdentifier(lane)) { lane.wake.increment() }
        }
        return added
    }

    /// Runs every sink's worker until the input is finished and the outbox is empty (or a database error).
    public func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for lane in lanes { group.addTask { try await self.work(lane) } }
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

    /// An attempt that came back, waiting for the worker to record it; `result` nil for a message given up unsent
    /// (its incident's opening died for this sink).
    struct Attempt: Sendable {
        var batch: [OutboxDelivery]
        var result: SinkResult?
        var after: Timestamp
    }

    /// A sink's worker: records what came back and claims what is due, one transaction per round, until the input
    /// is finished and nothing is pending (or, stopping, nothing is in flight); its senders run beside it.
    func work(_ lane: SinkLane) async throws {
        let sink = lane.sink
        let sites = self.sites
        let via = DeadlineTransport(base: transport, timeout: sink.timeout)
        var notBefore = Timestamp(milliseconds: 0)
        // A worker only reads the database when something was queued or came back since its last look, when the
        // earliest waiting delivery falls due, or at the end of input: an idle `route` costs next to no CPU.
        var seen = -1
        var knownDue: Timestamp?
        try await withThrowingDiscardingTaskGroup { group in
            defer { lane.close() }
            for _ in 0..<lane.limit { group.addTask { await self.send(lane, via: via) } }
            while true {
                try Task.checkCancellation()
                let generation = lane.wake.value
                let attempts = lane.takeReturned()
                var outcomes: [DeliveryOutcome] = []
                for a in attempts { outcomes.append(settle(a, sink: sink, notBefore: &notBefore)) }
                if !attempts.isEmpty { try? writer?.flush() }
                // Stopping (`route --follow` on SIGTERM): nothing new starts; what is in flight is recorded.
                let halting = stopping.value
                var now = clock.now()
                lane.update(notBefore: notBefore, halting: halting, now: now)
                let look = generation != seen || !outcomes.isEmpty || knownDue.map { now >= $0 } ?? false
                var claimed: [[OutboxDelivery]] = []
                if look && (!outcomes.isEmpty || lane.room(now: now) > 0) {
                    seen = generation
                    let at = now, recording = outcomes, outbox = self.outbox
                    (claimed, knownDue) = try await outbox.record(recording) { db in
                        let room = lane.room(now: at, recording: attempts.reduce(0) { $0 + $1.batch.count })
                        let claimed = room > 0 ? try outbox.claim(in: db, sink: sink, now: at, maxBatch: sink.groups ? 500 : 1,
                                                                  messages: room, excluding: lane.claimedIDs, sites: { sites[$0] }) : []
                        lane.reserve(claimed)
                        // Nothing due now: when the next one falls due, so the worker can sleep until then.
                        return (claimed, claimed.isEmpty ? try outbox.nextDue(in: db, sink: sink.name, excluding: lane.claimedIDs) : nil)
                    }
                    lane.recorded(attempts)
                    count(outcomes, of: attempts, sink: sink.name)
                    lane.start(claimed, now: now)
                }
                // After a round that found something, look again at once: more may be due.
                if !claimed.isEmpty || !attempts.isEmpty { seen = -1; continue }
                if halting {
                    if lane.isQuiet {
                        // Claimed but never started: the attempt counted for them was not made.
                        try await outbox.unclaim(lane.takeWaiting())
                        return
                    }
                    await lane.wake.wait(beyond: generation)
                    continue
                }
                now = clock.now()
                if lane.isIdle && finished.value && generation == seen, try await outbox.pendingDeliveries(sink: sink.name) == 0 { return }
                try await rest(lane, after: generation, looked: generation == seen, notBefore: notBefore, knownDue: knownDue)
            }
        }
    }

    /// Counts committed outcomes, a delivery each, as its delivery lines say (`outcomes` were settled from `attempts`).
    private func count(_ outcomes: [DeliveryOutcome], of attempts: [Attempt], sink: String) {
        guard let metrics else { return }
        for (outcome, attempt) in zip(outcomes, attempts) {
            let kind: DeliveryEvent.Outcome = switch outcome.result {
            case .sent: .sent
            case .retry: .retrying
            case .dead: .dead
            }
            metrics.recorded(sink: sink, kind, count: outcome.batch.count, at: attempt.after)
        }
    }

    /// A sender: starts the lane's waiting messages one after the other while the lane lets it, until the lane closes.
    private func send(_ lane: SinkLane, via: any HTTPTransport) async {
        let sink = lane.sink
        while true {
            let generation = lane.go.value
            switch lane.next(now: clock.now()) {
            case .closed:
                return
            case .send(let batch):
                let result = await sink.sender.send(batch, via: via, now: clock.now())
                lane.returned(Attempt(batch: batch, result: result, after: clock.now()))
            case .wait:
                await lane.go.wait(beyond: generation)
                if Task.isCancelled { return }
            }
        }
    }

    /// Waits until the worker has reason to look again: an attempt came back or something was queued (`wake` moved
    /// past `generation`), a hold (pace, Retry-After) ended, a delivery known to be waiting fell due, or, idle, the
    /// poll. A worker with requests out does not need the clock otherwise: their return wakes it. A hold is a nap,
    /// not a sleep, so a stop is not held up by a long Retry-After.
    private func rest(_ lane: SinkLane, after generation: Int, looked: Bool, notBefore: Timestamp, knownDue: Timestamp?) async throws {
        let now = clock.now()
        if now < notBefore {
            try await nap(until: notBefore, unless: lane.wake, movesBeyond: generation)
        } else if !lane.isIdle {
            if lane.room(now: now) > 0, let due = knownDue {
                try await nap(until: max(due, now + .milliseconds(1)), unless: lane.wake, movesBeyond: generation)
            } else {
                await lane.wake.wait(beyond: generation)
            }
        } else if looked {
            let due = knownDue.map { max($0, now + .milliseconds(1)) } ?? (now + pollInterval)
            try await nap(until: min(due, now + pollInterval), unless: lane.wake, movesBeyond: generation)
        }
    }

    /// Decides what an attempt's result means (sent, retry after a backoff, dead), writes its `delivery` lines and
    /// returns the outcome for the outbox. Written to a pipe, the lines go before the outbox records the outcome: after a
    /// crash in between, the delivery is repeated and reported twice (same key), but never zero times. Journaled, they
    /// are committed with the outcome and reach the file exactly once.
    private func settle(_ a: Attempt, sink: ConfiguredSink, notBefore: inout Timestamp) -> DeliveryOutcome {
        let batch = a.batch, after = a.after
        guard let result = a.result else {
            // An update or resolve of an incident whose opening never arrived would puzzle its readers: given up.
            let reason = "not sent: the incident's opening never reached this sink"
            return DeliveryOutcome(batch, .dead(error: reason, at: after), journal: emit(batch, .dead, at: after, error: reason))
        }
        defer { if pacing { notBefore = max(notBefore, after + sink.pace) } }
        switch result {
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
