import Foundation

/// Locked keeps a value behind a lock: the one lock type of the package. A class shared between threads or tasks
/// puts its mutable fields in one `State` struct inside a `Locked<State>` and reaches them only through `withLock`,
/// so no field is read or written without the lock and no lock is paired with fields by hand.
///
/// It is `Sendable` when its value is, so a value that is not safe to share cannot be shared through it either.
/// Keep the bodies short and never wait or suspend inside one (the lock is not reentrant).
package final class Locked<Value> {
    @usableFromInline let lock = NSLock()
    @usableFromInline var guarded: Value

    package init(_ value: Value) { guarded = value }

    /// Runs `body` with the value, holding the lock; what `body` returns or throws is passed on.
    @inlinable
    package func withLock<R, E: Error>(_ body: (inout Value) throws(E) -> R) throws(E) -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&guarded)
    }

    /// A copy of the value, read under the lock.
    @inlinable
    package var value: Value { withLock { $0 } }
}

extension Locked: @unchecked Sendable where Value: Sendable {}
