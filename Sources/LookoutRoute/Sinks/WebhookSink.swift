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

    /// The body, written straight as bytes: the incident line as the outbox holds it parsed, encoded once (it was
    /// encoded, parsed into a tree and encoded again for every delivery).
    public static func payload(_ delivery: OutboxDelivery) -> [UInt8] {
        var site = JSONObjectWriter(capacity: 128)
        site.add("id", delivery.incident.site)
        site.add("name", IncidentText.siteName(delivery))
        if let url = IncidentText.siteURL(delivery) { site.add("url", url) }
        if let client = IncidentText.client(delivery) { site.add("client", client) }
        var body = JSONObjectWriter(capacity: 768)
        body.add("key", delivery.key)
        body.add("event", delivery.event.rawValue)
        body.add("text", IncidentText.marked(IncidentText.headline(delivery), delivery))
        site.finish().withUnsafeBufferPointer { body.addRaw("site", $0) }
        delivery.incident.encoded().withUnsafeBufferPointer { body.addRaw("incident", $0) }
        // The attempt before was in flight when route stopped: the receiver may have this key already.
        if delivery.repeatedAfterRestart { body.add("repeated", true) }
        return body.finish()
    }

    public func send(_ batch: [OutboxDelivery], via transport: any HTTPTransport, now: Timestamp) async -> SinkResult {
        guard let d = batch.first else { return .sent(ref: nil) }
        let request = SinkRequest(method: "POST", url: url.value, headers: [("Content-Type", "application/json")] + headers,
                                  body: WebhookSink.payload(d), idempotencyKey: d.key, timeout: .seconds(10))
        return await transport.deliver(request, now: now)
    }
}
