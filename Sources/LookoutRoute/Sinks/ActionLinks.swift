import LookoutCore

/// ActionLinks puts the one-tap links "Acknowledge" and "Silence 1h" and the "Screenshot" link (docs/actions.md) into
/// the messages of a chat or mail sink, signed with the `actions` key. A sink has them when the config has an
/// `actions:` section, unless the sink says `action_links: false`.
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

    /// Every link a message about the delivery carries: its one-tap actions, then its screenshot.
    public func links(_ delivery: OutboxDelivery) -> [Link] {
        actions(delivery) + (screenshot(delivery).map { [$0] } ?? [])
    }

    /// The one-tap actions, or none: only an alerting incident (opened or updated, severity above none, not muted,
    /// not acknowledged yet) gets them. Each expires `link_ttl` after the incident line (event time), so the same
    /// line always gives the same links, in a replay and in a dry run.
    public func actions(_ delivery: OutboxDelivery) -> [Link] {
        let e = delivery.incident
        guard delivery.event != .resolved, e.severity != .none, e.maintenance == nil, e.ackedBy == nil else { return [] }
        let expires = e.at + ttl
        return [
            Link(title: "Acknowledge", url: signer.link(.ack, incident: e.id, expires: expires).url(base: base)),
            Link(title: "Silence \(silenceFor)", url: signer.link(.silence, incident: e.id, expires: expires).url(base: base)),
        ]
    }

    /// "Screenshot", to the PNG the incident line names (`screenshot`, which classify copies from a failed browser
    /// run), served by the receiver's `/shot/`. Evidence rather than an action, so acknowledged and muted incidents
    /// keep it; a resolve carries no screenshot. Expires as the actions do, `link_ttl` after the line.
    public func screenshot(_ delivery: OutboxDelivery) -> Link? {
        let e = delivery.incident
        guard delivery.event != .resolved, delivery.note == nil, let path = e.screenshot,
              let name = ScreenshotLink.name(ofPath: path, check: e.check) else { return nil }
        return Link(title: "Screenshot", url: signer.screenshotLink(name: name, expires: e.at + ttl).url(base: base))
    }

    /// The screenshot's path on the monitor, for a message to name in words when it carries no link to it (no
    /// `actions:` section, `action_links: false`, or a path probe did not write), so the team still knows it exists.
    public static func unlinkedScreenshot(_ delivery: OutboxDelivery, links: ActionLinks?) -> String? {
        guard delivery.event != .resolved, delivery.note == nil, let path = delivery.incident.screenshot,
              links?.screenshot(delivery) == nil else { return nil }
        return IncidentText.clip(path, 500)
    }
}
