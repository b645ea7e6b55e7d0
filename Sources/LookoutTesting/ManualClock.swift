import Foundation
import LookoutCore

/// ManualClock only moves when a test advances it, as Hummingbird's `MockClock` does; sleepers wake in order.
public final class ManualClock: WallClock, Sendable {
    private struct State {
        var current: Timestamp
        var sleepers: [(id: UInt64, deadline: Timestamp, continuation: CheckedContinuation<Void, Never>)] = []
        var nextID: UInt64 = 0
    }
    private let state: Locked<State>

    public init(_ start: Timestamp) { state = Locked(State(current: start)) }

    public func now() -> Timestamp { state.withLock { $0.current } }

    /// Wakes at `deadline`, or at once when the task is cancelled (then throws `CancellationError`), as
    /// `Task.sleep` does: a stopping runner must not wait for a clock a test never advances.
    public func sleep(until deadline: Timestamp) async throws {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let wakeNow = state.withLock { state in
                    if deadline <= state.current || Task.isCancelled { return true }
                    state.sleepers.append((id, deadline, c))
                    return false
                }
                if wakeNow { c.resume() }
            }
        } onCancel: {
            let c: CheckedContinuation<Void, Never>? = state.withLock { state in
                guard let k = state.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return state.sleepers.remove(at: k).continuation
            }
            c?.resume()
        }
        try Task.checkCancellation()
    }

    /// Moves time forward and wakes every sleeper whose deadline has come.
    public func advance(by span: TimeSpan) {
        let due = state.withLock { state in
            state.current = state.current + span
            let now = state.current
            let ready = state.sleepers.filter { $0.deadline <= now }
            state.sleepers.removeAll { $0.deadline <= now }
            return ready.map(\.continuation)
        }
        due.forEach { $0.resume() }
    }

    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }
}
