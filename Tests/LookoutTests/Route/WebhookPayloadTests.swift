import Foundation
@testable import LookoutCore
@testable import LookoutRoute
import Testing

/// The webhook body is written straight as bytes; it must stay what the tree of values it replaced wrote, byte for
/// byte, for incidents with escapes, unknown members passed through, a site from the config or none.
@Suite struct WebhookPayloadTests {
    /// The body as it was built before: the incident encoded, parsed into a tree and encoded again.
    static func tree(_ d: OutboxDelivery) -> [UInt8] {
        var site: [JSONMember] = [JSONMember(key: "id", value: .string(d.incident.site)),
                                  JSONMember(key: "name", value: .string(IncidentText.siteName(d)))]
        if let url = IncidentText.siteURL(d) { site.append(JSONMember(key: "url", value: .string(url))) }
        if let client = IncidentText.client(d) { site.append(JSONMember(key: "client", value: .string(client))) }
        let incident = d.incident.encoded().withUnsafeBufferPointer { JSONValue.parse($0) } ?? .null
        var out: [UInt8] = []
        JSONValue.object([
            JSONMember(key: "key", value: .string(d.key)), JSONMember(key: "event", value: .string(d.event.rawValue)),
            JSONMember(key: "text", value: .string(IncidentText.headline(d))), JSONMember(key: "site", value: .object(site)),
            JSONMember(key: "incident", value: incident),
        ]).append(to: &out)
        return out
    }

    static func delivery(_ incident: IncidentEvent, site: Site?) -> OutboxDelivery {
        OutboxDelivery(id: 1, key: IncidentRouter.key(incident.id, incident.event, at: incident.at, sink: "hook"), event: incident.event,
                       sink: "hook", incident: incident, attempt: 1, queuedAt: incident.at, site: site)
    }

    static var incidents: [IncidentEvent] {
        var quoted = IncidentRouterTests.event(.opened, at: 100)
        quoted.reason = "down: \"503\" \\ tab\tnewline\n é ✓"
        quoted.failed = ["status", "contains"]
        quoted.extra = [JSONMember(key: "region", value: .string("eu")), JSONMember(key: "ratio", value: .double(0.25)),
                        JSONMember(key: "nested", value: .object([JSONMember(key: "n", value: .int(-3))]))]
        var resolved = IncidentRouterTests.event(.resolved, at: 900)
        resolved.durationMs = 899_000
        resolved.siteName = "Acme <Shop>"
        resolved.url = "https://acme.example/?a=1&b=2"
        return [quoted, resolved, IncidentRouterTests.event(.updated, at: 400, maintenance: "morning")]
    }

    @Test(arguments: incidents)
    func bytesAreWhatTheTreeWrote(incident: IncidentEvent) throws {
        let site = Site(id: "acme", line: 1, name: "ACME \"Ltd\"", tier: "enhanced", timeZone: TimeZone(identifier: "UTC")!, contractHours: nil,
                        url: "https://acme.example/", client: "ACME Holdings", contactEmail: nil, maintenance: [], checks: [])
        for d in [Self.delivery(incident, site: site), Self.delivery(incident, site: nil)] {
            #expect(WebhookSink.payload(d) == Self.tree(d), "\(String(decoding: WebhookSink.payload(d), as: UTF8.self))")
        }
    }
}
