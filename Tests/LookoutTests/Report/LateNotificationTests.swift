import Foundation
@testable import LookoutCommands
@testable import LookoutCore
@testable import LookoutReport
import Testing

/// The report's late notifications: openings route was to announce (planned as route plans them) matched by key to
/// its delivery lines, so a day on which route or a sink was down shows it, although every check looked normal.
@Suite struct LateNotificationTests {
    static let config = """
        timezone: Europe/London
        tiers:
          enhanced: {outage: critical, degraded: warning}
          standard: {outage: warning, degraded: info}
        defaults: {every: 1m}
        sites:
          - id: a
            tier: enhanced
            maintenance: [{name: morning, daily: "08:00-09:00"}]
            checks: [{id: a-home, tcp: "127.0.0.1:9"}]
          - {id: b, tier: standard, checks: [{id: b-home, tcp: "127.0.0.1:9"}]}
          - {id: c, tier: standard, checks: [{id: c-home, tcp: "127.0.0.1:9"}]}
          - {id: d, tier: standard, checks: [{id: d-home, tcp: "127.0.0.1:9"}]}
        routing:
          sinks:
            team: {kind: webhook, url: "${HOOK}"}
            desk: {kind: webhook, url: "${HOOK}"}
          routes:
            - {severity: [critical, warning], sinks: [team]}
            - {severity: [critical], sinks: [desk]}
        """

    static func incident(_ id: String, _ event: String, at: String, severity: String, maintenance: String? = nil) -> String {
        let check = String(id.prefix { $0 != "/" }), site = String(check.prefix { $0 != "-" })
        let tier = site == "a" ? "enhanced" : "standard"
        return #"{"v":1,"type":"incident","id":"\#(id)","event":"\#(event)","check":"\#(check)","site":"\#(site)","tier":"\#(tier)","severity":"\#(severity)","at":"2026-11-25T\#(at)Z","since":"2026-11-25T\#(at)Z","reason":"down","maintenance":\#(maintenance.map { "\"\($0)\"" } ?? "null"),"state":"down"}"#
    }

    static func delivery(_ id: String, _ sink: String, _ outcome: String, at: String, attempt: Int = 1, error: String? = nil) -> String {
        #"{"v":1,"type":"delivery","incident":"\#(id)","event":"opened","sink":"\#(sink)","outcome":"\#(outcome)","attempt":\#(attempt),"at":"2026-11-25T\#(at)Z","key":"\#(id)|opened|\#(sink)"\#(error.map { #","error":"\#($0)""# } ?? "")}"#
    }

    static let log = [
        // Read before the incident line that planned it, as when the delivery file comes first.
        delivery("a-home/1", "team", "sent", at: "10:00:01"),
        // Opened inside the window: muted; announced when an update outside it escalates, on time from then.
        incident("a-home/0", "opened", at: "08:30:00", severity: "none", maintenance: "morning"),
        incident("a-home/0", "updated", at: "09:05:00", severity: "critical"),
        delivery("a-home/0", "team", "sent", at: "09:05:02"),
        delivery("a-home/0", "desk", "sent", at: "09:05:03"),
        // On time for the team; the helpdesk sink was down for 47 minutes.
        incident("a-home/1", "opened", at: "10:00:00", severity: "critical"),
        delivery("a-home/1", "desk", "retrying", at: "10:00:02", error: "HTTP 503"),
        delivery("a-home/1", "desk", "sent", at: "10:47:00", attempt: 9),
        // Given up on.
        incident("b-home/2", "opened", at: "12:00:00", severity: "warning"),
        delivery("b-home/2", "team", "retrying", at: "12:00:01", error: "HTTP 500"),
        delivery("b-home/2", "team", "dead", at: "12:10:00", attempt: 5, error: "gave up after 5 attempts: HTTP 500"),
        // No attempt at all: route was not running.
        incident("c-home/3", "opened", at: "14:00:00", severity: "warning"),
        // Too close to the end of the log to judge.
        incident("d-home/4", "opened", at: "23:58:00", severity: "warning"),
        #"{"v":1,"type":"result","check":"d-home","at":"2026-11-25T23:59:30Z","ok":false,"site":"d","tier":"standard","maintenance":null,"state":"down","severity":"warning"}"#,
    ].joined(separator: "\n")

    @Test func lateDeadAndUnsentOpeningsAreListedAndNothingElse() throws {
        let config = try Config.parse(yaml: Self.config, file: "late.yaml", environment: ["HOOK": "http://127.0.0.1:9/hook"])
        let range = try ReportRange.day("2026-11-25", clock: LocalClock(config.timeZone))
        let report = ReportFixture.report(ndjson: Self.log, config: config, range: range)
        let late = try #require(report.lateNotifications)
        #expect(late.map { "\($0.check) \($0.sink) \($0.outcome)" } == ["a-home desk late", "b-home team dead", "c-home team unsent"])
        #expect(late[0].due == "2026-11-25T10:00:00Z" && late[0].sent == "2026-11-25T10:47:00Z")
        #expect(late[0].delayMs == 47 * 60_000 && late[0].error == nil)
        #expect(late[1].sent == nil && late[1].delayMs == nil && late[1].error == "gave up after 5 attempts: HTTP 500")
        #expect(late[2].error == nil && late[2].site == "c")

        let markdown = MarkdownRenderer().render(report)
        #expect(markdown.contains("## Late notifications"))
        #expect(markdown.contains("| 10:00 | 10:47 | 47m 00s | a | a-home | desk | late |"), "\(markdown)")
        #expect(markdown.contains("| 12:00 | never | - | b | b-home | team | dead: gave up after 5 attempts: HTTP 500 |"))
        #expect(HTMLRenderer().render(report).contains("<h2>Late notifications</h2>"))
        #expect(SlackRenderer().sections(report).sections.joined().contains { $0.contains("c-home → team: due 14:00, unsent") })

        #expect(ReportFixture.report(ndjson: Self.log, config: config, range: range, client: "a").lateNotifications == nil,
                "a client's report does not show the agency's plumbing")
    }

    @Test func theThresholdIsConfigurableAndNoRoutingMeansNoneExpected() throws {
        let lenient = Self.config.replacingOccurrences(of: "defaults: {every: 1m}", with: "defaults: {every: 1m}\nreport: {late_notification: 1h}")
        let config = try Config.parse(yaml: lenient, file: "late.yaml", environment: ["HOOK": "http://127.0.0.1:9/hook"])
        let range = try ReportRange.day("2026-11-25", clock: LocalClock(config.timeZone))
        let late = ReportFixture.report(ndjson: Self.log, config: config, range: range).lateNotifications
        #expect(late?.map(\.check) == ["b-home", "c-home"], "47 minutes is within an hour")

        let unrouted = try Config.parse(yaml: String(Self.config[..<Self.config.range(of: "routing:")!.lowerBound]), file: "none.yaml")
        #expect(ReportFixture.report(ndjson: Self.log, config: unrouted, range: range).lateNotifications == nil)
    }
}
