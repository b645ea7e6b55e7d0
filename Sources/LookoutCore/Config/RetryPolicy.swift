import Foundation

/// RetryPolicy decides, from how an attempt failed, whether a delivery is tried again and when: exponential backoff
/// with full jitter for timeouts, 429 and 5xx (a `Retry-After` wins over the backoff), and a dead letter for answers
/// that will never change (400, 401, 403, 404, 410) or when the attempt or age budget runs out.
public struct RetryPolicy: Sendable, Equatable {
    /// The first backoff; attempt n waits a random span in 0 ..< base * 2^(n-1), capped at `maxDelay`.
    public var baseDelay: TimeSpan
    public var maxDelay: TimeSpan
    /// After this many attempts the delivery goes to the dead letters.
    public var maxAttempts: Int
    /// A delivery still failing this long after it was queued is given up (an alert a day late helps nobody).
    public var maxAge: TimeSpan

    public init(baseDelay: TimeSpan = .seconds(1), maxDelay: TimeSpan = .minutes(5), maxAttempts: Int = 12,
                maxAge: TimeSpan = .hours(6)) {
        self.baseDelay = baseDelay; self.maxDelay = maxDelay; self.maxAttempts = maxAttempts; self.maxAge = maxAge
    }

    /// Whether an HTTP status is worth retrying: 408, 425, 429 and 5xx are; every other 4xx is permanent.
    public static func isRetryable(status: Int) -> Bool {
        status == 408 || status == 425 || status == 429 || status >= 500
    }

    /// Full jitter (AWS architecture blog): a uniform draw between zero and the exponential ceiling, so clients that
    /// failed together do not retry together.
    public func backoff(attempt: Int, jitter: Double) -> TimeSpan {
        let exponent = min(max(attempt - 1, 0), 30)
        let ceiling = min(baseDelay.milliseconds << Int64(exponent), maxDelay.milliseconds)
        let clamped = min(max(jitter, 0), 0.999_999)
        return .milliseconds(Int64(Double(ceiling) * clamped))
    }

    /// Parses a `Retry-After` header: delay-seconds, or an HTTP date relative to `now`.
    public static func retryAfter(_ header: String?, now: Timestamp) -> TimeSpan? {
        guard let text = header?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        if let seconds = Double(text), seconds >= 0, seconds < 86_400 * 7 {
            return .milliseconds(Int64((seconds * 1000).rounded(.up)))
        }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = f.date(from: text) else { return nil }
        let ms = Int64(date.timeIntervalSince1970 * 1000) - now.milliseconds
        return .milliseconds(max(ms, 0))
    }
}
