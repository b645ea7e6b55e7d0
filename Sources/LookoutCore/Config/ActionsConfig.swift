/// ActionsConfig is the optional `actions:` section (docs/actions.md): where one-tap links in chat messages point
/// (the heartbeat receiver's public URL), the key that signs them, how long a link stays valid and how long its
/// "Silence" lasts. `route` signs links with it, `probe --listen` checks them; both load the same file.
public struct ActionsConfig: Sendable {
    /// The receiver as people's phones reach it, without a trailing slash: links are `<public_url>/act?...`.
    public var publicURL: String
    /// The HMAC-SHA256 key: a secret (`key_file:` or `key: ${ENV}`), at least 32 characters.
    public var key: Secret
    /// A link expires this long after the incident line it was made for (event time), 5m..7d.
    public var linkTTL: TimeSpan = .hours(24)
    /// How long a "Silence" link silences the incident's check, 1m..1d and at most `classify.max_control_duration`.
    public var silenceFor: TimeSpan = .hours(1)

    public static let minKeyLength = 32, maxKeyLength = 1024
    public static let linkTTLRange = TimeSpan.minutes(5)...TimeSpan.hours(24 * 7)
    public static let silenceRange = TimeSpan.minutes(1)...TimeSpan.hours(24)

    static let keys: Set<String> = ["public_url", "key", "key_file", "link_ttl", "silence_for"]

    public init(publicURL: String, key: Secret, linkTTL: TimeSpan = .hours(24), silenceFor: TimeSpan = .hours(1)) {
        self.publicURL = publicURL; self.key = key; self.linkTTL = linkTTL; self.silenceFor = silenceFor
    }

    init(node: ConfigNode, environment: [String: String], maxControlDuration: TimeSpan) throws {
        let m = try node.mapping(allowing: ActionsConfig.keys)
        let urlNode = try m.required("public_url")
        let url = try urlNode.httpURL(environment: environment)
        if url.contains("?") || url.contains("#") { throw urlNode.error("actions.public_url must not carry a query or fragment (got \"\(url)\")") }
        guard let key = try m.secret("key", environment: environment) else {
            throw node.error("actions needs key_file: PATH (or key: ${ENV_VAR}): the secret that signs the links, e.g. from `openssl rand -hex 32`")
        }
        guard (ActionsConfig.minKeyLength...ActionsConfig.maxKeyLength).contains(key.value.utf8.count) else {
            throw (m["key_file"] ?? m["key"] ?? node).error(
                "actions.key from \(key.source) must be \(ActionsConfig.minKeyLength) to \(ActionsConfig.maxKeyLength) characters (`openssl rand -hex 32` makes 64)")
        }
        self.init(publicURL: url.trimmingSuffix("/"), key: key)
        if let n = m["link_ttl"] { linkTTL = try ActionsConfig.bounded(n, ActionsConfig.linkTTLRange) }
        if let n = m["silence_for"] {
            silenceFor = try ActionsConfig.bounded(n, ActionsConfig.silenceRange)
            guard silenceFor <= maxControlDuration else {
                throw n.error("\(n.path) (\(silenceFor)) is over classify.max_control_duration (\(maxControlDuration)): classify would refuse the silence")
            }
        }
    }

    static func bounded(_ node: ConfigNode, _ range: ClosedRange<TimeSpan>) throws -> TimeSpan {
        let span = try node.duration()
        guard range.contains(span) else { throw node.error("\(node.path) must be between \(range.lowerBound) and \(range.upperBound) (got \(span))") }
        return span
    }
}
