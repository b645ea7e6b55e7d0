import LookoutCore

/// SlackWebhook is the one way lookout posts to a Slack incoming webhook: route's Slack sink for incidents, and
/// report for the day's summary. Whatever Slack answers is a `SinkResult`, so both retry by the same `RetryPolicy`.
/// The URL is a secret (its path is the credential), registered with the redactor part by part.
public struct SlackWebhook: Sendable {
    public let url: Secret

    public init(url: Secret) { self.url = url.registeringURLParts() }

    /// One POST of `payload`; a 2xx answer is success (Slack says `ok`).
    public func post(_ payload: JSONValue, key: String?, timeout: TimeSpan, via transport: any HTTPTransport,
                     now: Timestamp) async -> SinkResult {
        await transport.deliver(SinkRequest.json("POST", url.value, payload, key: key, timeout: timeout), now: now)
    }

    /// Posts with up to `attempts` tries, waiting between them as `RetryPolicy` says (a `Retry-After` wins), for a
    /// sender with no outbox to come back to. Throws the last failure, redacted.
    public func deliver(_ payload: JSONValue, attempts: Int = 3, timeout: TimeSpan = .seconds(15),
                        via transport: any HTTPTransport = AsyncHTTPTransport(),
                        clock: any WallClock = SystemClock()) async throws(SinkFailure) {
        let policy = RetryPolicy(baseDelay: .seconds(1), maxDelay: .seconds(30), maxAttempts: max(attempts, 1), maxAge: .hours(1))
        let started = clock.now()
        for attempt in 1... {
            let now = clock.now()
            guard case .failed(let failure) = await post(payload, key: nil, timeout: timeout, via: transport, now: now) else { return }
            switch policy.decide(failure, attempt: attempt, age: now - started, jitter: 1) {
            case .dead:
                throw failure
            case .retry(let after):
                do { try await clock.sleep(until: clock.now() + min(after, policy.maxDelay)) } catch { throw failure }
            }
        }
    }
}
