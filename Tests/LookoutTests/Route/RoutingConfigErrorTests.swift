import Foundation
@testable import LookoutCommands
@testable import LookoutCore
@testable import LookoutRoute
import Testing

/// Each broken routing section maps to its exact `FILE:LINE: message`.
@Suite struct RoutingConfigErrorTests {
    /// The sink kinds in registry order, as the refusal of an unknown kind lists them.
    static let sinkKinds = SinkRegistry.kinds.map { $0.kind }.joined(separator: ", ")

    static func parse(_ routing: String, extra: [String: String] = [:]) throws -> Config {
        try Config.parse(yaml: "tiers:\n  enhanced: {outage: critical, ticket: true}\nrouting:\n" + routing, file: "r.yaml",
                         environment: ["SLACK": "https://hooks.example/services/abcdefgh", "TOKEN": "tokenVALUE123",
                                       "BADPORT": "http://127.0.0.1:99999/services/abcdefgh"].merging(extra) { $1 })
    }

    @Test(arguments: [
        ("  sinks:\n    outages: {kind: slack, webhook_url: \"https://hooks.slack.com/services/T/B/x\"}\n",
         "r.yaml:5: webhook_url is a secret: write ${ENV_VAR} or webhook_url_file: PATH, never the value itself"),
        ("  sinks:\n    outages: {kind: slack, webhook_url: \"${MISSING}\"}\n",
         "r.yaml:5: environment variable MISSING for webhook_url is not set"),
        ("  sinks:\n    outages: {kind: slack, webhook_url: \"${BADPORT}\"}\n",
         "r.yaml:5: webhook_url from environment variable BADPORT has port 99999, outside 1...65535"),
        ("  sinks:\n    teams: {kind: teams, webhook_url: \"${BADPORT}\"}\n",
         "r.yaml:5: webhook_url from environment variable BADPORT has port 99999, outside 1...65535"),
        ("  sinks:\n    hook: {kind: webhook, url: \"${BADPORT}\"}\n",
         "r.yaml:5: url from environment variable BADPORT has port 99999, outside 1...65535"),
        ("  sinks:\n    outages: {kind: slack, bot_token: \"${TOKEN}\", channel: C1, api_url: \"https://slack.example:65536/api\"}\n",
         "r.yaml:5: routing.sinks.outages.api_url has port 65536, outside 1...65535 (got \"https://slack.example:65536/api\")"),
        ("  sinks:\n    desk: {kind: zendesk, url: \"https://acme.zendesk.example:99999\", email: a@b.example, token: \"${TOKEN}\"}\n",
         "r.yaml:5: routing.sinks.desk.url has port 99999, outside 1...65535 (got \"https://acme.zendesk.example:99999\")"),
        ("  sinks:\n    desk: {kind: freshdesk, url: \"https://x.freshdesk.example:99999\", api_key: \"${TOKEN}\", incident_field: cf_incident}\n",
         "r.yaml:5: routing.sinks.desk.url has port 99999, outside 1...65535 (got \"https://x.freshdesk.example:99999\")"),
        ("  sinks:\n    desk: {kind: http_ticket, open: {url: \"https://desk.example:99999/t/{{incident}}\", ref: id}}\n",
         "r.yaml:5: routing.sinks.desk.open.url has port 99999, outside 1...65535 once {{...}} are filled in"),
        ("  sinks:\n    outages: {kind: slack}\n",
         "r.yaml:5: sink outages (slack) needs webhook_url: ${ENV_VAR} or webhook_url_file: PATH (or bot_token with channel)"),
        ("  sinks:\n    outages: {kind: slack, bot_token: \"${TOKEN}\"}\n",
         "r.yaml:5: sink outages (slack) with bot_token needs channel: the channel id, e.g. C0123456789"),
        ("  sinks:\n    outages: {kind: slack, bot_token: \"${TOKEN}\", webhook_url: \"${SLACK}\", channel: C1}\n",
         "r.yaml:5: sink outages (slack) takes webhook_url or bot_token, not both"),
        ("  sinks:\n    outages: {kind: pager, url: x}\n",
         "r.yaml:5: unknown sink kind \"pager\" for sink outages (known: \(RoutingConfigErrorTests.sinkKinds))"),
        ("  sinks:\n    outages: {kind: slack, webhook_url: \"${SLACK}\", colour: red}\n",
         "r.yaml:5: unknown key \"colour\" in routing.sinks.outages (known: action_links, api_url, bot_token, bot_token_file, channel, concurrency, group, kind, pace, timeout, updates, webhook_url, webhook_url_file)"),
        ("  sinks:\n    outages: {kind: slack, webhook_url: \"${SLACK}\"}\n  routes:\n    - {severity: critical, sinks: [pager]}\n",
         "r.yaml:7: route names sink \"pager\", which is not defined under routing.sinks"),
        ("  routes:\n    - {severity: loud, sinks: []}\n",
         "r.yaml:5: routing.routes[0].severity must be one of critical, warning, info, none (got \"loud\")"),
        ("  routes:\n    - {tier: gold, sinks: []}\n",
         "r.yaml:5: unknown tier \"gold\" in routing.routes[0]"),
        ("  group_wait: 106751991166d106751991166d\n",
         "r.yaml:4: routing.group_wait must be a duration such as 30s, 5m, 1h30m or 250ms"),
        ("  retry: {max_age: 400d}\n",
         "r.yaml:4: routing.retry.max_age must be at most 366d (got 400d)"),
        ("  retry: {max_attempts: 10001}\n",
         "r.yaml:4: routing.retry.max_attempts must be between 1 and 10000"),
        ("  group_wait: soon\n",
         "r.yaml:4: routing.group_wait must be a duration such as 30s, 5m, 1h30m or 250ms"),
        ("  sinks:\n    desk: {kind: http_ticket, open: {url: \"https://desk.example/t\", body: '{\"t\": {{title}}}', ref: id}}\n",
         "r.yaml:5: unknown template variable {{title}} in routing.sinks.desk.open.body (known: at, body, by, cause, check, client, contact_email, duration, event, headline, incident, key, public, ref, screenshot, severity, since, site, site_name, site_url, subject, visibility)"),
        ("  sinks:\n    desk: {kind: http_ticket, open: {url: \"https://desk.example/t\", body: '{\"t\": \"{{subject}}\"}', ref: id}}\n",
         "r.yaml:5: routing.sinks.desk.open.body is not JSON once {{...}} are filled in (write {{body}}, not \"{{body}}\": values are quoted for you)"),
        ("  sinks:\n    desk: {kind: freshdesk, url: \"https://x.freshdesk.com\", api_key: \"${TOKEN}\", incident_field: incident}\n",
         "r.yaml:5: incident_field must be a custom field's API name, starting with cf_"),
        ("  sinks:\n    hook: {kind: webhook, url: \"${SLACK}\", pace: 1s, concurrency: 4}\n",
         "r.yaml:5: sink hook: concurrency 4 needs pace: 0s (a paced sink sends one message at a time)"),
        ("  sinks:\n    outages: {kind: slack, webhook_url: \"${SLACK}\", pace: 0s, concurrency: 2}\n",
         "r.yaml:5: sink outages: concurrency 2 needs group: false (a grouping sink sends one message at a time)"),
        ("  sinks:\n    hook: {kind: webhook, url: \"${SLACK}\", concurrency: 0}\n",
         "r.yaml:5: routing.sinks.hook.concurrency must be between 1 and 64"),
    ])
    func brokenRoutingFailsWithFileAndLine(routing: String, message: String) {
        #expect {
            _ = try RoutingConfigErrorTests.parse(routing)
        } throws: { error in
            (error as? ConfigError)?.description == message
        }
        if let e = (try? RoutingConfigErrorTests.parse(routing)).map({ _ in "parsed" }) { Issue.record("\(e): \(routing)") }
    }

    @Test(arguments: [
        ("{kind: webhook, url: \"${SLACK}\"}", 8),
        ("{kind: webhook, url: \"${SLACK}\", pace: 500ms}", 1),  // a paced sink: one at a time
        ("{kind: webhook, url: \"${SLACK}\", concurrency: 32}", 32),
        ("{kind: zendesk, url: \"https://a.zendesk.com\", email: o@a.example, token: \"${TOKEN}\"}", 8),
        ("{kind: freshdesk, url: \"https://a.freshdesk.com\", api_key: \"${TOKEN}\"}", 8),
        ("{kind: email, from: m@a.example}", 4),
        ("{kind: slack, webhook_url: \"${SLACK}\"}", 1),
        ("{kind: slack, webhook_url: \"${SLACK}\", group: false, pace: 0s}", 1),  // Slack's own default
        ("{kind: slack, webhook_url: \"${SLACK}\", group: false, pace: 0s, concurrency: 3}", 3),
        ("{kind: stdout}", 1),
    ])
    func concurrencyDefaultsByKindAndIsOneWherePacingOrGroupingNeedsIt(sink: String, concurrency: Int) throws {
        let config = try RoutingConfigErrorTests.parse("  sinks:\n    s: \(sink)\n")
        #expect(config.routing?.sink(named: "s")?.concurrency == concurrency)
    }

    @Test func aCompleteSectionParses() throws {
        let config = try RoutingConfigErrorTests.parse("""
              group_wait: 5s
              update_interval: 20m
              retry: {base: 2s, max_delay: 10m, max_attempts: 8, max_age: 2h}
              sinks:
                outages: {kind: slack, webhook_url: "${SLACK}", pace: 2s}
                desk: {kind: zendesk, url: "https://agency.zendesk.com/", email: ops@agency.example, token: "${TOKEN}", timeout: 20s}
              routes:
                - {severity: critical, tier: enhanced, sinks: [outages, desk]}
            """)
        let routing = try #require(config.routing)
        #expect(routing.groupWait == .seconds(5) && routing.updateInterval == .minutes(20))
        #expect(routing.retry == RetryPolicy(baseDelay: .seconds(2), maxDelay: .minutes(10), maxAttempts: 8, maxAge: .hours(2)))
        #expect(routing.sink(named: "outages")?.pace == .seconds(2) && routing.sink(named: "outages")?.groups == true)
        #expect(routing.sink(named: "desk")?.timeout == .seconds(20) && routing.sink(named: "desk")?.pace == .zero)
        #expect(routing.routes == [RouteRule(severities: [.critical], tiers: ["enhanced"], sinks: ["outages", "desk"])])
        #expect(!"\(routing.sinks.map { "\($0.sink)" })".contains("tokenVALUE123"), "a sink printed shows no secret")
    }

    @Test func aHelpdeskURLExpandsEnvironmentVariables() throws {
        let config = try RoutingConfigErrorTests.parse("  sinks:\n    desk: {kind: zendesk, url: \"${DESK_URL}\", email: a@b.example, token: \"${TOKEN}\"}\n",
                                                       extra: ["DESK_URL": "https://acme.zendesk.example/"])
        #expect(config.routing?.sinks.count == 1)
        // The value itself, not only that something loaded: the sink calls the URL the variable holds.
        let desk = try #require(config.routing?.sinks.first?.sink as? ZendeskSink)
        #expect(desk.api.base == "https://acme.zendesk.example")
    }
}
