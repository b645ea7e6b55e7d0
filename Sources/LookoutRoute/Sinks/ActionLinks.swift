import LookoutCore

/// ActionLinks puts the one-tap links "Acknowledge" and "Silence 1h" (docs/actions.md) into the messages of a chat
/// sink, signed with the `actions` key. A sink has them when the config has an `actions:` section, unless the sink
/// says `action_links: false`.
public struct ActionLinks: Sendable {
    let signer: ActionSigner
    let base: String
    let ttl: TimeSpan
    let silenceFor: TimeSpan

    /// The sink setting that turns the links off for one sink (a quiet channel nobody acts from).
    public static let settingKey = "action_links"

    public init(_ actions: ActionsConfig) {
        signer = ActionSigner(key: actions.key)
        base = actions.publicURL
        ttl = actions.linkTTL
        silenceFor = actions.silenceFor
    }

    /// The links a sink carries: from the config's `actions:` section, unless `action_links: false`.
    static func configured(_ settings: ConfigMapping, context: ConfigContext) throws -> ActionLinks? {
        let wanted = try settings[settingKey]?.bool() ?? true
        return wanted ? context.actions.map(ActionLinks.init) : nil
    }

    /// A link to show, with its label.
    public struct Link: Sendable, Equatable {
        public var title: String
        public var url: String
    }

    /// The links for a delivery, or none: only an alerting incident (opened or updated, severity above none, not
    /// muted, not acknowledged yet) gets them. Each expires `link_ttl` after the incident line (event time), so the
    /// same line always gives the same links, in a replay and in a dry run.
    public func links(_ delivery: OutboxDelivery) -> [Link] {
        let e = delivery.incident
        guard delivery.event != .resolved, e.severity != .none, e.maintenance == nil, e.ackedBy == nil else { return [] }
        let expires = e.at + ttl
        return [
            Link(title: "Acknowledge", url: signer.link(.ack, incident: e.id, expires: expires).url(base: base)),
            Link(title: "Silence \(silenceFor)", url: signer.link(.silence, incident: e.id, expires: expires).url(base: base)),
        ]
    }
}
