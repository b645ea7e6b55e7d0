import Foundation
@testable import LookoutCore
import Testing

/// The PagerDuty sink against a loopback receiver shaped as the Events API v2 answers: 202
/// {"status":"success","message":"Event processed","dedup_key":...}, 429 when rate limited, 400 for an invalid event.
@Suite(.serialized) struct PagerDutySinkTests {
    static let routingKey = "pdROUTINGkey0123456789abcdef"

    /// The receiver's URL comes from the environment, as an agency's own Events API proxy would.
    static let routing = """
          retry: {base: 50ms, max_attempts: 3}
          sinks:
            oncall: {kind: pagerduty, routing_key: "${PD_KEY}", url: "${PD_URL}"}
          routes:
            - {severity: critical, sinks: [oncall]}
        """

    static func accepted(_ r: RecordingServer.Request) -> RecordingServer.Response {
        let key = ((r.json as? [String: Any])?["dedup_key"] as? String) ?? ""
        return .init(status: 202, body: #"{"status":"success","message":"Event processed","dedup_key":"\#(key)"}"#)
    }

    static func run(_ server: RecordingServer, _ events: [IncidentEvent]) async throws -> RouteHarness.Outcome {
        try await RouteHarness.run(RouteHarness.config(routing: routing), events: events,
                                   environment: ["PD_KEY": routingKey, "PD_URL": server.baseURL + "/v2/enqueue"])
    }

    @Test func triggersAcknowledgesAndResolvesOneAlertByIncidentID() async throws {
        let pd = try RecordingServer { r, _ in PagerDutySinkTests.accepted(r) }
        defer { pd.shutdown() }
        var acked = RouteHarness.incident(1, .updated, at: 4000)
        acked.ackedBy = "callum"
        acked.severity = .critical
        let outcome = try await Self.run(pd, [RouteHarness.incident(1, .opened, at: 90), acked,
                                              RouteHarness.incident(1, .resolved, at: 6000)])
        let bodies = pd.requests.compactMap { $0.json as? [String: Any] }
        #expect(bodies.map { $0["event_action"] as? String } == ["trigger", "acknowledge", "resolve"])
        #expect(bodies.allSatisfy { $0["dedup_key"] as? String == "site1-home/1795000000000" })
        #expect(bodies.allSatisfy { $0["routing_key"] as? String == Self.routingKey })
        let payload = try #require(bodies.first?["payload"] as? [String: Any])
        #expect(payload["severity"] as? String == "critical")
        #expect(payload["component"] as? String == "site1-home")
        #expect((payload["summary"] as? String)?.isEmpty == false)
        #expect(bodies.count == 3 && bodies.last?["payload"] == nil, "a resolve carries no payload")
        #expect(pd.requests.allSatisfy { $0.path == "/v2/enqueue" && $0.method == "POST" })
        #expect(outcome.deliveries.map(\.outcome) == ["sent", "sent", "sent"])
        #expect(!(outcome.lines + outcome.logs).contains { $0.contains(Self.routingKey) }, "the routing key leaked")
    }

    /// A warning acknowledged and then raised to critical reaches PagerDuty first on that line, as its opening: a
    /// trigger, though the line carries the ack.
    @Test func anOpeningOnAnAcknowledgedLineTriggers() async throws {
        let pd = try RecordingServer { r, _ in PagerDutySinkTests.accepted(r) }
        defer { pd.shutdown() }
        var raised = RouteHarness.incident(1, .updated, at: 4000)
        raised.ackedBy = "callum"
        let outcome = try await Self.run(pd, [RouteHarness.incident(1, .opened, at: 90, severity: .warning), raised])
        #expect(pd.requests.compactMap { ($0.json as? [String: Any])?["event_action"] as? String } == ["trigger"])
        #expect(outcome.deliveries.map(\.outcome) == ["sent"])
    }

    @Test func rateLimitedIsRetriedAndInvalidIsDead() async throws {
        let limited = try RecordingServer { r, n in
            n == 0 ? .init(status: 429, body: #"{"status":"throttle event","message":"Requests for this service are arriving too quickly."}"#)
                : PagerDutySinkTests.accepted(r)
        }
        defer { limited.shutdown() }
        let retried = try await Self.run(limited, [RouteHarness.incident(1, .opened, at: 90)])
        #expect(retried.deliveries.map { "\($0.outcome)#\($0.attempt)" } == ["retrying#1", "sent#2"])

        let invalid = try RecordingServer { _, _ in
            .init(status: 400, body: #"{"status":"invalid event","message":"Event object is invalid","errors":["'payload.summary' is missing"]}"#)
        }
        defer { invalid.shutdown() }
        let dead = try await Self.run(invalid, [RouteHarness.incident(1, .opened, at: 90)])
        #expect(invalid.requests.count == 1, "a 400 is permanent: not retried")
        #expect(dead.deliveries.map(\.outcome) == ["dead"])
    }
}
