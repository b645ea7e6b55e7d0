import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// SlackPoster posts a payload to a Slack incoming webhook, retrying 429 (honouring `Retry-After`) and 5xx a few
/// times; any other refusal is final. Errors never carry the webhook URL, which is a secret.
public struct SlackPoster: Sendable {
    public var webhook: Secret
    public var attempts = 3
    public var timeout: TimeInterval = 15

    public init(webhook: Secret) { self.webhook = webhook }

    public struct PostError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { Redactor.shared.redact(message) }
    }

    public func post(_ payload: JSONValue) throws {
        guard let url = URL(string: webhook.value) else { throw PostError(message: "the Slack webhook (\(webhook.source)) is not a URL") }
        var body: [UInt8] = []
        payload.append(to: &body)
        var lastError = ""
        for attempt in 1...attempts {
            var request = URLRequest(url: url, timeoutInterval: timeout)
            request.httpMethod = "POST"
            request.setValue("application/json; charset=utf-8", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(body)
            let (status, text, retryAfter, failure) = SlackPoster.send(request)
            if status == 200 { return }
            if let failure { lastError = "cannot reach Slack: \(failure)" } else { lastError = "Slack answered \(status): \(text.prefix(200))" }
            guard failure != nil || status == 429 || status >= 500, attempt < attempts else { break }
            Thread.sleep(forTimeInterval: min(retryAfter ?? Double(attempt), 30))
        }
        throw PostError(message: lastError)
    }

    private final class Box: @unchecked Sendable {
        var status = 0, text = "", retryAfter: Double?, failure: String?
    }

    private static func send(_ request: URLRequest) -> (Int, String, Double?, String?) {
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        let task = URLSession.shared.dataTask(with: request) { data, response, error in
            if let error { box.failure = error.localizedDescription }
            if let http = response as? HTTPURLResponse {
                box.status = http.statusCode
                box.retryAfter = (http.value(forHTTPHeaderField: "Retry-After")).flatMap(Double.init)
            }
            box.text = data.map { String(decoding: $0, as: UTF8.self) } ?? ""
            done.signal()
        }
        task.resume()
        done.wait()
        return (box.status, box.text, box.retryAfter, box.failure)
    }
}
