import Foundation
import LookoutCore

/// ManualClock only moves when a test advances it, as Hummingbird's `MockClock` does; sleepers wake in order.
public final class ManualClock: WallClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Timestamp
    private var sleepers: [(id: UInt64, deadline: Timestamp, continuation: CheckedContinuation<Void, Never>)] = []
    private var nextID: UInt64 = 0

    public init(_ start: Timestamp) { current = start }

    public func now() -> Timestamp { lock.withLock { current } }

    /// Wakes at `deadline`, or at once when the task is cancelled (then throws `CancellationError`), as
    /// `Task.sleep` does: a stopping runner must not wait for a clock a test never advances.
    public func sleep(until deadline: Timestamp) async throws {
        let id: UInt64 = lock.withLock { nextID += 1; return nextID }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let wakeNow: Bool = lock.withLock {
                    if deadline <= current || Task.isCancelled { return true }
                    sleepers.append((id, deadline, c))
                    return false
                }
                if wakeNow { c.resume() }
            }
        } onCancel: {
            let c: CheckedContinuation<Void, Never>? = lock.withLock {
                guard let k = sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return sleepers.remove(at: k).continuation
            }
            c?.resume()
        }
        try Task.checkCancellation()
    }

    /// Moves time forward and wakes every sleeper whose deadline has come.
    public func advance(by span: TimeSpan) {
        let due: [CheckedContinuation<Void, Never>] = lock.withLock {
            current = current + span
            let ready = sleepers.filter { $0.deadline <= current }
            sleepers.removeAll { $0.deadline <= current }
            return ready.map(\.continuation)
        }
        due.forEach { $0.resume() }
    }

    public var sleeperCount: Int { lock.withLock { sleepers.count } }
}
