import Foundation
import LookoutCore

/// AsyncLimiter lets at most `limit` tasks hold a permit at once; the rest wait in order, suspended (no thread and no
/// CPU spent while waiting).
public final class AsyncLimiter: @unchecked Sendable {
    private let lock = NSLock()
    private let limit: Int
    private var held = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []

    public init(limit: Int) { self.limit = max(1, limit) }

    public func acquire() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let granted: Bool = lock.withLock {
                if held < limit { held += 1; return true }
                waiters.append(c)
                return false
            }
            if granted { c.resume() }
        }
    }

    public func release() {
        let next: CheckedContinuation<Void, Never>? = lock.withLock {
            if waiters.isEmpty { held -= 1; return nil }
            return waiters.removeFirst()  // the permit passes straight to the next waiter
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
final class HostLimiter: @unchecked Sendable {
    private let lock = NSLock()
    private let perHost: Int
    private var limiters: [String: AsyncLimiter] = [:]

    init(perHost: Int) { self.perHost = max(1, perHost) }

    func limiter(for host: String) -> AsyncLimiter {
        lock.withLock {
            if let l = limiters[host] { return l }
            let l = AsyncLimiter(limit: perHost)
            limiters[host] = l
            return l
        }
    }
}
