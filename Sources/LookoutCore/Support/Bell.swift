import Foundation

/// Bell wakes a thread waiting for something to do. A ring while nobody waits is remembered, so a waiter never
/// sleeps through work that arrived just before it began to wait.
public final class Bell: @unchecked Sendable {
    private let condition = NSCondition()
    private var rung = false

    public init() {}

    public func ring() {
        condition.lock()
        rung = true
        condition.signal()
        condition.unlock()
    }

    /// Waits until rung or until `seconds` pass; returns whether it was rung, and resets it.
    @discardableResult
    public func wait(seconds: Double) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date(timeIntervalSinceNow: seconds)
        while !rung, condition.wait(until: deadline) {}
        let was = rung
        rung = false
        return was
    }
}
