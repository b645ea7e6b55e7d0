import LookoutCore

/// SinkLane holds one sink's deliveries between the outbox and the network: claimed (their attempt committed) and
/// waiting for a sender, in flight, and come back waiting for the worker to record them. The worker claims and
/// records, a transaction per batch; the senders take what is waiting, up to the sink's `concurrency` at once.
///
/// At most `depth` deliveries are claimed and not yet recorded: that bounds a batch, and with it what a crash can
/// leave sent but unrecorded, which a restart sends again with the same keys (docs/routing.md).
final class SinkLane: Sendable {
    let sink: ConfiguredSink
    /// Requests in flight at once: the sink's `concurrency`, or 1 for a paced or grouping sink and a dry run.
    let limit: Int
    /// The most deliveries claimed and not yet recorded: a batch's size bound.
    let depth: Int
    /// Whether deliveries are claimed in the transaction that queues them (not for paced, grouping or dry-run sinks,
    /// which take one message at a time, after the last one's outcome).
    let claimsOnEnqueue: Bool
    /// Moved by what the worker must look at: something queued, something came back, a stop.
    let wake = LockedCounter()
    /// Moved by what a sender may start on: deliveries claimed, a hold ended, a record that made room, the end.
    let go = LockedCounter()

    struct State {
        /// Claimed and committed, not started yet, oldest first.
        var waiting: [[OutboxDelivery]] = []
        var waitingHead = 0
        var inFlight = 0
        var returned: [Dispatcher.Attempt] = []
        /// Every delivery claimed and not yet recorded: left out of claims.
        var claimed: Set<Int64> = []
        /// A Retry-After came back: nothing starts until the worker has set `notBefore` from it.
        var held = false
        var notBefore = Timestamp(milliseconds: 0)
        var halting = false
        var closed = false
    }
    private let state = Locked(State())

    /// The largest batch, whatever the concurrency.
    static let maxBatch = 256

    init(sink: ConfiguredSink, serial: Bool) {
        self.sink = sink
        limit = serial ? 1 : max(1, sink.concurrency)
        // A batch of eight rounds of `limit` requests: claimed, and recorded as they come back, a transaction for
        // several rounds rather than one each, so a slow fsync (4 ms on a busy disk) does not set the pace. A sink
        // that sends one message at a time records each before the next, as it always did.
        depth = limit == 1 ? 1 : min(limit * 8, SinkLane.maxBatch)
        claimsOnEnqueue = !serial
    }

    /// How many more deliveries may be claimed now (none while held or stopping); `recorded` are about to leave.
    func room(now: Timestamp, recording recorded: Int = 0) -> Int {
        state.withLock { s in
            guard !s.halting, !s.held, now >= s.notBefore else { return 0 }
            return max(0, depth - (s.claimed.count - recorded))
        }
    }

    var claimedIDs: Set<Int64> { state.withLock { $0.claimed } }
    var isIdle: Bool { state.withLock { $0.claimed.isEmpty } }
    /// Nothing in flight and nothing come back unrecorded.
    var isQuiet: Bool { state.withLock { $0.inFlight == 0 && $0.returned.isEmpty } }

    /// Marks deliveries claimed in a transaction not committed yet, so no other claim takes them.
    func reserve(_ messages: [[OutboxDelivery]]) {
        state.withLock { s in for m in messages { for d in m { s.claimed.insert(d.id) } } }
    }

    /// The transaction that claimed them was rolled back.
    func unreserve(_ messages: [[OutboxDelivery]]) {
        state.withLock { s in for m in messages { for d in m { s.claimed.remove(d.id) } } }
    }

    /// Claimed deliveries whose attempt is committed: messages of orphans (updates or resolves whose opening died
    /// for this sink) come back at once to be given up; the rest wait for a sender.
    func start(_ messages: [[OutboxDelivery]], now: Timestamp) {
        guard !messages.isEmpty else { return }
        var orphans = false, sendable = false
        state.withLock { s in
            for m in messages {
                let dead = m.filter { $0.openingDead && $0.event != .opened }
                if !dead.isEmpty {
                    s.returned.append(Dispatcher.Attempt(batch: dead, result: nil, after: now))
                    orphans = true
                }
                let rest = m.filter { !($0.openingDead && $0.event != .opened) }
                if !rest.isEmpty {
                    s.waiting.append(rest)
                    sendable = true
                }
            }
        }
        if orphans { wake.increment() }
        if sendable { go.increment() }
    }

    enum Next {
        case send([OutboxDelivery])
        case wait
        case closed
    }

    /// The next message a sender may start, if any.
    func next(now: Timestamp) -> Next {
        state.withLock { s in
            if s.closed { return .closed }
            guard !s.halting, !s.held, now >= s.notBefore, s.waitingHead < s.waiting.count else { return .wait }
            let message = s.waiting[s.waitingHead]
            s.waitingHead += 1
            if s.waitingHead > 64 && s.waitingHead * 2 > s.waiting.count {
                s.waiting.removeFirst(s.waitingHead)
                s.waitingHead = 0
            }
            s.inFlight += 1
            return .send(message)
        }
    }

    /// A send came back. A Retry-After holds the lane at once, before the worker has worked out for how long.
    func returned(_ attempt: Dispatcher.Attempt) {
        state.withLock { s in
            s.inFlight -= 1
            s.returned.append(attempt)
            if case .failed(let f)? = attempt.result, f.retryAfter != nil { s.held = true }
        }
        wake.increment()
    }

    /// Every attempt that came back since the last call.
    func takeReturned() -> [Dispatcher.Attempt] {
        state.withLock { s in
            defer { s.returned = [] }
            return s.returned
        }
    }

    /// The worker's view after settling: the hold (pace, Retry-After) it worked out, and whether it is stopping.
    func update(notBefore: Timestamp, halting: Bool, now: Timestamp) {
        let wakeSenders = state.withLock { s in
            s.notBefore = notBefore
            // A Retry-After that came back since the worker took what had returned holds on until it is settled.
            s.held = s.returned.contains { if case .failed(let f)? = $0.result { f.retryAfter != nil } else { false } }
            s.halting = halting
            return s.waitingHead < s.waiting.count && now >= notBefore
        }
        if wakeSenders { go.increment() }
    }

    /// Attempts whose outcomes are committed: they no longer hold room in the lane.
    func recorded(_ attempts: [Dispatcher.Attempt]) {
        guard !attempts.isEmpty else { return }
        state.withLock { s in
            for a in attempts { for d in a.batch { s.claimed.remove(d.id) } }
        }
    }

    /// Stopping: what was claimed and not started, taken back (its attempt was counted but never made).
    func takeWaiting() -> [[OutboxDelivery]] {
        state.withLock { s in
            let left = Array(s.waiting[s.waitingHead...])
            s.waiting = []
            s.waitingHead = 0
            for m in left { for d in m { s.claimed.remove(d.id) } }
            return left
        }
    }

    /// The worker has finished: senders return.
    func close() {
        state.withLock { $0.closed = true }
        go.increment()
    }
}
