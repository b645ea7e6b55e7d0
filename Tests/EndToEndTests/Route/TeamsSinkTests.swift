import Foundation
@testable import LookoutCore
import Testing

/// The Teams sink against a loopback receiver shaped as a Workflows webhook: 202 Accepted with an empty body, 429
/// when throttled.
@Suite(.serialized) struct TeamsSinkTests {
    static let secretPath = "/workflows/abc/triggers/manual/paths/invoke?sig=teamsSIGsecret777"

    static func run(_ server: RecordingServer, _ events: [IncidentEvent]) async throws -> RouteHarness.Outcome {
        let routing = """
          retry: {base: 50ms, max_attempts: 3}
          sinks:
            channel: {kind: teams, webhook_url: "${TEAMS_URL}"}
          routes:
            - {severity: critical, sinks: [channel]}
        """
        return try await RouteHarness.run(RouteHarness.config(routing: routing), events: events,
                                          environment: ["TEAMS_URL": server.baseURL + secretPath])
    }

    /// The ack and a note each get a card of their own after the opening's, saying who said what.
    @Test func acksAndNotesAreCardsOfTheirOwn() async throws {
        let teams = try RecordingServer { _, _ in .init(status: 202, body: "") }
        defer { teams.shutdown() }
        let routing = """
          sinks:
            channel: {kind: teams, webhook_url: "${TEAMS_URL}"}
          routes:
            - {severity: critical, sinks: [channel]}
        """
        _ = try await RouteHarness.run(RouteHarness.config(routing: routing), inputs: Array(TicketNoteTests.story.prefix(4)),
                                       environment: ["TEAMS_URL": teams.baseURL + Self.secretPath])
        let titles = teams.requests.compactMap { r -> String? in
            let card = (((r.json as? [String: Any])?["attachments"] as? [[String: Any]])?.first?["content"] as? [String: Any])
            return (card?["body"] as? [[String: Any]])?.first?["text"] as? String
        }
        #expect(titles.count == 4, "\(titles)")
        #expect(Array(titles.dropFirst()) == ["Client 1 Shop: Acknowledged by callum: on it",
                                              "Client 1 Shop: told the client (callum): Database restored, monitoring",
                                              "Client 1 Shop: Internal note from callum: it was the backup job again"])
    }

    @Test func postsAnAdaptiveCardForOpeningAndResolve() async throws {
        let teams = try RecordingServer { _, _ in .init(status: 202, body: "") }
        defer { teams.shutdown() }
        let outcome = try await Self.run(teams, [RouteHarness.incident(1, .opened, at: 90), RouteHarness.incident(1, .updated, at: 4000),
                                                 RouteHarness.incident(1, .resolved, at: 5000)])
        #expect(teams.requests.count == 2, "a channel gets no updates by default")
        let message = try #require(teams.requests.first?.json as? [String: Any])
        #expect(message["type"] as? String == "message")
        let attachment = try #require((message["attachments"] as? [[String: Any]])?.first)
        #expect(attachment["contentType"] as? String == "application/vnd.microsoft.card.adaptive")
        let card = try #require(attachment["content"] as? [String: Any])
        #expect(card["type"] as? String == "AdaptiveCard" && card["version"] as? String == "1.4")
        let body = try #require(card["body"] as? [[String: Any]])
        #expect((body.first?["text"] as? String)?.contains("site1-home") == true)
        #expect(body.first?["color"] as? String == "Attention")
        let facts = try #require(body.last?["facts"] as? [[String: String]])
        #expect(facts.contains { $0["title"] == "Incident" && $0["value"] == "site1-home/1795000000000" })
        let resolvedBody = (((teams.requests.last?.json as? [String: Any])?["attachments"] as? [[String: Any]])?.first?["content"] as? [String: Any])?["body"] as? [[String: Any]]
        #expect(resolvedBody?.first?["color"] as? String == "Good")
        #expect(outcome.deliveries.map(\.outcome) == ["sent", "sent"])
        #expect(!(outcome.lines + outcome.logs).contains { $0.contains("teamsSIGsecret777") }, "the webhook signature leaked")
    }

    @Test func throttledIsRetried() async throws {
        let teams = try RecordingServer { _, n in n == 0 ? .init(status: 429, body: "") : .init(status: 202, body: "") }
        defer { teams.shutdown() }
        let outcome = try await Self.run(teams, [RouteHarness.incident(1, .opened, at: 90)])
        #expect(outcome.deliveries.map { "\($0.outcome)#\($0.attempt)" } == ["retrying#1", "sent#2"])
    }
}
