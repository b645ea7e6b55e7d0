import Foundation
import LookoutCore

/// TeamsSink posts to a Microsoft Teams channel through a Workflows webhook ("Send webhook alerts to a channel"):
/// one Adaptive Card per delivery, wrapped as a `message` with one `application/vnd.microsoft.card.adaptive`
/// attachment. The webhook answers 202 Accepted with an empty body; like a Slack channel, it gets openings and
/// resolves but no updates unless `updates: true`. With an `actions:` section an alerting incident's card carries
/// its one-tap links as `Action.OpenUrl` buttons, and a card whose incident has a screenshot a "Screenshot" button
/// (`ActionLinks`).
public struct TeamsSink: Sink {
    public static let kind = "teams"
    public static let settingKeys: Set<String> = ["webhook_url", "webhook_url_file", ActionLinks.settingKey]

    public let name: String
    let url: Secret
    let links: ActionLinks?
    public var wantsUpdatesByDefault: Bool { false }
    /// Acks and notes show in the channel as a card of their own ("who is on it").
    public func takesNote(isPublic: Bool) -> Bool { true }

    public init(name: String, settings: ConfigMapping, context: ConfigContext) throws {
        self.name = name
        // The Workflows URL carries its signature (`sig=`) in the query: the whole URL is a secret.
        guard let url = try settings.secretHTTPURL("webhook_url", environment: context.environment) else {
            throw settings.owner.error("sink \(name) (teams) needs webhook_url: ${ENV_VAR} or webhook_url_file: PATH")
        }
        self.url = url.registeringURLParts()
        links = try ActionLinks.configured(settings, context: context)
    }

    static func color(_ delivery: OutboxDelivery) -> String {
        if delivery.event == .resolved { return "Good" }
        switch delivery.incident.severity {
        case .critical: return "Attention"
        case .warning: return "Warning"
        case .info, .none: return "Default"
        }
    }

    public static func payload(_ delivery: OutboxDelivery, links: ActionLinks? = nil) -> JSONValue {
        let incident = delivery.incident
        // An ack or a note: who said what, under the site's name, in the accent colour; no one-tap links.
        let note = delivery.note.map { note in
            "\(IncidentText.siteName(delivery)): " + (note.kind == .note && note.isPublic ? "told the client (\(note.by)): \(note.text)" : note.body)
        }
        var facts: [JSONValue] = []
        func fact(_ title: String, _ value: String?) {
            guard let value else { return }
            facts.append(.object([JSONMember(key: "title", value: .string(title)), JSONMember(key: "value", value: .string(value))]))
        }
        fact("Client", IncidentText.client(delivery))
        fact("Check", incident.check)
        fact("Severity", incident.severity.rawValue)
        fact("Since", IncidentText.time(incident.since, delivery))
        fact("Acknowledged by", incident.ackedBy)
        fact("Incident", incident.id)
        fact("Screenshot on the monitor", ActionLinks.unlinkedScreenshot(delivery, links: links))
        var card: [JSONMember] = [
            JSONMember(key: "$schema", value: .string("http://adaptivecards.io/schemas/adaptive-card.json")),
            JSONMember(key: "type", value: .string("AdaptiveCard")),
            JSONMember(key: "version", value: .string("1.4")),
            JSONMember(key: "body", value: .array([
                .object([JSONMember(key: "type", value: .string("TextBlock")), JSONMember(key: "size", value: .string("Medium")),
                         JSONMember(key: "weight", value: .string("Bolder")), JSONMember(key: "color", value: .string(note == nil ? color(delivery) : "Accent")),
                         JSONMember(key: "wrap", value: .bool(true)),
                         JSONMember(key: "text", value: .string(IncidentText.marked(note ?? IncidentText.headline(delivery), delivery)))]),
                .object([JSONMember(key: "type", value: .string("FactSet")), JSONMember(key: "facts", value: .array(facts))]),
            ] + (delivery.repeatedAfterRestart ? [.object([
                JSONMember(key: "type", value: .string("TextBlock")), JSONMember(key: "isSubtle", value: .bool(true)),
                JSONMember(key: "wrap", value: .bool(true)), JSONMember(key: "text", value: .string(IncidentText.repeatNote)),
            ])] : []))),
        ]
        var buttons = (note == nil ? links?.links(delivery) ?? [] : []).map { (title: $0.title, url: $0.url) }
        if let site = IncidentText.siteURL(delivery) { buttons.append((title: "Open site", url: site)) }
        if !buttons.isEmpty {
            card.append(JSONMember(key: "actions", value: .array(buttons.map { button in .object([
                JSONMember(key: "type", value: .string("Action.OpenUrl")), JSONMember(key: "title", value: .string(button.title)),
                JSONMember(key: "url", value: .string(button.url)),
            ]) })))
        }
        return .object([
            JSONMember(key: "type", value: .string("message")),
            JSONMember(key: "attachments", value: .array([.object([
                JSONMember(key: "contentType", value: .string("application/vnd.microsoft.card.adaptive")),
                JSONMember(key: "contentUrl", value: .null),
                JSONMember(key: "content", value: .object(card)),
            ])])),
        ])
    }

    public func send(_ batch: [OutboxDelivery], via transport: any HTTPTransport, now: Timestamp) async -> SinkResult {
        guard let d = batch.first else { return .sent(ref: nil) }
        let request = SinkRequest.json("POST", url.value, TeamsSink.payload(d, links: links), key: d.key, timeout: .seconds(10))
        return await transport.deliver(request, now: now)
    }
}
