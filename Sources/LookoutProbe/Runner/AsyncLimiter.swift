import Foundation
import LookoutCore

/// AsyncLimiter lets at most `limit` tasks hold a permit at once; the rest wait in order, suspended (no thread and no
/// CPU spent while waiting).
public final class AsyncLimiter: Sendable {
    private let limit: Int
    private struct State {
        var held = 0
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state = Locked(State())

    public init(limit: Int) { self.limit = max(1, limit) }

    public func acquire() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let granted = state.withLock { state in
                if state.held < limit { state.held += 1; return true }
                state.waiters.append(c)
                return false
            }
            if granted { c.resume() }
        }
    }

    public func release() {
        let next: CheckedContinuation<Void, Never>? = state.withLock { state in
            if state.waiters.isEmpty { state.held -= 1; return nil }
            return state.waiters.removeFirst()  // the permit passes straight to the next waiter
        }
        next?.resume()
    }

    public func withPermit<T: Sendable>(_ body: () async -> T) async -> T {
        await acquire()
        defer { release() }
        return await body()
    }
}

/// HostLimiter keeps per-host politeness: at most `perHost` runs talk to one host at once.
final class HostLimiter: Sendable {
    private let perHost: Int
    private let limiters = Locked<[String: AsyncLimiter]>([:])

    init(perHost: Int) { self.perHost = max(1, perHost) }

    func limiter(for host: String) -> AsyncLimiter {
        limiters.withLock { limiters in
            if let l = limiters[host] { return l }
            let l = AsyncLimiter(limit: perHost)
            limiters[host] = l
            return l
        }
    }
}
