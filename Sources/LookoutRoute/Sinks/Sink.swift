import Foundation
import LookoutCore

/// Sink is one configured destination (a Slack webhook, a helpdesk, a webhook): its settings (`SinkSpec`) and how it
/// sends. Like Alertmanager's notifiers, a send never throws: it says whether it worked and, if not, whether trying
/// again could help. A new kind is one file plus one line in `SinkRegistry.kinds`.
public protocol Sink: SinkSpec {
    /// Sends one message for `batch` (one delivery unless the sink groups). `ref` is what an earlier delivery of the
    /// same incident to this sink returned (a ticket id), for updates and resolves.
    func send(_ batch: [OutboxDelivery], via transport: any HTTPTransport, now: Timestamp) async -> SinkResult
}

extension ConfiguredSink {
    /// The sink, able to send: every kind the config can name is a `Sink` (`SinkRegistry`).
    public var sender: any Sink {
        guard let sender = sink as? any Sink else {
            preconditionFailure("sink \(name): its kind was registered without a Sink")
        }
        return sender
    }
}

/// SinkResult is how an attempt ended.
public enum SinkResult: Sendable, Equatable {
    /// Delivered; `ref` is kept for later deliveries of the same incident (a ticket id, a Slack thread).
    case sent(ref: String?)
    case failed(SinkFailure)
}

/// SinkFailure says why an attempt failed and whether it is worth repeating; the message is already redacted.
public struct SinkFailure: Sendable, Equatable, Error {
    public var message: String
    public var retryable: Bool
    public var retryAfter: TimeSpan?

    public init(_ message: String, retryable: Bool, retryAfter: TimeSpan? = nil) {
        self.message = Redactor.shared.redact(message)
        self.retryable = retryable
        self.retryAfter = retryAfter
    }

    /// The failure for an HTTP answer that was not a success.
    public static func http(_ response: SinkResponse, now: Timestamp) -> SinkFailure {
        // Redacted whole before it is cut to 200 characters: cut first, a secret straddling the cut would leave its
        // prefix, which no longer matches the secret.
        let snippet = String(Redactor.shared.redact(String(decoding: response.body, as: UTF8.self)).prefix(200))
            .replacingOccurrences(of: "\n", with: " ")
        return SinkFailure("HTTP \(response.status)\(snippet.isEmpty ? "" : ": \(snippet)")",
                           retryable: RetryPolicy.isRetryable(status: response.status),
                           retryAfter: response.status == 429 || response.status == 503
                               ? RetryPolicy.retryAfter(response.header("retry-after"), now: now) : nil)
    }
}

/// SinkRegistry lists every sink kind: the one place a new kind is registered.
public enum SinkRegistry {
    public static let kinds: [any Sink.Type] = [
        SlackSink.self,
        WebhookSink.self,
        StdoutSink.self,
        ZendeskSink.self,
        FreshdeskSink.self,
        HTTPTicketSink.self,
        EmailSink.self,
        PagerDutySink.self,
        TeamsSink.self,
    ]

    public static func kind(named name: String) -> (any Sink.Type)? { kinds.first { $0.kind == name } }
}
