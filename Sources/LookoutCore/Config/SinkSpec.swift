import Foundation

/// SinkSpec is what the config model knows of a sink kind: its key, its settings (secrets included) and how it
/// behaves in the outbox. The route stage's `Sink` adds how to send; the kinds are registered in `ConfigKinds`.
public protocol SinkSpec: Sendable {
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
    /// Whether the sink takes acks and notes on an incident it heard of (docs/routing.md, *Acks and notes*): a
    /// helpdesk comments them on the ticket, a public note only where the customer may read it, an internal one (and
    /// an ack) only where it stays private; a team chat shows them all.
    func takesNote(isPublic: Bool) -> Bool
}

public extension SinkSpec {
    var isTicketSink: Bool { false }
    var groupsMessages: Bool { false }
    var groupsOnlyOpenings: Bool { false }
    var wantsUpdatesByDefault: Bool { true }
    /// One at a time unless a kind knows its receivers take more.
    var defaultConcurrency: Int { 1 }
    /// No notes unless a kind can keep them where they belong.
    func takesNote(isPublic: Bool) -> Bool { false }
}
