import LookoutCore

/// SlotScheduler hands out the checks whose slot has come, sleeping on the clock until the earliest one. A slot added
/// before the one it sleeps for (a reload's new check, a short interval) or a stop wakes it early.
final class SlotScheduler: Sendable {
    private struct State {
        var heap = SlotHeap()
        /// The sleep the scheduler is in (until when, and the task to cancel to wake it), nil while it is awake.
        var sleeping: (until: Timestamp, task: Task<Void, Never>)?
        /// A wake-up that came while the scheduler was awake: it looks again before it sleeps.
        var rung = false
        var stopped = false
    }
    private let state = Locked(State())
    private let clock: any WallClock
    /// How long to sleep with no slot at all; a new slot wakes the scheduler anyway.
    private static let idle = TimeSpan.seconds(3600)

    init(clock: any WallClock) { self.clock = clock }

    func add(_ checkID: String, due: Timestamp) {
        let sleeper: Task<Void, Never>? = state.withLock { state in
            guard !state.stopped else { return nil }
            state.heap.insert(checkID, due: due)
            return Self.ring(&state, ifBefore: due)
        }
        sleeper?.cancel()
    }

    /// No more slots are handed out; `nextDue` returns nil from now on.
    func stop() {
        let sleeper: Task<Void, Never>? = state.withLock { state in
            state.stopped = true
            return Self.ring(&state, ifBefore: nil)
        }
        sleeper?.cancel()
    }

    /// The slots due now, earliest first, once at least one is; nil after `stop`.
    func nextDue() async -> [SlotHeap.Slot]? {
        while true {
            let now = clock.now()
            let step: Step = state.withLock { state in
                if state.stopped { return .stopped }
                let due = state.heap.removeDue(at: now)
                if !due.isEmpty { return .due(due) }
                if state.rung {
                    state.rung = false
                    return .lookAgain
                }
                let until = state.heap.earliest ?? now + Self.idle
                let clock = self.clock
                let sleeper = Task { _ = try? await clock.sleep(until: until) }
                state.sleeping = (until, sleeper)
                return .sleep(sleeper)
            }
            switch step {
            case .stopped: return nil
            case .due(let slots): return slots
            case .lookAgain: continue
            case .sleep(let sleeper):
                await sleeper.value
                state.withLock { state in
                    state.sleeping = nil
                    state.rung = false
                }
            }
        }
    }

    private enum Step {
        case stopped, lookAgain
        case due([SlotHeap.Slot])
        case sleep(Task<Void, Never>)
    }

    /// Marks a wake-up; returns the sleep to cancel when the scheduler sleeps past `due` (nil: whatever it sleeps for).
    private static func ring(_ state: inout State, ifBefore due: Timestamp?) -> Task<Void, Never>? {
        if let sleeping = state.sleeping {
            if let due, due >= sleeping.until { return nil }
            return sleeping.task
        }
        state.rung = true
        return nil
    }
}
