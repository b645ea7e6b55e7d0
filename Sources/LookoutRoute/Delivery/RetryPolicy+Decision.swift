import LookoutCore

extension RetryPolicy {
    /// What happens after a failed attempt.
    public enum Decision: Sendable, Equatable {
        case retry(after: TimeSpan)
        case dead(String)
    }

    /// `attempt` counts from 1 (the attempt that just failed); `jitter` is a uniform draw in 0..<1, injected so
    /// tests are deterministic.
    public func decide(_ failure: SinkFailure, attempt: Int, age: TimeSpan, jitter: Double) -> Decision {
        guard failure.retryable else { return .dead(failure.message) }
        if attempt >= maxAttempts { return .dead("gave up after \(attempt) attempts: \(failure.message)") }
        if age >= maxAge { return .dead("gave up after \(age): \(failure.message)") }
        if let after = failure.retryAfter {
            // A server asking for more than our cap is still obeyed: sending sooner risks the webhook being disabled.
            return .retry(after: after)
        }
        return .retry(after: backoff(attempt: attempt, jitter: jitter))
    }
}
