import Foundation

/// OnceFlag lets exactly one of several racers act.
package final class OnceFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var taken = false
    package init() {}
    package func take() -> Bool { lock.withLock { if taken { return false }; taken = true; return true } }
}
