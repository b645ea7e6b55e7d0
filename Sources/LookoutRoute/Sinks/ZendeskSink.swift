import Foundation
import LookoutCore

/// ZendeskSink keeps a Zendesk ticket per incident: created on opening (with the incident id as `external_id` and
/// `Idempotency-Key`), a public comment on updates, and a public comment plus `solved` on the resolve. An ack or an
/// internal note is a private comment (`public: false`), a public note a public one.
public struct ZendeskSink: Sink {
    public static let kind = "zendesk"
    public static let settingKeys: Set<String> = ["url", "email", "token", "token_file", "tags", "group_id"]

    public let name: String
    let api: HelpdeskAPI
    let tags: [String]
    let groupID: Int?
    public var isTicketSink: Bool { true }
    // Different incidents go in parallel: Zendesk answers a burst with 429 and Retry-After, which holds the sink.
    public var defaultConcurrency: Int { 8 }
    public func takesNote(isPublic: Bool) -> Bool { true }

    public init(name: String, settings: ConfigMapping, context: ConfigContext) throws {
        self.name = name
        let base = try settings.required("url").httpURL(environment: context.environment).trimmingSuffix("/")
        let email = try settings.required("email").string()
        guard let token = try settings.secret("token", environment: context.environment) else {
            throw settings.owner.error("sink \(name) (zendesk) needs token: ${ENV_VAR} or token_file: PATH")
        }
        // API token auth: `email/token:TOKEN`, Base64; the credential is a secret in every form (the redactor
        // registers its Base64 too, so a 401 echoing only the encoded credential is masked).
        api = HelpdeskAPI(base: base, credential: Secret("\(email)/token:\(token.value)", source: token.source))
        tags = try settings["tags"]?.list().map { try $0.string() } ?? ["lookout"]
        groupID = try settings["group_id"]?.int()
    }

    static func priority(_ s: Severity) -> String {
        switch s {
        case .critical: "urgent"
        case .warning: "high"
        case .info, .none: "normal"
        }
    }

    /// The ticket already made for the incident, found by `external_id` (after a crash the reference may be unknown).
    func existingTicket(_ incident: String, transport: any HTTPTransport, now: Timestamp) async -> Result<String?, SinkFailure> {
        await api.call("GET", "/api/v2/tickets.json?external_id=\(incident.queryValueEncoded)", nil, key: nil, transport: transport, now: now)
            .map { $0.json?["tickets"]?.arrayValue?.first?["id"]?.idText }
    }

    public func send(_ batch: [OutboxDelivery], via transport: any HTTPTransport, now: Timestamp) async -> SinkResult {
        guard var d = batch.first else { return .sent(ref: nil) }
        let ref: String?
        var absent = false
        switch await HelpdeskAPI.ticket(for: d, search: { await existingTicket(d.incident.id, transport: transport, now: now) }) {
        case .failure(let f): return .failed(f)
        case .success(let found):
            ref = found.ref
            absent = found.absent
            // Zendesk's external_id list is current: not found means the attempt in flight at a crash made no
            // ticket, so the one created now is the first and need not say it may be a repeat.
            if found.absent { d.repeatedAfterRestart = false }
        }
        switch d.event {
        case .opened:
            if let ref { return .sent(ref: ref) }
            // No earlier attempt, or none that made a ticket: a refused create may be sent again under a new key.
            return await openTicket(d, mayRekey: d.attempt == 1 || absent, transport: transport, now: now)
        case .updated, .resolved:
            guard let ref else { return .failed(SinkFailure("no Zendesk ticket for incident \(d.incident.id)", retryable: false)) }
            var ticket: [JSONMember] = [JSONMember(key: "comment", value: ZendeskSink.comment(d, body: IncidentText.ticketBody(d)))]
            if d.event == .resolved { ticket.append(JSONMember(key: "status", value: .string("solved"))) }
            switch await api.call("PUT", "/api/v2/tickets/\(ref).json", .object([JSONMember(key: "ticket", value: .object(ticket))]),
                                  key: d.key, transport: transport, now: now) {
            case .failure(let f): return .failed(f)
            case .success: return .sent(ref: ref)
            }
        }
    }

    /// An ack or an internal note is a private comment; everything else the customer may read.
    static func comment(_ d: OutboxDelivery, body: String, uploads: [String] = []) -> JSONValue {
        var members = [JSONMember(key: "body", value: .string(body)), JSONMember(key: "public", value: .bool(d.note?.isPublic ?? true))]
        if !uploads.isEmpty { members.append(JSONMember(key: "uploads", value: .array(uploads.map { .string($0) }))) }
        return .object(members)
    }

    /// Creates the incident's ticket. A screenshot is uploaded first (only here, once asking found no ticket, so a
    /// repeat that finds its ticket uploads nothing) and attached by its token; when it cannot be, the ticket is
    /// made without it and says where it is kept. A held sink (429 with Retry-After) fails the opening as a whole: the
    /// ticket would meet the same limit. A create refused with the picture is sent again without it under its own key
    /// (Zendesk keeps a key's first answer, the refusal) only when `mayRekey`: when no earlier attempt may have made
    /// the ticket, since a new key would not find that one.
    func openTicket(_ d: OutboxDelivery, mayRekey: Bool, transport: any HTTPTransport, now: Timestamp) async -> SinkResult {
        guard let shot = TicketScreenshot(d.incident) else { return await create(d, sentence: nil, uploads: [], key: d.key, transport: transport, now: now) }
        var failure: String?
        if let png = shot.png {
            switch await upload(png, named: shot.filename, transport: transport, now: now) {
            case .failure(let f) where f.retryAfter != nil: return .failed(f)
            case .failure(let f): failure = "the upload failed, \(TicketScreenshot.brief(f))"
            case .success(let token):
                let result = await create(d, sentence: shot.sentence(attached: true), uploads: [token], key: d.key, transport: transport, now: now)
                guard case .failed(let f) = result, !f.retryable, mayRekey else { return result }
                // Refused with the picture for good (an expired token, attachments turned off): the ticket matters more.
                return await create(d, sentence: shot.sentence(attached: false, failure: "the ticket was refused with it, \(TicketScreenshot.brief(f))"),
                                    uploads: [], key: d.key + "|without-screenshot", transport: transport, now: now)
            }
        }
        return await create(d, sentence: shot.sentence(attached: false, failure: failure), uploads: [], key: d.key, transport: transport, now: now)
    }

    /// `POST /api/v2/uploads.json`: the PNG's bytes, answered with the token a ticket's comment attaches it by.
    func upload(_ png: [UInt8], named filename: String, transport: any HTTPTransport, now: Timestamp) async -> Result<String, SinkFailure> {
        switch await api.call("POST", "/api/v2/uploads.json?filename=\(filename.queryValueEncoded)", bytes: png, contentType: "image/png",
                              key: nil, transport: transport, now: now) {
        case .failure(let f): return .failure(f)
        case .success(let r):
            guard let token = r.json?["upload"]?["token"]?.stringValue else {
                return .failure(SinkFailure("Zendesk's answer (\(r.status)) held no upload token", retryable: false))
            }
            return .success(token)
        }
    }

    func create(_ d: OutboxDelivery, sentence: String?, uploads: [String], key: String, transport: any HTTPTransport, now: Timestamp) async -> SinkResult {
        let body = IncidentText.ticketBody(d) + (sentence.map { "\n\n" + $0 } ?? "")
        var ticket: [JSONMember] = [
            JSONMember(key: "subject", value: .string(IncidentText.subject(d))),
            JSONMember(key: "comment", value: ZendeskSink.comment(d, body: body, uploads: uploads)),
            JSONMember(key: "priority", value: .string(ZendeskSink.priority(d.incident.severity))),
            JSONMember(key: "external_id", value: .string(d.incident.id)),
            JSONMember(key: "tags", value: .array(tags.map { .string($0) } + [.string(d.incident.severity.rawValue)])),
        ]
        if let email = d.site?.contactEmail {
            ticket.append(JSONMember(key: "requester", value: .object([
                JSONMember(key: "email", value: .string(email)),
                JSONMember(key: "name", value: .string(d.site?.client ?? IncidentText.siteName(d))),
            ])))
        }
        if let groupID { ticket.append(JSONMember(key: "group_id", value: .int(Int64(groupID)))) }
        switch await api.call("POST", "/api/v2/tickets.json", .object([JSONMember(key: "ticket", value: .object(ticket))]),
                              key: key, transport: transport, now: now) {
        case .failure(let f): return .failed(f)
        case .success(let r):
            guard let id = r.json?["ticket"]?["id"]?.idText else {
                return .failed(SinkFailure("Zendesk answered \(r.status) without a ticket id", retryable: true))
            }
            return .sent(ref: id)
        }
    }
}
