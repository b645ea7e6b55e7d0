import LookoutCore

/// TimerBox holds a step's watchdog (`Deadline`) so the step can cancel it, even if the step finishes before the
/// watchdog is stored.
final class TimerBox: Sendable {
    private struct State {
        var task: Task<Void, Never>?
        var cancelled = false
    }
    private let state = Locked(State())

    func set(_ task: Task<Void, Never>) {
        let cancelNow = state.withLock { state in
            state.task = task
            return state.cancelled
        }
        if cancelNow { task.cancel() }
    }

    func cancel() {
        let task = state.withLock { state in
            state.cancelled = true
            return state.task
        }
        task?.cancel()
    }
}
