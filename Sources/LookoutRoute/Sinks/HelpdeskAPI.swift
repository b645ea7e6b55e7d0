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
        let headers = [("Authorization", authorization.value)]
        let request = body.map { SinkRequest.json(method, base + path, $0, headers: headers, key: key, timeout: .seconds(15)) }
            ?? SinkRequest(method: method, url: base + path, headers: headers, idempotencyKey: key, timeout: .seconds(15))
        return await transport.executeExpectingSuccess(request, now: now)
    }

    /// The delivery's ticket: the one an earlier delivery returned, else, when the ticket may exist without our
    /// knowing (anything but a first opening, e.g. a repeat after a crash), the one `search` finds.
    static func ticket(for d: OutboxDelivery, search: () async -> Result<String?, SinkFailure>) async -> Result<String?, SinkFailure> {
        guard d.ref == nil, d.event != .opened || d.attempt > 1 else { return .success(d.ref) }
        return await search()
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
