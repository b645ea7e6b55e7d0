@testable import LookoutCommands
@testable import LookoutCore
@testable import LookoutRoute
import Testing

@Suite struct IncidentRouterTests {
    static let yaml = """
        tiers:
          enhanced: {outage: critical, degraded: warning, ticket: true}
          standard: {outage: warning, degraded: info, ticket: true}
          unsupported: {outage: info, degraded: none}
        routing:
          update_interval: 30m
          sinks:
            outages: {kind: slack, webhook_url: "${SLACK_OUTAGES}"}
            monitoring: {kind: slack, webhook_url: "${SLACK_MONITORING}"}
            helpdesk: {kind: zendesk, url: "https://agency.zendesk.example", email: ops@agency.example, token: "${ZENDESK_TOKEN}"}
            pipeline: {kind: stdout}
          routes:
            - {severity: critical, sinks: [outages, helpdesk]}
            - {severity: warning, sinks: [monitoring, helpdesk]}
            - {tier: unsupported, sinks: [pipeline, helpdesk]}
        """
    static let env = ["SLACK_OUTAGES": "https://hooks.example/outagesSECRET", "SLACK_MONITORING": "https://hooks.example/monitoringSECRET",
                      "ZENDESK_TOKEN": "zendeskTOKENsecret"]

    static func router() throws -> IncidentRouter {
        let config = try Config.parse(yaml: yaml, file: "routing.yaml", environment: env)
        return IncidentRouter(config: try #require(config.routing), tiers: config.tiers)
    }

    static func event(_ event: IncidentEvent.Event, severity: Severity = .critical, tier: String = "enhanced", at: Int64,
                      maintenance: String? = nil) -> IncidentEvent {
        IncidentEvent(id: "acme-home/1000", event: event, check: "acme-home", site: "acme", tier: tier, severity: severity,
                      at: Timestamp(seconds: at), since: Timestamp(seconds: 1), reason: "r", maintenance: maintenance)
    }

    @Test(arguments: [
        (Severity.critical, "enhanced", ["outages", "helpdesk"]),
        (.warning, "standard", ["monitoring", "helpdesk"]),
        (.info, "standard", []),
        (.none, "enhanced", []),
        (.info, "unsupported", ["pipeline"]),  // the unsupported tier has no ticket flag: no helpdesk
    ])
    func severitiesAndTiersPickSinks(severity: Severity, tier: String, sinks: [String]) throws {
        let (planned, _) = try IncidentRouterTests.router().plan(IncidentRouterTests.event(.opened, severity: severity, tier: tier, at: 100), state: [:])
        #expect(planned.map(\.sink) == sinks)
        #expect(planned.allSatisfy { $0.key == "acme-home/1000|opened|\($0.sink)" })
    }

    @Test func updatesAreSpacedByTheIntervalAndSkipChatChannels() throws {
        let router = try IncidentRouterTests.router()
        var (_, state) = router.plan(IncidentRouterTests.event(.opened, at: 100), state: [:])
        var comments: [Int64] = []
        for at in stride(from: Int64(400), through: 7200, by: 300) {
            let (planned, next) = router.plan(IncidentRouterTests.event(.updated, at: at), state: state)
            state = next
            #expect(planned.allSatisfy { $0.sink == "helpdesk" }, "a webhook channel gets no updates")
            if !planned.isEmpty { comments.append(at) }
        }
        #expect(comments == [1900, 3700, 5500], "one comment per 30 minutes of event time")
    }

    @Test func aResolveGoesToEverySinkThatHeardTheOpeningEvenInAWindow() throws {
        let router = try IncidentRouterTests.router()
        let (_, state) = router.plan(IncidentRouterTests.event(.opened, at: 100), state: [:])
        let (planned, _) = router.plan(IncidentRouterTests.event(.resolved, at: 900, maintenance: "morning"), state: state)
        #expect(planned.map(\.key) == ["acme-home/1000|resolved|helpdesk", "acme-home/1000|resolved|outages"])
    }

    @Test func anOpeningInsideAWindowIsMutedAndSoIsItsResolve() throws {
        let router = try IncidentRouterTests.router()
        let (opened, state) = router.plan(IncidentRouterTests.event(.opened, at: 100, maintenance: "morning"), state: [:])
        #expect(opened.isEmpty && state.isEmpty)
        #expect(router.plan(IncidentRouterTests.event(.resolved, at: 900), state: state).deliveries.isEmpty)
    }

    @Test func anEscalationOpensAtTheNewSeveritysSinks() throws {
        let router = try IncidentRouterTests.router()
        let (_, state) = router.plan(IncidentRouterTests.event(.opened, severity: .warning, at: 100), state: [:])
        let (planned, after) = router.plan(IncidentRouterTests.event(.updated, severity: .critical, at: 200), state: state)
        #expect(planned.map(\.key) == ["acme-home/1000|opened|outages"])
        #expect(Set(after.keys) == ["monitoring", "helpdesk", "outages"])
    }

    @Test func aReplayedEventPlansTheSameKeys() throws {
        let router = try IncidentRouterTests.router()
        let first = router.plan(IncidentRouterTests.event(.opened, at: 100), state: [:])
        let again = router.plan(IncidentRouterTests.event(.opened, at: 100), state: first.state)
        #expect(again.deliveries == first.deliveries && again.state == first.state)
    }

    @Test func anOutageThatOutlivesItsWindowIsAnnouncedWhenTheWindowEnds() throws {
        let router = try IncidentRouterTests.router()
        let (_, muted) = router.plan(IncidentRouterTests.event(.opened, at: 100, maintenance: "morning"), state: [:])
        let (during, stillMuted) = router.plan(IncidentRouterTests.event(.updated, at: 2000, maintenance: "morning"), state: muted)
        #expect(during.isEmpty && stillMuted.isEmpty)
        let (after, _) = router.plan(IncidentRouterTests.event(.updated, at: 4000), state: stillMuted)
        #expect(after.map(\.key) == ["acme-home/1000|opened|outages", "acme-home/1000|opened|helpdesk"])
    }
}
