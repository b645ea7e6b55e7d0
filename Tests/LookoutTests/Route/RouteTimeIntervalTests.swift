@testable import LookoutCommands
@testable import LookoutCore
@testable import LookoutRoute
import Testing

/// Time-of-day routing: a route active only in named intervals, or muted in them, judged at the incident line's event
/// time on the interval's local calendar.
@Suite struct RouteTimeIntervalTests {
    static let yaml = """
        timezone: UTC
        tiers:
          enhanced: {outage: critical, degraded: warning, ticket: true}
        routing:
          time_intervals:
            office-hours:
              timezone: Europe/London
              weekly: "mon-fri 08:00-18:00"
            lunch:
              timezone: Europe/London
              daily: ["12:00-13:00"]
          sinks:
            chat: {kind: stdout}
            oncall: {kind: stdout}
          routes:
            - {severity: warning, sinks: [chat], active_time_intervals: [office-hours], mute_time_intervals: [lunch]}
            - {severity: warning, sinks: [oncall], mute_time_intervals: [office-hours]}
            - {severity: critical, sinks: [chat, oncall]}
        """

    static func router() throws -> IncidentRouter {
        let config = try Config.parse(yaml: yaml, file: "intervals.yaml", environment: [:])
        return IncidentRouter(config: try #require(config.routing), tiers: config.tiers)
    }

    @Test(arguments: [
        ("2026-11-24T10:00:00Z", Severity.warning, ["chat"]),          // Tuesday, office hours (London is on UTC in November)
        ("2026-11-24T12:30:00Z", .warning, [String]()),                 // office hours, but lunch mutes the chat route
        ("2026-11-24T18:00:00Z", .warning, ["oncall"]),                 // the end is exclusive
        ("2026-11-24T07:59:59Z", .warning, ["oncall"]),
        ("2026-11-28T10:00:00Z", .warning, ["oncall"]),                 // Saturday
        ("2026-03-30T07:30:00Z", .warning, ["chat"]),                   // Monday 08:30 BST, after the clocks went forward
        ("2026-03-27T07:30:00Z", .warning, ["oncall"]),                 // Friday 07:30 GMT, before
        ("2026-11-28T03:00:00Z", .critical, ["chat", "oncall"]),        // a route without intervals always applies
    ])
    func routesFollowTheirIntervals(at: String, severity: Severity, sinks: [String]) throws {
        let incident = IncidentEvent(id: "acme-home/1", event: .opened, check: "acme-home", site: "acme", tier: "enhanced",
                                     severity: severity, at: try #require(Timestamp(rfc3339: at)), since: Timestamp(seconds: 1),
                                     reason: "r", maintenance: nil)
        #expect(try Self.router().matchingSinks(incident) == sinks)
    }

    @Test(arguments: [
        ("  time_intervals:\n    night: {daily: \"22:00-06:00\"}\n",
         "r.yaml:5: time interval \"night\" needs a range such as \"08:00-18:00\" that ends after it starts (got \"22:00-06:00\"); for a night write 18:00-24:00 and 00:00-08:00"),
        ("  time_intervals:\n    weekdays: {weekly: \"weekdays 08:00-18:00\"}\n",
         "r.yaml:5: time interval \"weekdays\" needs days and a range such as \"mon-fri 08:00-18:00\" (got \"weekdays 08:00-18:00\")"),
        ("  time_intervals:\n    empty: {timezone: Europe/London}\n",
         "r.yaml:5: time interval \"empty\" needs daily: or weekly: times"),
        ("  sinks:\n    chat: {kind: stdout}\n  routes:\n    - {sinks: [chat], active_time_intervals: [office]}\n",
         "r.yaml:7: route names time interval \"office\", which is not defined under routing.time_intervals"),
    ])
    func badIntervalsAreRefusedWithTheirLine(routing: String, message: String) throws {
        #expect {
            _ = try Config.parse(yaml: "tiers:\n  enhanced: {outage: critical}\nrouting:\n" + routing, file: "r.yaml", environment: [:])
        } throws: { error in
            (error as? ConfigError)?.description == message
        }
    }
}
