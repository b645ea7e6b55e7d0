import AsyncHTTPClient
import Foundation
import LookoutCore
import LookoutRoute
import NIOCore

/// SlackPoster posts a payload to a Slack incoming webhook, retrying what route's `RetryPolicy` retries (an
/// unreachable host, 408, 425, 429 and 5xx, honouring `Retry-After`) a few times; any other refusal is final.
/// Errors never carry the webhook URL, which is a secret.
public struct SlackPoster: Sendable {
    public var webhook: Secret
    public var attempts = 3
    public var timeout: TimeInterval = 15

    public init(webhook: Secret) { self.webhook = webhook }

    public struct PostError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { Redactor.shared.redact(message) }
    }

    public func post(_ payload: JSONValue) throws {
        guard let url = URL(string: webhook.value) else { throw PostError(message: "the Slack webhook (\(webhook.source)) is not a URL") }
        var body: [UInt8] = []
        payload.append(to: &body)
        var lastError = ""
        for attempt in 1...attempts {
            let (status, text, retryAfter, failure) = SlackPoster.send(url.absoluteString, body: body, timeout: timeout)
            if status == 200 { return }
            if let failure { lastError = "cannot reach Slack: \(failure)" } else { lastError = "Slack answered \(status): \(text.prefix(200))" }
            guard failure != nil || RetryPolicy.isRetryable(status: status), attempt < attempts else { break }
            // The wait is I/O pacing, not a figure of the report, so the wall clock is the right one here.
            let asked = RetryPolicy.retryAfter(retryAfter, now: SystemClock().now()).map { Double($0.milliseconds) / 1000 }
            Thread.sleep(forTimeInterval: min(asked ?? Double(attempt), 30))
        }
        throw PostError(message: lastError)
    }

    /// One POST through AsyncHTTPClient's shared client (not URLSession: importing FoundationNetworking loads libcurl
    /// and about thirty libraries behind it, some 6 MB resident, into every stage that links Lookout).
    private static func send(_ url: String, body: [UInt8], timeout: TimeInterval) -> (Int, String, String?, String?) {
        do {
            var request = try HTTPClient.Request(url: url, method: .POST)
            request.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
            // One post, then done: no idle connection left behind in the shared pool.
            request.headers.add(name: "Connection", value: "close")
            request.body = .bytes(body)
            let deadline = NIODeadline.now() + .milliseconds(Int64(timeout * 1000))
            let response = try HTTPClient.shared.execute(request: request, deadline: deadline).wait()
            let text = response.body.map { String(buffer: $0) } ?? ""
            return (Int(response.status.code), text, response.headers.first(name: "Retry-After"), nil)
        } catch {
            return (0, "", nil, "\(error)")
        }
    }
}
