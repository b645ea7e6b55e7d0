@testable import LookoutCore
@testable import LookoutRoute
import Testing

@Suite struct RetryPolicyTests {
    @Test(arguments: [(400, false), (401, false), (403, false), (404, false), (410, false), (422, false),
                      (408, true), (425, true), (429, true), (500, true), (502, true), (503, true), (504, true)])
    func statusDecidesWhetherToRetry(status: Int, retryable: Bool) {
        #expect(RetryPolicy.isRetryable(status: status) == retryable)
        let failure = SinkFailure.http(SinkResponse(status: status, body: Array("nope".utf8)), now: Timestamp(seconds: 0))
        let decision = RetryPolicy().decide(failure, attempt: 1, age: .zero, jitter: 0.5)
        if retryable { #expect(decision == .retry(after: .milliseconds(500))) } else { #expect(decision == .dead("HTTP \(status): nope")) }
    }

    /// Full jitter: a uniform draw below min(base * 2^(attempt-1), cap).
    @Test(arguments: [(1, 0.0, 0), (1, 0.5, 500), (2, 0.5, 1000), (4, 0.999_999, 7999), (10, 0.5, 150_000), (40, 0.5, 150_000)])
    func backoffGrowsExponentiallyWithJitterAndACap(attempt: Int, jitter: Double, expectedMs: Int64) {
        #expect(RetryPolicy().backoff(attempt: attempt, jitter: jitter) == .milliseconds(expectedMs))
    }

    @Test(arguments: [("2", 2000), ("0", 0), ("1.5", 1500), (" 30 ", 30_000), ("Wed, 18 Nov 2026 11:00:10 GMT", 10_000)] as [(String, Int64)])
    func retryAfterIsSecondsOrAnHTTPDate(header: String, expectedMs: Int64) {
        let now = Timestamp(rfc3339: "2026-11-18T11:00:00Z")!
        #expect(RetryPolicy.retryAfter(header, now: now) == .milliseconds(expectedMs))
    }

    @Test(arguments: ["", "soon", "-3"])
    func unreadableRetryAfterIsIgnored(header: String) {
        #expect(RetryPolicy.retryAfter(header, now: Timestamp(seconds: 0)) == nil)
    }

    @Test func retryAfterWinsOverBackoffAndBudgetsEndRetries() {
        let policy = RetryPolicy(baseDelay: .seconds(1), maxDelay: .minutes(5), maxAttempts: 3, maxAge: .hours(1))
        let limited = SinkFailure("HTTP 429", retryable: true, retryAfter: .seconds(30))
        #expect(policy.decide(limited, attempt: 1, age: .zero, jitter: 0.1) == .retry(after: .seconds(30)))
        #expect(policy.decide(limited, attempt: 3, age: .zero, jitter: 0.1) == .dead("gave up after 3 attempts: HTTP 429"))
        #expect(policy.decide(limited, attempt: 2, age: .hours(2), jitter: 0.1) == .dead("gave up after 2h: HTTP 429"))
    }
}
