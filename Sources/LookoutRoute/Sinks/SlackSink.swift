import LookoutCore

/// SlackSink posts Block Kit messages to Slack, with a plain `text` fallback for notifications; incidents queued
/// within the group wait go out as one message, so a shared-server outage is one post, not forty. With an incoming
/// webhook a post cannot be threaded onto; with a bot token (`chat.postMessage`) updates and the resolve land in the
/// incident's thread, the resolve also shown in the channel. With an `actions:` section, each alerting incident's
/// section ends with its one-tap links (`ActionLinks`).
public struct SlackSink: Sink {
    public static let kind = "slack"
    public static let settingKeys: Set<String> = ["webhook_url", "webhook_url_file", "bot_token", "bot_token_file", "channel", "api_url",
                                                  ActionLinks.settingKey]
    /// Slack allows 50 blocks; a header, a context line and an overflow line leave room for 45 incidents.
    public static let maxIncidentsPerMessage = 45
    static let sectionLimit = 3000, headerLimit = 150
    /// `chat.postMessage` errors (HTTP 200, `ok: false`) worth another try; every other one is a config problem.
    static let retryableAPIErrors: Set<String> = ["internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited"]

    enum Mode: Sendable {
        case webhook(SlackWebhook)
        case bot(token: Secret, channel: String, api: String)
    }

    public let name: String
    let mode: Mode
    let links: ActionLinks?
    var isBot: Bool { if case .bot = mode { true } else { false } }
    public var groupsMessages: Bool { true }
    public var groupsOnlyOpenings: Bool { isBot }
    public var wantsUpdatesByDefault: Bool { isBot }

    public init(name: String, settings: ConfigMapping, context: ConfigContext) throws {
        self.name = name
        links = try ActionLinks.configured(settings, context: context)
        let webhook = try settings.secretHTTPURL("webhook_url", environment: context.environment)
        let token = try settings.secret("bot_token", environment: context.environment)
        switch (webhook, token) {
        case (let webhook?, nil):
            mode = .webhook(SlackWebhook(url: webhook))
        case (nil, let token?):
            let channel = try settings["channel"].map { try $0.string() }
            guard let channel else { throw settings.owner.error("sink \(name) (slack) with bot_token needs channel: the channel id, e.g. C0123456789") }
            mode = .bot(token: token, channel: channel, api: try settings["api_url"]?.httpURL(environment: context.environment).trimmingSuffix("/") ?? "https://slack.com/api")
        case (nil, nil):
            throw settings.owner.error("sink \(name) (slack) needs webhook_url: ${ENV_VAR} or webhook_url_file: PATH (or bot_token with channel)")
        case (.some, .some):
            throw settings.owner.error("sink \(name) (slack) takes webhook_url or bot_token, not both")
        }
    }

    public func send(_ batch: [OutboxDelivery], via transport: any HTTPTransport, now: Timestamp) async -> SinkResult {
        guard let first = batch.first else { return .sent(ref: nil) }
        let message = SlackSink.message(batch, links: links)
        let key = batch.count == 1 ? first.key : "group:\(first.key)+\(batch.count - 1)"
        switch mode {
        case .webhook(let webhook):
            return await webhook.post(message, key: key, timeout: .seconds(10), via: transport, now: now)
        case .bot(let token, let channel, let api):
            guard case .object(var members) = message else { return .failed(SinkFailure("unbuildable message", retryable: false)) }
            members.insert(JSONMember(key: "channel", value: .string(channel)), at: 0)
            // Only openings are grouped in this mode, so anything else is one incident with its own thread.
            if first.event != .opened, let thread = first.ref {
                members.append(JSONMember(key: "thread_ts", value: .string(thread)))
                if first.event == .resolved { members.append(JSONMember(key: "reply_broadcast", value: .bool(true))) }
            }
            let request = SinkRequest.json("POST", api + "/chat.postMessage", .object(members),
                                               headers: [("Authorization", "Bearer \(token.value)")], key: key, timeout: .seconds(10))
            switch await transport.executeExpectingSuccess(request, now: now) {
            case .failure(let f): return .failed(f)
            case .success(let r):
                let json = r.json
                guard json?["ok"]?.boolValue == true else {
                    let error = json?["error"]?.stringValue ?? "unreadable answer"
                    return .failed(SinkFailure("Slack chat.postMessage: \(error)", retryable: SlackSink.retryableAPIErrors.contains(error)))
                }
                return .sent(ref: first.event == .opened ? json?["ts"]?.stringValue : first.ref)
            }
        }
    }

    static func emoji(_ d: OutboxDelivery) -> String {
        if d.event == .resolved { return ":white_check_mark:" }
        switch d.incident.severity {
        case .critical: return ":red_circle:"
        case .warning: return ":large_orange_circle:"
        case .info, .none: return ":large_blue_circle:"
        }
    }

    static func section(_ text: String) -> JSONValue {
        .object([JSONMember(key: "type", value: .string("section")),
                 JSONMember(key: "text", value: .object([JSONMember(key: "type", value: .string("mrkdwn")),
                                                          JSONMember(key: "text", value: .string(clip(text)))]))])
    }

    static func clip(_ text: String) -> String { IncidentText.clip(text, sectionLimit) }

    /// Slack's mrkdwn needs `&`, `<` and `>` escaped in text that is not a link.
    package static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    static func siteLink(_ d: OutboxDelivery) -> String {
        let name = escape(IncidentText.siteName(d))
        guard let url = IncidentText.siteURL(d) else { return "*\(name)*" }
        return "*<\(url)|\(name)>*"
    }

    /// An incident's section: its fields, then its one-tap links on a line of their own, which the clip to Slack's
    /// 3,000 characters never cuts (the fields give way).
    static func incidentSection(_ d: OutboxDelivery, links: ActionLinks?) -> JSONValue {
        let actions = (links?.links(d) ?? []).map { "<\($0.url)|\(escape($0.title))>" }.joined(separator: " · ")
        guard !actions.isEmpty else { return section(detail(d)) }
        return section(IncidentText.clip(detail(d), sectionLimit - actions.count - 1) + "\n" + actions)
    }

    /// The fields of one incident, as one mrkdwn paragraph.
    static func detail(_ d: OutboxDelivery) -> String {
        let e = d.incident
        var lines = ["\(emoji(d)) \(siteLink(d)) \(verb(d))"]
        var facts: [String] = []
        if let client = IncidentText.client(d) { facts.append("Client: \(escape(client))") }
        facts.append("Check: `\(escape(e.check))`")
        facts.append("Severity: \(e.severity.rawValue)")
        lines.append(facts.joined(separator: " · "))
        lines.append("\(d.event == .resolved ? "Was" : "What failed"): \(escape(IncidentText.cause(e)))")
        switch d.event {
        case .resolved: lines.append("Down since \(IncidentText.time(e.since, d)), for \(IncidentText.duration(IncidentText.lasted(d)))")
        case .opened, .updated: lines.append("Since \(IncidentText.time(e.since, d)) (\(IncidentText.duration(IncidentText.lasted(d))))")
        }
        return lines.joined(separator: "\n")
    }

    static func verb(_ d: OutboxDelivery) -> String {
        switch d.event {
        case .opened: "is \(IncidentText.trouble(d.incident))"
        case .updated: "is still \(IncidentText.trouble(d.incident))"
        case .resolved: "has recovered"
        }
    }

    /// The webhook payload: a header, one section per incident (at most 45, then a count of the rest), and a
    /// context line, with a plain-text fallback that names every site. `links`: the sink's one-tap links, if any.
    public static func message(_ batch: [OutboxDelivery], links: ActionLinks? = nil) -> JSONValue {
        let header: String
        if batch.count == 1 {
            header = "\(IncidentText.siteName(batch[0])) \(verb(batch[0]))"
        } else {
            let opened = batch.filter { $0.event != .resolved }.count
            let resolved = batch.count - opened
            var parts: [String] = []
            if opened > 0 { parts.append("\(opened) site\(opened == 1 ? "" : "s") in trouble") }
            if resolved > 0 { parts.append("\(resolved) recovered") }
            header = parts.joined(separator: ", ")
        }
        var blocks: [JSONValue] = [.object([
            JSONMember(key: "type", value: .string("header")),
            JSONMember(key: "text", value: .object([JSONMember(key: "type", value: .string("plain_text")),
                                                     JSONMember(key: "text", value: .string(IncidentText.clip(header, headerLimit))),
                                                     JSONMember(key: "emoji", value: .bool(true))])),
        ])]
        for d in batch.prefix(maxIncidentsPerMessage) { blocks.append(incidentSection(d, links: links)) }
        if batch.count > maxIncidentsPerMessage {
            let rest = batch.dropFirst(maxIncidentsPerMessage).map { IncidentText.siteName($0) }
            blocks.append(section("…and \(rest.count) more: \(escape(rest.joined(separator: ", ")))"))
        }
        let ids = batch.map(\.incident.id)
        blocks.append(.object([
            JSONMember(key: "type", value: .string("context")),
            JSONMember(key: "elements", value: .array([.object([
                JSONMember(key: "type", value: .string("mrkdwn")),
                JSONMember(key: "text", value: .string(IncidentText.clip("lookout · incident \(ids.count == 1 ? ids[0] : "\(ids[0]) and \(ids.count - 1) more")", sectionLimit))),
            ])])),
        ]))
        let fallback = batch.count == 1 ? IncidentText.headline(batch[0])
            : header + ": " + batch.map { IncidentText.siteName($0) }.joined(separator: ", ")
        return .object([JSONMember(key: "text", value: .string(IncidentText.clip(fallback, 3000))),
                        JSONMember(key: "blocks", value: .array(blocks))])
    }
}
