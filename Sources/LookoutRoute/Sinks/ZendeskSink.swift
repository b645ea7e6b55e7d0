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
        switch await HelpdeskAPI.ticket(for: d, search: { await existingTicket(d.incident.id, transport: transport, now: now) }) {
        case .failure(let f): return .failed(f)
        case .success(let found):
            ref = found.ref
            // Zendesk's external_id list is current: not found means the attempt in flight at a crash made no
            // ticket, so the one created now is the first and need not say it may be a repeat.
            if found.absent { d.repeatedAfterRestart = false }
        }
        // An ack or an internal note is a private comment; everything else the customer may read.
        let comment: JSONValue = .object([JSONMember(key: "body", value: .string(IncidentText.ticketBody(d))),
                                          JSONMember(key: "public", value: .bool(d.note?.isPublic ?? true))])
        switch d.event {
        case .opened:
            if let ref { return .sent(ref: ref) }
            var ticket: [JSONMember] = [
                JSONMember(key: "subject", value: .string(IncidentText.subject(d))),
                JSONMember(key: "comment", value: comment),
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
                                  key: d.key, transport: transport, now: now) {
            case .failure(let f): return .failed(f)
            case .success(let r):
                guard let id = r.json?["ticket"]?["id"]?.idText else {
                    return .failed(SinkFailure("Zendesk answered \(r.status) without a ticket id", retryable: true))
                }
                return .sent(ref: id)
            }
        case .updated, .resolved:
            guard let ref else { return .failed(SinkFailure("no Zendesk ticket for incident \(d.incident.id)", retryable: false)) }
            var ticket: [JSONMember] = [JSONMember(key: "comment", value: comment)]
            if d.event == .resolved { ticket.append(JSONMember(key: "status", value: .string("solved"))) }
            switch await api.call("PUT", "/api/v2/tickets/\(ref).json", .object([JSONMember(key: "ticket", value: .object(ticket))]),
                                  key: d.key, transport: transport, now: now) {
            case .failure(let f): return .failed(f)
            case .success: return .sent(ref: ref)
            }
        }
    }
}
