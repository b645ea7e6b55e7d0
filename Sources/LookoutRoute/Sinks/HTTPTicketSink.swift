import Foundation
import LookoutCore

/// HTTPTicketSink drives any helpdesk with an HTTP API from templates: one request to open a ticket (whose answer
/// holds the ticket's id), one to comment on updates, one to resolve. `{{name}}` in a body becomes a JSON string, in
/// a URL a percent-encoded value, so a template can never produce broken JSON. Acks and notes go through the `update`
/// template with `{{body}}` the note's words; an internal one (an ack, `--internal`) only when that template says
/// where it goes (`{{public}}`, a JSON boolean, or `{{visibility}}`), so a template that always comments publicly
/// never shows the customer a note meant for the team. An optional `find` request looks the incident's ticket up
/// before an opening is sent again (after a crash or a timeout) or when an update's ticket reference is unknown, as
/// the Zendesk and Freshdesk sinks do with their search APIs.
public struct HTTPTicketSink: Sink {
    public static let kind = "http_ticket"
    public static let settingKeys: Set<String> = ["headers", "open", "update", "resolve", "find"]
    public static let variables: Set<String> = [
        "incident", "key", "event", "subject", "body", "headline", "site", "site_name", "site_url", "client",
        "contact_email", "severity", "check", "since", "at", "duration", "cause", "ref", "public", "visibility", "by",
        "screenshot",
    ]
    /// Variables written as JSON literals rather than strings.
    static let literals: Set<String> = ["public"]

    /// One templated request.
    struct Step: Sendable {
        var method: String
        var url: String
        var body: String?
        /// Dotted path of the ticket id in the answer to `open` or `find`, e.g. `ticket.id` or `tickets.0.id`.
        var refPath: [String]?
    }

    public let name: String
    let headers: [(String, String)]
    let open: Step
    let update: Step?
    let resolve: Step?
    let find: Step?
    public var isTicketSink: Bool { true }
    // Different incidents go in parallel: a helpdesk that cannot keep up answers 429 or 503, which holds the sink.
    public var defaultConcurrency: Int { 8 }

    public func takesNote(isPublic: Bool) -> Bool {
        guard let update else { return false }
        let placeholders = HTTPTicketSink.placeholders(update.url + (update.body ?? ""))
        return isPublic || placeholders.contains("public") || placeholders.contains("visibility")
    }

    public init(name: String, settings: ConfigMapping, context: ConfigContext) throws {
        self.name = name
        headers = try settings.headers(context: context)
        open = try HTTPTicketSink.step(try settings.required("open"), context: context, needsRef: true)
        update = try settings["update"].map { try HTTPTicketSink.step($0, context: context, needsRef: false) }
        resolve = try settings["resolve"].map { try HTTPTicketSink.step($0, context: context, needsRef: false) }
        find = try settings["find"].map { try HTTPTicketSink.step($0, context: context, needsRef: true, methods: ["GET", "POST"]) }
    }

    static func step(_ node: ConfigNode, context: ConfigContext, needsRef: Bool, methods: [String] = ["POST", "PUT", "PATCH"]) throws -> Step {
        let m = try node.mapping(allowing: ["method", "url", "body", "ref"])
        let method = try m["method"]?.string().uppercased() ?? methods[0]
        guard methods.contains(method) else {
            throw try m.required("method").error("\(node.path).method must be \(methods.dropLast().joined(separator: ", ")) or \(methods.last ?? "")")
        }
        let urlNode = try m.required("url")
        let url = try Secret.interpolate(try urlNode.string(), environment: context.environment, at: urlNode)
        try checkVariables(url, at: urlNode)
        let sampleURL = render(url, values: Dictionary(uniqueKeysWithValues: variables.map { ($0, "x") }), json: false)
        if let problem = sampleURL.httpURLProblem { throw urlNode.error("\(urlNode.path) \(problem) once {{...}} are filled in") }
        var body: String?
        if let bodyNode = m["body"] {
            let text = try bodyNode.string()
            try checkVariables(text, at: bodyNode)
            // Filled with sample values, the template must be JSON: a typo fails at load, not at 3 a.m.
            let sample = render(text, values: Dictionary(uniqueKeysWithValues: variables.map { ($0, "x") }), json: true)
            guard JSONValue.parse(sample) != nil else {
                throw bodyNode.error("\(bodyNode.path) is not JSON once {{...}} are filled in (write {{body}}, not \"{{body}}\": values are quoted for you)")
            }
            body = text
        }
        var refPath: [String]?
        if let refNode = m["ref"] { refPath = try refNode.string().split(separator: ".").map(String.init) }
        if needsRef && refPath == nil { throw node.error("\(node.path) needs ref: the path of the ticket id in the answer, e.g. ticket.id") }
        return Step(method: method, url: url, body: body, refPath: refPath)
    }

    static func checkVariables(_ template: String, at node: ConfigNode) throws {
        for name in placeholders(template) where !variables.contains(name) {
            throw node.error("unknown template variable {{\(name)}} in \(node.path) (known: \(variables.sorted().joined(separator: ", ")))")
        }
    }

    static func placeholders(_ template: String) -> [String] {
        var out: [String] = []
        var rest = Substring(template)
        while let open = rest.range(of: "{{"), let close = rest[open.upperBound...].range(of: "}}") {
            out.append(rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces))
            rest = rest[close.upperBound...]
        }
        return out
    }

    static func render(_ template: String, values: [String: String], json: Bool) -> String {
        var out = ""
        var rest = Substring(template)
        while let open = rest.range(of: "{{"), let close = rest[open.upperBound...].range(of: "}}") {
            out += rest[..<open.lowerBound]
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            let value = values[name] ?? ""
            if json && literals.contains(name) {
                out += value == "true" ? "true" : "false"
            } else if json {
                var bytes: [UInt8] = []
                JSONText.appendQuoted(value, to: &bytes)
                out += String(decoding: bytes, as: UTF8.self)
            } else {
                out += value.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?#"))) ?? value
            }
            rest = rest[close.upperBound...]
        }
        return out + rest
    }

    static func values(_ d: OutboxDelivery, ref: String?) -> [String: String] {
        let e = d.incident
        return [
            "incident": e.id, "key": d.key, "event": d.event.rawValue, "subject": IncidentText.subject(d),
            "body": IncidentText.ticketBody(d), "headline": IncidentText.headline(d), "site": e.site,
            "site_name": IncidentText.siteName(d), "site_url": IncidentText.siteURL(d) ?? "",
            "client": IncidentText.client(d) ?? "", "contact_email": d.site?.contactEmail ?? "",
            "severity": e.severity.rawValue, "check": e.check, "since": e.since.rfc3339, "at": e.at.rfc3339,
            "duration": IncidentText.duration(IncidentText.lasted(d)), "cause": IncidentText.cause(e), "ref": ref ?? "",
            // Comments are public unless they carry an ack or an internal note.
            "public": d.note.map { $0.isPublic ? "true" : "false" } ?? "true",
            "visibility": d.note.map { $0.isPublic ? "public" : "internal" } ?? "public", "by": d.note?.by ?? "",
            // The path probe wrote the browser check's PNG to, on the monitor: a template sends no file.
            "screenshot": e.screenshot ?? "",
        ]
    }

    /// The value at a dotted path; a number picks an array's element (`tickets.0.id`).
    static func value(at path: [String], in json: JSONValue?) -> JSONValue? {
        var value = json
        for part in path {
            if let index = Int(part), let items = value?.arrayValue {
                value = items.indices.contains(index) ? items[index] : nil
            } else {
                value = value?[part]
            }
        }
        return value
    }

    /// Renders and makes one step's request.
    func call(_ step: Step, _ d: OutboxDelivery, ref: String?, key: String?, via transport: any HTTPTransport,
              now: Timestamp) async -> Result<SinkResponse, SinkFailure> {
        let values = HTTPTicketSink.values(d, ref: ref)
        let body = step.body.map { Array(HTTPTicketSink.render($0, values: values, json: true).utf8) } ?? []
        let request = SinkRequest(method: step.method, url: HTTPTicketSink.render(step.url, values: values, json: false),
                                  headers: (step.method == "GET" ? [] : [("Content-Type", "application/json")]) + headers, body: body,
                                  idempotencyKey: key)
        return await transport.executeExpectingSuccess(request, now: now)
    }

    /// The incident's ticket as `find` answers it: its id at `ref`, or nil when the answer has none.
    func existingTicket(_ d: OutboxDelivery, find: Step, via transport: any HTTPTransport, now: Timestamp) async -> Result<String?, SinkFailure> {
        await call(find, d, ref: nil, key: nil, via: transport, now: now).map { HTTPTicketSink.value(at: find.refPath ?? [], in: $0.json)?.idText }
    }

    public func send(_ batch: [OutboxDelivery], via transport: any HTTPTransport, now: Timestamp) async -> SinkResult {
        guard var d = batch.first else { return .sent(ref: nil) }
        let step: Step
        switch d.event {
        case .opened: step = open
        case .updated:
            guard let update else { return .sent(ref: d.ref) }
            step = update
        case .resolved:
            guard let resolve else { return .sent(ref: d.ref) }
            step = resolve
        }
        var ref = d.ref
        if let find {
            switch await HelpdeskAPI.ticket(for: d, search: { [d] in await existingTicket(d, find: find, via: transport, now: now) }) {
            case .failure(let f): return .failed(f)
            case .success(let found):
                ref = found.ref
                // Asked and not found: the attempt in flight at a crash made no ticket, so this one is the first.
                if found.absent { d.repeatedAfterRestart = false }
            }
            if d.event == .opened, let ref { return .sent(ref: ref) }
        }
        if d.event != .opened && ref == nil {
            return .failed(SinkFailure("no ticket reference for incident \(d.incident.id) (its opening was not delivered)", retryable: false))
        }
        switch await call(step, d, ref: ref, key: d.key, via: transport, now: now) {
        case .failure(let f): return .failed(f)
        case .success(let r):
            guard let path = step.refPath else { return .sent(ref: ref) }
            guard let id = HTTPTicketSink.value(at: path, in: r.json)?.idText else {
                return .failed(SinkFailure("the helpdesk answered \(r.status) without \(path.joined(separator: ".")) in its body", retryable: true))
            }
            return .sent(ref: id)
        }
    }
}
