import Foundation
import LookoutCore

/// PagerDutySink pages through the PagerDuty Events API v2: `opened` and `updated` send `trigger` (the same alert,
/// its summary and severity refreshed), an `updated` that carries `acked_by` (someone acknowledged it with
/// `classify ack`) sends `acknowledge`, and `resolved` sends `resolve`. The `dedup_key` is the incident id, so every
/// event of an incident lands on one PagerDuty alert, and a repeat after a crash changes nothing.
public struct PagerDutySink: Sink {
    public static let kind = "pagerduty"
    public static let settingKeys: Set<String> = ["routing_key", "routing_key_file", "url"]
    static let defaultURL = "https://events.pagerduty.com/v2/enqueue"

    public let name: String
    let routingKey: Secret
    let url: String
    // Paging is what the updates are for: a changed severity re-triggers the alert.
    public var wantsUpdatesByDefault: Bool { true }

    public init(name: String, settings: ConfigMapping, context: ConfigContext) throws {
        self.name = name
        guard let key = try settings.secret("routing_key", environment: context.environment) else {
            throw settings.owner.error("sink \(name) (pagerduty) needs routing_key: ${ENV_VAR} or routing_key_file: PATH")
        }
        routingKey = key
        url = try settings["url"]?.httpURL(environment: context.environment) ?? PagerDutySink.defaultURL
    }

    /// By the delivery's event, not the line's: an update that raises the severity reaches this sink as its opening,
    /// which must trigger even when the line carries an ack (an acknowledge of an alert PagerDuty never had pages
    /// nobody).
    static func action(_ delivery: OutboxDelivery) -> String {
        switch delivery.event {
        case .resolved: "resolve"
        case .updated where delivery.incident.ackedBy != nil: "acknowledge"
        case .opened, .updated: "trigger"
        }
    }

    /// PagerDuty's severities are critical, error, warning and info.
    static func severity(_ s: Severity) -> String {
        switch s {
        case .critical: "critical"
        case .warning: "warning"
        case .info, .none: "info"
        }
    }

    public static func payload(_ delivery: OutboxDelivery, routingKey: String) -> JSONValue {
        let incident = delivery.incident
        let action = action(delivery)
        var members = [
            JSONMember(key: "routing_key", value: .string(routingKey)),
            JSONMember(key: "event_action", value: .string(action)),
            JSONMember(key: "dedup_key", value: .string(incident.id)),
        ]
        if action == "trigger" {
            var details: [JSONMember] = [JSONMember(key: "reason", value: .string(incident.reason)),
                                         JSONMember(key: "since", value: .string(incident.since.rfc3339))]
            if let client = IncidentText.client(delivery) { details.append(JSONMember(key: "client", value: .string(client))) }
            if let error = incident.error { details.append(JSONMember(key: "error", value: .string(error))) }
            members.append(JSONMember(key: "payload", value: .object([
                JSONMember(key: "summary", value: .string(String(IncidentText.headline(delivery).prefix(1024)))),
                JSONMember(key: "source", value: .string(IncidentText.siteURL(delivery) ?? incident.site)),
                JSONMember(key: "severity", value: .string(severity(incident.severity))),
                JSONMember(key: "timestamp", value: .string(incident.at.rfc3339)),
                JSONMember(key: "component", value: .string(incident.check)),
                JSONMember(key: "group", value: .string(incident.site)),
                JSONMember(key: "class", value: .string(IncidentText.trouble(incident))),
                JSONMember(key: "custom_details", value: .object(details)),
            ])))
            if let url = IncidentText.siteURL(delivery) { members.append(JSONMember(key: "client_url", value: .string(url))) }
            members.append(JSONMember(key: "client", value: .string("lookout")))
        }
        return .object(members)
    }

    public func send(_ batch: [OutboxDelivery], via transport: any HTTPTransport, now: Timestamp) async -> SinkResult {
        guard let d = batch.first else { return .sent(ref: nil) }
        let request = SinkRequest.json("POST", url, PagerDutySink.payload(d, routingKey: routingKey.value), key: d.key,
                                       timeout: .seconds(10))
        switch await transport.executeExpectingSuccess(request, now: now) {
        case .failure(let f): return .failed(f)
        case .success(let r):
            // 202 {"status":"success","message":"Event processed","dedup_key":"..."}: anything else is not accepted.
            guard r.json?["status"]?.stringValue == "success" else {
                return .failed(SinkFailure("PagerDuty answered \(r.status) without \"status\":\"success\"", retryable: true))
            }
            return .sent(ref: r.json?["dedup_key"]?.stringValue)
        }
    }
}
