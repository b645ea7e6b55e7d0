import LookoutCore

/// WebhookSink posts each delivery as JSON (the incident line whole, plus the delivery key and site) to any URL,
/// for automation that wants the raw events.
public struct WebhookSink: Sink {
    public static let kind = "webhook"
    public static let settingKeys: Set<String> = ["url", "url_file", "headers"]

    public let name: String
    // Different incidents go in parallel, over as many kept-alive connections to the receiver.
    public var defaultConcurrency: Int { 8 }
    let url: Secret
    let headers: [(String, String)]

    public init(name: String, settings: ConfigMapping, context: ConfigContext) throws {
        self.name = name
        // The whole URL is a secret: webhook receivers usually put their token in it.
        guard let url = try settings.secretHTTPURL("url", environment: context.environment) else {
            throw settings.owner.error("sink \(name) (webhook) needs url: ${ENV_VAR} or url_file: PATH")
        }
        self.url = url.registeringURLParts()
        headers = try settings.headers(context: context)
    }

    public static func payload(_ delivery: OutboxDelivery) -> JSONValue {
        var site: [JSONMember] = [JSONMember(key: "id", value: .string(delivery.incident.site)),
                                  JSONMember(key: "name", value: .string(IncidentText.siteName(delivery)))]
        if let url = IncidentText.siteURL(delivery) { site.append(JSONMember(key: "url", value: .string(url))) }
        if let client = IncidentText.client(delivery) { site.append(JSONMember(key: "client", value: .string(client))) }
        let incident = delivery.incident.encoded().withUnsafeBufferPointer { JSONValue.parse($0) } ?? .null
        var members = [
            JSONMember(key: "key", value: .string(delivery.key)),
            JSONMember(key: "event", value: .string(delivery.event.rawValue)),
            JSONMember(key: "text", value: .string(IncidentText.marked(IncidentText.headline(delivery), delivery))),
            JSONMember(key: "site", value: .object(site)),
            JSONMember(key: "incident", value: incident),
        ]
        // The attempt before was in flight when route stopped: the receiver may have this key already.
        if delivery.repeatedAfterRestart { members.append(JSONMember(key: "repeated", value: .bool(true))) }
        return .object(members)
    }

    public func send(_ batch: [OutboxDelivery], via transport: any HTTPTransport, now: Timestamp) async -> SinkResult {
        guard let d = batch.first else { return .sent(ref: nil) }
        let request = SinkRequest.json("POST", url.value, WebhookSink.payload(d), headers: headers, key: d.key, timeout: .seconds(10))
        switch await transport.executeExpectingSuccess(request, now: now) {
        case .failure(let f): return .failed(f)
        case .success: return .sent(ref: nil)
        }
    }
}
