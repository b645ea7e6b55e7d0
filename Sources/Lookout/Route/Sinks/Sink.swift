import Foundation

/// Sink is one configured destination (a Slack webhook, a helpdesk, a webhook). Like Alertmanager's notifiers, a
/// send never throws: it says whether it worked and, if not, whether trying again could help.
public protocol Sink: Sendable {
    /// The kind's config key, e.g. `slack`.
    static var kind: String { get }
    /// Keys the kind accepts besides the common ones (`kind`, `pace`, `timeout`, `group`, `updates`, `concurrency`).
    static var settingKeys: Set<String> { get }
    init(name: String, settings: ConfigMapping, context: ConfigContext) throws

    var name: String { get }
    /// Helpdesks get a ticket only for tiers with `ticket: true`.
    var isTicketSink: Bool { get }
    /// Whether deliveries queued close together are sent as one message (chat sinks).
    var groupsMessages: Bool { get }
    /// Whether only openings are grouped (a threaded chat: later events go to each incident's own thread).
    var groupsOnlyOpenings: Bool { get }
    /// Whether `updated` events are delivered by default (ticket comments and machine sinks: yes; a chat channel: no).
    var wantsUpdatesByDefault: Bool { get }
    /// How many messages to different incidents may be in flight at once unless `concurrency` says otherwise.
    var defaultConcurrency: Int { get }

    /// Sends one message for `batch` (one delivery unless the sink groups). `ref` is what an earlier delivery of the
    /// same incident to this sink returned (a ticket id), for updates and resolves.
    func send(_ batch: [OutboxDelivery], via transport: any HTTPTransport, now: Timestamp) async -> SinkResult
}

public extension Sink {
    var isTicketSink: Bool { false }
    var groupsMessages: Bool { false }
    var groupsOnlyOpenings: Bool { false }
    var wantsUpdatesByDefault: Bool { true }
    /// One at a time unless a kind knows its receivers take more.
    var defaultConcurrency: Int { 1 }
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
        let snippet = String(decoding: response.body.prefix(200), as: UTF8.self)
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
    ]

    public static func kind(named name: String) -> (any Sink.Type)? { kinds.first { $0.kind == name } }
}

extension Secret {
    /// A webhook URL's credential is its path (Slack: `/services/T…/B…/token`): an error page or a proxy may echo
    /// the path without the host, so the path and the query are registered as secrets on their own too.
    func registeringURLParts() -> Secret {
        if let url = URLComponents(string: value) {
            for part in [url.percentEncodedPath, url.percentEncodedQuery ?? ""] where part.count >= 8 {
                Redactor.shared.register(part)
            }
        }
        return self
    }
}

extension ConfigMapping {
    /// A sink's `headers:` mapping, in order, with `${ENV}` in the values substituted (and registered as secrets).
    func headers(context: ConfigContext) throws -> [(String, String)] {
        try (self["headers"]?.namedEntries() ?? []).map { entry in
            (entry.name, try Secret.interpolate(try entry.value.string(), environment: context.environment, at: entry.value))
        }
    }
}

extension String {
    /// Without `suffix` at the end, if it was there (a base URL's trailing slash).
    func trimmingSuffix(_ suffix: String) -> String { hasSuffix(suffix) ? String(dropLast(suffix.count)) : self }

    /// Percent-encoded for a URL query value: only RFC 3986 unreserved ASCII characters stay as they are.
    var queryValueEncoded: String {
        addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")) ?? self
    }
}
