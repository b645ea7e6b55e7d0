import Foundation
import LookoutCore

/// FreshdeskSink keeps a Freshdesk ticket per incident. Freshdesk has no idempotency key, so the incident id goes
/// into a custom field and a repeated opening (after a crash) searches for it before creating; updates are public
/// replies, and the resolve is a reply followed by status 4 (resolved). A public note is a reply too; an ack or an
/// internal note is a private note (`POST /api/v2/tickets/{id}/notes`, `private: true`), which the customer never sees.
public struct FreshdeskSink: Sink {
    public static let kind = "freshdesk"
    public static let settingKeys: Set<String> = ["url", "api_key", "api_key_file", "incident_field", "requester_email", "tags"]

    public let name: String
    let api: HelpdeskAPI
    /// The custom text field holding the incident id, as the API names it (`cf_...`).
    let incidentField: String
    let fallbackRequester: String?
    let tags: [String]
    public var isTicketSink: Bool { true }
    // Different incidents go in parallel: Freshdesk answers a burst with 429 and Retry-After, which holds the sink.
    public var defaultConcurrency: Int { 8 }
    public func takesNote(isPublic: Bool) -> Bool { true }

    public init(name: String, settings: ConfigMapping, context: ConfigContext) throws {
        self.name = name
        let base = try settings.required("url").httpURL(environment: context.environment).trimmingSuffix("/")
        guard let key = try settings.secret("api_key", environment: context.environment) else {
            throw settings.owner.error("sink \(name) (freshdesk) needs api_key: ${ENV_VAR} or api_key_file: PATH")
        }
        api = HelpdeskAPI(base: base, credential: Secret("\(key.value):X", source: key.source))
        let field = try settings["incident_field"]?.string() ?? "cf_lookout_incident"
        guard field.hasPrefix("cf_") else {
            throw try settings.required("incident_field").error("incident_field must be a custom field's API name, starting with cf_")
        }
        incidentField = field
        fallbackRequester = try settings["requester_email"]?.string()
        tags = try settings["tags"]?.list().map { try $0.string() } ?? ["lookout"]
    }

    static func priority(_ s: Severity) -> Int64 {
        switch s {
        case .critical: 4
        case .warning: 3
        case .info: 2
        case .none: 1
        }
    }

    /// Searches by the incident field (the search API names custom fields without their `cf_` prefix).
    func existingTicket(_ incident: String, transport: any HTTPTransport, now: Timestamp) async -> Result<String?, SinkFailure> {
        let query = "\"\(incidentField.dropFirst(3)):'\(incident)'\""
        return await api.call("GET", "/api/v2/search/tickets?query=\(query.queryValueEncoded)", nil, key: nil, transport: transport, now: now)
            .map { $0.json?["results"]?.arrayValue?.first?["id"]?.idText }
    }

    static func html(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\n", with: "<br>")
    }

    public func send(_ batch: [OutboxDelivery], via transport: any HTTPTransport, now: Timestamp) async -> SinkResult {
        guard let d = batch.first else { return .sent(ref: nil) }
        let ref: String?
        switch await HelpdeskAPI.ticket(for: d, search: { await existingTicket(d.incident.id, transport: transport, now: now) }) {
        case .failure(let f): return .failed(f)
        // Freshdesk's search index lags ticket creation, so not found is not proof: a repeat keeps its mark.
        case .success(let found): ref = found.ref
        }
        let body = FreshdeskSink.html(IncidentText.ticketBody(d))
        switch d.event {
        case .opened:
            if let ref { return .sent(ref: ref) }
            guard let email = d.site?.contactEmail ?? fallbackRequester else {
                return .failed(SinkFailure("site \(d.incident.site) has no contact_email and sink \(name) no requester_email", retryable: false))
            }
            return await openTicket(d, email: email, transport: transport, now: now)
        case .updated, .resolved:
            guard let ref else { return .failed(SinkFailure("no Freshdesk ticket for incident \(d.incident.id)", retryable: false)) }
            if let note = d.note, !note.isPublic {
                let privateNote: JSONValue = .object([JSONMember(key: "body", value: .string(body)), JSONMember(key: "private", value: .bool(true))])
                if case .failure(let f) = await api.call("POST", "/api/v2/tickets/\(ref)/notes", privateNote, key: d.key, transport: transport, now: now) {
                    return .failed(f)
                }
                return .sent(ref: ref)
            }
            let reply: JSONValue = .object([JSONMember(key: "body", value: .string(body))])
            if case .failure(let f) = await api.call("POST", "/api/v2/tickets/\(ref)/reply", reply, key: d.key, transport: transport, now: now) {
                return .failed(f)
            }
            if d.event == .resolved {
                let status: JSONValue = .object([JSONMember(key: "status", value: .int(4))])
                if case .failure(let f) = await api.call("PUT", "/api/v2/tickets/\(ref)", status, key: d.key + "|status", transport: transport, now: now) {
                    return .failed(f)
                }
            }
            return .sent(ref: ref)
        }
    }

    /// Creates the incident's ticket. With a screenshot to attach, the create is `multipart/form-data` (the only way
    /// Freshdesk takes a file) carrying the same fields as the JSON one plus `attachments[]`; refused that way for
    /// good (a 4xx: nothing was made), it is sent again as JSON, without the picture, saying where it is kept. A
    /// retryable failure is an ordinary one: the next attempt searches first, then sends the picture again.
    func openTicket(_ d: OutboxDelivery, email: String, transport: any HTTPTransport, now: Timestamp) async -> SinkResult {
        let shot = TicketScreenshot(d.incident)
        guard let shot, let png = shot.png else {
            return await create(ticket(d, email: email, sentence: shot?.sentence(attached: false)), file: nil, key: d.key, transport: transport, now: now)
        }
        let file = MultipartForm.File(field: "attachments[]", filename: shot.filename, contentType: "image/png", bytes: png)
        let result = await create(ticket(d, email: email, sentence: shot.sentence(attached: true)), file: file, key: d.key, transport: transport, now: now)
        guard case .failed(let f) = result, !f.retryable else { return result }
        let sentence = shot.sentence(attached: false, failure: "the ticket was refused with it, \(TicketScreenshot.brief(f))")
        return await create(ticket(d, email: email, sentence: sentence), file: nil, key: d.key, transport: transport, now: now)
    }

    /// The new ticket's fields, as the JSON create sends them (and the multipart one turns into form fields).
    func ticket(_ d: OutboxDelivery, email: String, sentence: String?) -> [JSONMember] {
        let body = FreshdeskSink.html(IncidentText.ticketBody(d) + (sentence.map { "\n\n" + $0 } ?? ""))
        return [
            JSONMember(key: "subject", value: .string(IncidentText.subject(d))),
            JSONMember(key: "description", value: .string(body)),
            JSONMember(key: "email", value: .string(email)),
            JSONMember(key: "priority", value: .int(FreshdeskSink.priority(d.incident.severity))),
            JSONMember(key: "status", value: .int(2)),
            JSONMember(key: "tags", value: .array(tags.map { .string($0) } + [.string(d.incident.severity.rawValue)])),
            JSONMember(key: "custom_fields", value: .object([JSONMember(key: incidentField, value: .string(d.incident.id))])),
        ]
    }

    func create(_ ticket: [JSONMember], file: MultipartForm.File?, key: String, transport: any HTTPTransport, now: Timestamp) async -> SinkResult {
        let answer: Result<SinkResponse, SinkFailure>
        if let file {
            var form = MultipartForm(json: ticket)
            form.files.append(file)
            let (contentType, body) = form.encoded()
            answer = await api.call("POST", "/api/v2/tickets", bytes: body, contentType: contentType, key: key, transport: transport, now: now)
        } else {
            answer = await api.call("POST", "/api/v2/tickets", .object(ticket), key: key, transport: transport, now: now)
        }
        switch answer {
        case .failure(let f): return .failed(f)
        case .success(let r):
            guard let id = r.json?["id"]?.idText else {
                return .failed(SinkFailure("Freshdesk answered \(r.status) without a ticket id", retryable: true))
            }
            return .sent(ref: id)
        }
    }
}
