import LookoutCore

/// SlackSink posts Block Kit messages to Slack, with a plain `text` fallback for notifications; incidents queued
/// within the group wait go out as one message, so a shared-server outage is one post, not forty. With an incoming
/// webhook a post cannot be threaded onto; with a bot token (`chat.postMessage`) updates and the resolve land in the
/// incident's thread, the resolve also shown in the channel. With an `actions:` section, each alerting incident's
/// section ends with its one-tap links and its screenshot's (`ActionLinks`).
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
    /// Acks and notes show in the channel ("who is on it"): in the incident's thread with a bot token, as a short
    /// message of their own with a webhook.
    public func takesNote(isPublic: Bool) -> Bool { true }

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
            var message = message
            // Only openings are grouped in this mode, so anything else is one incident with its own thread.
            let thread = first.event == .opened ? nil : first.ref
            var extra: [JSONMember] = []
            if let thread {
                extra.append(JSONMember(key: "thread_ts", value: .string(thread)))
                if first.event == .resolved { extra.append(JSONMember(key: "reply_broadcast", value: .bool(true))) }
            }
            // The key rides along as message metadata, so a repeat after a crash can ask Slack first.
            extra.append(JSONMember(key: "metadata", value: .object([
                JSONMember(key: "event_type", value: .string(SlackSink.metadataType)),
                JSONMember(key: "event_payload", value: .object([JSONMember(key: "key", value: .string(key))])),
            ])))
            if batch.contains(where: \.repeatedAfterRestart) {
                switch await posted(key: key, thread: thread, since: batch.map(\.queuedAt).min() ?? now,
                                    token: token, channel: channel, api: api, via: transport, now: now) {
                case .found(let ts): return .sent(ref: first.event == .opened ? ts : first.ref)
                // Slack has no such post: the attempt in flight at the crash never made one, so this is no repeat.
                case .absent: message = SlackSink.message(batch.map { var d = $0; d.repeatedAfterRestart = false; return d }, links: links)
                case .unknown: break
                }
            }
            guard case .object(var members) = message else { return .failed(SinkFailure("unbuildable message", retryable: false)) }
            members.insert(JSONMember(key: "channel", value: .string(channel)), at: 0)
            members += extra
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

    static let metadataType = "lookout_delivery"

    /// What Slack says of an earlier post of a delivery.
    enum Lookup: Equatable {
        case found(ts: String)
        case absent
        /// No answer to rely on (no `channels:history` scope, rate limited, more messages than one page).
        case unknown
    }

    /// Whether the post carrying `key` in its metadata is in the channel's history since the delivery was queued
    /// (a minute earlier, for clock skew), or among the thread's replies. In doubt the message is posted again,
    /// marked: a lookup never costs an alert.
    func posted(key: String, thread: String?, since: Timestamp, token: Secret, channel: String, api: String,
                via transport: any HTTPTransport, now: Timestamp) async -> Lookup {
        let oldest = String(max(since.milliseconds / 1000 - 60, 0))
        var query = "channel=\(channel.queryValueEncoded)&oldest=\(oldest)&include_all_metadata=true&limit=200"
        if let thread { query += "&ts=\(thread.queryValueEncoded)" }
        let method = thread == nil ? "conversations.history" : "conversations.replies"
        let request = SinkRequest(method: "GET", url: "\(api)/\(method)?\(query)", headers: [("Authorization", "Bearer \(token.value)")],
                                  timeout: .seconds(10))
        guard case .success(let r) = await transport.executeExpectingSuccess(request, now: now), let json = r.json,
              json["ok"]?.boolValue == true, let messages = json["messages"]?.arrayValue else { return .unknown }
        let post = messages.first {
            $0["metadata"]?["event_type"]?.stringValue == SlackSink.metadataType && $0["metadata"]?["event_payload"]?["key"]?.stringValue == key
        }
        if let ts = post?["ts"]?.stringValue { return .found(ts: ts) }
        return json["has_more"]?.boolValue == false ? .absent : .unknown
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

    /// An incident's section: its fields, then its links (or its screenshot's path in words) on a line of their own,
    /// which the clip to Slack's 3,000 characters never cuts (the fields give way).
    static func incidentSection(_ d: OutboxDelivery, links: ActionLinks?) -> JSONValue {
        var tail = (links?.links(d) ?? []).map { "<\($0.url)|\(escape($0.title))>" }.joined(separator: " · ")
        if let path = ActionLinks.unlinkedScreenshot(d, links: links) {
            tail += (tail.isEmpty ? "" : "\n") + "Screenshot on the monitor: `\(escape(path))`"
        }
        guard !tail.isEmpty else { return section(detail(d)) }
        return section(IncidentText.clip(detail(d), sectionLimit - tail.count - 1) + "\n" + tail)
    }

    /// An ack or a note on an incident (never grouped): who said what, under the site's name; public notes are
    /// marked as what the client was told.
    static func noteMessage(_ d: OutboxDelivery, _ note: TicketNote) -> JSONValue {
        let said = note.kind == .ack ? ":eyes: " + note.body : note.isPublic ? ":mega: Told the client (\(note.by)): \(note.text)" : ":memo: " + note.body
        let repeated = d.repeatedAfterRestart ? " · :repeat: \(IncidentText.repeatNote)" : ""
        let blocks: [JSONValue] = [
            section("\(siteLink(d)) · `\(escape(d.incident.check))`\n\(escape(said))"),
            .object([JSONMember(key: "type", value: .string("context")),
                     JSONMember(key: "elements", value: .array([.object([
                         JSONMember(key: "type", value: .string("mrkdwn")),
                         JSONMember(key: "text", value: .string("lookout · incident \(d.incident.id)" + repeated)),
                     ])]))]),
        ]
        let fallback = (d.repeatedAfterRestart ? "[\(IncidentText.repeated)] " : "") + "\(IncidentText.siteName(d)): \(note.body)"
        return .object([JSONMember(key: "text", value: .string(IncidentText.clip(fallback, 3000))), JSONMember(key: "blocks", value: .array(blocks))])
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
        if batch.count == 1, let note = batch[0].note { return noteMessage(batch[0], note) }
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
        // A message sent again after a crash says so where it is read first (header, notification text, context),
        // so a repeated post of 28 incidents is not read as 28 new ones.
        let repeated = batch.contains(where: \.repeatedAfterRestart)
        let mark = repeated ? " (\(IncidentText.repeated))" : ""
        var blocks: [JSONValue] = [.object([
            JSONMember(key: "type", value: .string("header")),
            JSONMember(key: "text", value: .object([JSONMember(key: "type", value: .string("plain_text")),
                                                     JSONMember(key: "text", value: .string(IncidentText.clip(header, headerLimit - mark.count) + mark)),
                                                     JSONMember(key: "emoji", value: .bool(true))])),
        ])]
        for d in batch.prefix(maxIncidentsPerMessage) { blocks.append(incidentSection(d, links: links)) }
        if batch.count > maxIncidentsPerMessage {
            let rest = batch.dropFirst(maxIncidentsPerMessage).map { IncidentText.siteName($0) }
            blocks.append(section("…and \(rest.count) more: \(escape(rest.joined(separator: ", ")))"))
        }
        let ids = batch.map(\.incident.id)
        let note = repeated ? " · :repeat: \(IncidentText.repeatNote)" : ""
        blocks.append(.object([
            JSONMember(key: "type", value: .string("context")),
            JSONMember(key: "elements", value: .array([.object([
                JSONMember(key: "type", value: .string("mrkdwn")),
                JSONMember(key: "text", value: .string(IncidentText.clip("lookout · incident \(ids.count == 1 ? ids[0] : "\(ids[0]) and \(ids.count - 1) more")", sectionLimit - note.count) + note)),
            ])])),
        ]))
        let fallback = (repeated ? "[\(IncidentText.repeated)] " : "")
            + (batch.count == 1 ? IncidentText.headline(batch[0]) : header + ": " + batch.map { IncidentText.siteName($0) }.joined(separator: ", "))
        return .object([JSONMember(key: "text", value: .string(IncidentText.clip(fallback, 3000))),
                        JSONMember(key: "blocks", value: .array(blocks))])
    }
}
