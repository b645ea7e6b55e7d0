import Foundation

/// WallClock is the only way `probe` and timers learn the time, so tests can drive it by hand (see `ManualClock`).
public protocol WallClock: Sendable {
    func now() -> Timestamp
    /// Suspends until `deadline` on this clock, or until the task is cancelled.
    func sleep(until deadline: Timestamp) async throws
}

/// SystemClock reads the real time.
public struct SystemClock: WallClock {
    public init() {}
    public func now() -> Timestamp { Timestamp(milliseconds: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))) }
    public func sleep(until deadline: Timestamp) async throws {
        let ms = deadline.milliseconds - now().milliseconds
        if ms > 0 { try await Task.sleep(for: .milliseconds(ms)) }
    }
}
