import Foundation

/// OnceFlag lets exactly one of several racers act.
package final class OnceFlag: Sendable {
    private let taken = Locked(false)
    package init() {}
    package func take() -> Bool { taken.withLock { taken in if taken { return false }; taken = true; return true } }
}
