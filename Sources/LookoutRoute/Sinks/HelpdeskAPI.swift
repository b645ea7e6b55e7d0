import Foundation
import LookoutCore

/// HelpdeskAPI is a helpdesk's REST API as the ticket sinks call it: a base URL, one authorization header (as
/// secret as the credential it encodes), JSON bodies, and any answer but 2xx a failure.
struct HelpdeskAPI: Sendable {
    let base: String
    let authorization: Secret

    /// Basic authentication with `credential` (`user:password`), registered with the redactor in every encoding.
    init(base: String, credential: Secret) {
        self.base = base
        authorization = Secret("Basic " + Data(credential.value.utf8).base64EncodedString(), source: credential.source)
    }

    func call(_ method: String, _ path: String, _ body: JSONValue?, key: String?, transport: any HTTPTransport, now: Timestamp) async -> Result<SinkResponse, SinkFailure> {
        var bytes: [UInt8] = []
        body?.append(to: &bytes)
        return await call(method, path, bytes: bytes, contentType: body == nil ? nil : "application/json", key: key, transport: transport, now: now)
    }

    /// The same with a body that is not JSON (a file upload, a multipart form): the same authorization, timeout and
    /// redacted failures.
    func call(_ method: String, _ path: String, bytes: [UInt8], contentType: String?, key: String?, transport: any HTTPTransport,
              now: Timestamp) async -> Result<SinkResponse, SinkFailure> {
        let headers = (contentType.map { [("Content-Type", $0)] } ?? []) + [("Authorization", authorization.value)]
        let request = SinkRequest(method: method, url: base + path, headers: headers, body: bytes, idempotencyKey: key, timeout: .seconds(15))
        return await transport.executeExpectingSuccess(request, now: now)
    }

    /// What a ticket sink knows of the incident's ticket before it sends.
    struct Lookup: Sendable {
        var ref: String?
        /// The helpdesk was asked and has no ticket for the incident: an opening in flight at a crash made none.
        var absent = false
    }

    /// The delivery's ticket: the one an earlier delivery returned, else, when the ticket may exist without our
    /// knowing (anything but a first opening, e.g. a repeat after a crash or a timeout), the one `search` finds.
    /// An opening whose search is refused for good (a 403, a 404) is created anyway, marked if it is a repeat
    /// after a restart: asking first saves a second ticket, but must never cost the first.
    static func ticket(for d: OutboxDelivery, search: () async -> Result<String?, SinkFailure>) async -> Result<Lookup, SinkFailure> {
        guard d.ref == nil, d.event != .opened || d.attempt > 1 else { return .success(Lookup(ref: d.ref)) }
        switch await search() {
        case .success(let found): return .success(Lookup(ref: found, absent: found == nil))
        case .failure(let failure) where d.event == .opened && !failure.retryable: return .success(Lookup(ref: nil))
        case .failure(let failure): return .failure(failure)
        }
    }
}

extension JSONValue {
    /// An id as helpdesks return it, a number or a string, as text.
    var idText: String? {
        switch self {
        case .int(let i): String(i)
        case .string(let s): s
        default: nil
        }
    }
}
