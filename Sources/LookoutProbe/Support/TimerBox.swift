import LookoutCore
import NIOCore

/// TimerBox holds a step's watchdog (`Deadline`'s scheduled timer) so the step can cancel it, even if the step
/// finishes before the watchdog is stored.
final class TimerBox: Sendable {
    private struct State {
        var timer: Scheduled<Void>?
        var cancelled = false
    }
    private let state = Locked(State())

    func set(_ timer: Scheduled<Void>) {
        let cancelNow = state.withLock { state in
            state.timer = timer
            return state.cancelled
        }
        if cancelNow { timer.cancel() }
    }

    func cancel() {
        let timer = state.withLock { state in
            state.cancelled = true
            return state.timer
        }
        timer?.cancel()
    }
}
