import Foundation
@testable import LookoutCore
@testable import LookoutRoute
import Testing

/// Route's sinks against real loopback servers standing in for Slack, Zendesk and Freshdesk.
@Suite(.serialized) struct RouteSinkTests {
    static func slackRouting(_ url: String, extra: String = "") -> String {
        """
          group_wait: 200ms
          retry: {base: 50ms, max_attempts: 5}
          sinks:
            outages: {kind: slack, webhook_url: "${SLACK_URL}"}
        \(extra)
          routes:
            - {severity: critical, sinks: [outages]}
        """
    }

    static func noLeaks(_ outcome: RouteHarness.Outcome, _ servers: [RecordingServer] = []) {
        let printed = outcome.lines + outcome.logs
        for secret in RouteHarness.secrets + [slackURLSecretPart] {
            #expect(!printed.contains { $0.contains(secret) }, "a secret leaked into output or logs")
        }
    }

    static let slackURLSecretPart = "/services/T1/B1/slackSECRETpath"

    @Test func slackGetsOpenedAndResolvedWithBlocksAndFallbackText() async throws {
        let slack = try RecordingServer()
        defer { slack.shutdown() }
        let url = slack.baseURL + RouteSinkTests.slackURLSecretPart
        let outcome = try await RouteHarness.run(RouteHarness.config(routing: RouteSinkTests.slackRouting(url)),
                                                 events: [RouteHarness.incident(1, .opened, at: 90),
                                                          RouteHarness.incident(1, .updated, at: 4000),
                                                          RouteHarness.incident(1, .resolved, at: 5000)],
                                                 environment: ["SLACK_URL": url])
        let requests = slack.requests
        #expect(requests.count == 2, "opened and resolved; a webhook channel gets no updates")
        #expect(requests.allSatisfy { $0.path == RouteSinkTests.slackURLSecretPart && $0.method == "POST" })
        let opened = try #require(requests.first?.json as? [String: Any])
        let text = try #require(opened["text"] as? String)
        #expect(text.contains("Client 1 Shop (site1-home) is down: connection refused"))
        let blocks = try #require(opened["blocks"] as? [[String: Any]])
        #expect(blocks.first?["type"] as? String == "header")
        let section = try #require((blocks[1]["text"] as? [String: Any])?["text"] as? String)
        #expect(section.contains(":red_circle: *<https://site1.example/|Client 1 Shop>* is down"))
        #expect(section.contains("Client: Client 1 Ltd") && section.contains("Check: `site1-home`"))
        #expect(section.contains("What failed: connection refused"))
        #expect(section.contains("Since 2026-11-18"), "since: \(section)")
        let resolved = try #require(requests.last?.json as? [String: Any])
        let resolvedSection = try #require(((resolved["blocks"] as? [[String: Any]])?[1]["text"] as? [String: Any])?["text"] as? String)
        #expect(resolvedSection.contains(":white_check_mark:") && resolvedSection.contains("has recovered"))
        #expect(resolvedSection.contains("for 1h23m20s"), "duration on resolve: \(resolvedSection)")
        #expect(requests[1].at.timeIntervalSince(requests[0].at) >= 0.95, "at most one message a second per webhook")
        #expect(outcome.deliveries.map(\.outcome) == ["sent", "sent"])
        #expect(requests.map(\.idempotencyKey) == outcome.deliveries.map(\.key))
        RouteSinkTests.noLeaks(outcome)
    }

    @Test func slack429HonoursRetryAfter() async throws {
        let slack = try RecordingServer { _, n in
            n == 0 ? .init(status: 429, headers: [("Retry-After", "2")], body: "rate_limited") : .ok
        }
        defer { slack.shutdown() }
        let url = slack.baseURL + RouteSinkTests.slackURLSecretPart
        let outcome = try await RouteHarness.run(RouteHarness.config(routing: RouteSinkTests.slackRouting(url)),
                                                 events: [RouteHarness.incident(1, .opened, at: 90)], environment: ["SLACK_URL": url])
        let requests = slack.requests
        #expect(requests.count == 2)
        let gap = requests[1].at.timeIntervalSince(requests[0].at)
        #expect(gap >= 1.95, "waited \(gap)s, Retry-After said 2s")
        #expect(requests[0].idempotencyKey == requests[1].idempotencyKey)
        #expect(outcome.deliveries.map { "\($0.outcome)#\($0.attempt)" } == ["retrying#1", "sent#2"])
        RouteSinkTests.noLeaks(outcome)
    }

    @Test func a500IsRetriedWithTheSameKey() async throws {
        let slack = try RecordingServer { _, n in n < 2 ? .init(status: 500, body: "rollup_error") : .ok }
        defer { slack.shutdown() }
        let url = slack.baseURL + RouteSinkTests.slackURLSecretPart
        let outcome = try await RouteHarness.run(RouteHarness.config(routing: RouteSinkTests.slackRouting(url)),
                                                 events: [RouteHarness.incident(1, .opened, at: 90)], environment: ["SLACK_URL": url])
        #expect(slack.requests.count == 3)
        #expect(Set(slack.requests.map(\.idempotencyKey)).count == 1)
        #expect(outcome.deliveries.map { "\($0.outcome)#\($0.attempt)" } == ["retrying#1", "retrying#2", "sent#3"])
        #expect(try outcome.outbox.deadLetters().isEmpty)
        RouteSinkTests.noLeaks(outcome)
    }

    @Test(arguments: [400, 403, 404, 410])
    func permanentErrorsGoToDeadLetters(status: Int) async throws {
        let slack = try RecordingServer { _, _ in .init(status: status, body: "channel_not_found") }
        defer { slack.shutdown() }
        let url = slack.baseURL + RouteSinkTests.slackURLSecretPart
        let outcome = try await RouteHarness.run(RouteHarness.config(routing: RouteSinkTests.slackRouting(url)),
                                                 events: [RouteHarness.incident(1, .opened, at: 90)], environment: ["SLACK_URL": url])
        #expect(slack.requests.count == 1, "a permanent error is not retried")
        #expect(outcome.deliveries.map { "\($0.outcome)#\($0.attempt)" } == ["dead#1"])
        let dead = try outcome.outbox.deadLetters()
        #expect(dead.count == 1)
        #expect(dead.first?.error == "HTTP \(status): channel_not_found")
        #expect(dead.first?.key == "site1-home/1795000000000|opened|outages")
        RouteSinkTests.noLeaks(outcome)
    }

    @Test func noResolveFollowsAnOpeningThatWentToTheDeadLetters() async throws {
        let slack = try RecordingServer { _, n in n == 0 ? .init(status: 404, body: "no_service") : .ok }
        defer { slack.shutdown() }
        let url = slack.baseURL + RouteSinkTests.slackURLSecretPart
        let outcome = try await RouteHarness.run(RouteHarness.config(routing: RouteSinkTests.slackRouting(url)),
                                                 events: [RouteHarness.incident(1, .opened, at: 90), RouteHarness.incident(1, .resolved, at: 5000)],
                                                 environment: ["SLACK_URL": url])
        #expect(slack.requests.count == 1, "only the opening was tried")
        #expect(outcome.deliveries.map { "\($0.key) \($0.outcome)" } == [
            "site1-home/1795000000000|opened|outages dead", "site1-home/1795000000000|resolved|outages dead",
        ])
        #expect(try outcome.outbox.deadLetters().map(\.error) == ["HTTP 404: no_service", "not sent: the incident's opening never reached this sink"])
    }

    @Test func retriesStopAtTheAttemptBudget() async throws {
        let slack = try RecordingServer { _, _ in .init(status: 503, body: "") }
        defer { slack.shutdown() }
        let url = slack.baseURL + RouteSinkTests.slackURLSecretPart
        let outcome = try await RouteHarness.run(RouteHarness.config(routing: RouteSinkTests.slackRouting(url)),
                                                 events: [RouteHarness.incident(1, .opened, at: 90)], environment: ["SLACK_URL": url])
        #expect(slack.requests.count == 5)
        #expect(outcome.deliveries.last?.outcome == "dead")
        #expect(try outcome.outbox.deadLetters().first?.error.hasPrefix("gave up after 5 attempts") == true)
    }

    @Test func aRefusedConnectionIsRetriedThenDead() async throws {
        // A port nobody listens on: bind a server, note the port, shut it down.
        let gone = try RecordingServer()
        let url = gone.baseURL + RouteSinkTests.slackURLSecretPart
        gone.shutdown()
        let routing = RouteSinkTests.slackRouting(url).replacingOccurrences(of: "kind: slack,", with: "kind: slack, timeout: 1s,")
            .replacingOccurrences(of: "max_attempts: 5", with: "max_attempts: 3")
        let outcome = try await RouteHarness.run(RouteHarness.config(routing: routing),
                                                 events: [RouteHarness.incident(1, .opened, at: 90)], environment: ["SLACK_URL": url])
        #expect(outcome.deliveries.map(\.outcome) == ["retrying", "retrying", "dead"])
        let dead = try #require(try outcome.outbox.deadLetters().first)
        #expect(dead.error.hasPrefix("gave up after 3 attempts: POST failed"), "\(dead.error)")
        RouteSinkTests.noLeaks(outcome)
    }

    /// A server in front of `desk` where the first request reaches the helpdesk (the write happens) but its answer
    /// is replaced by `lost`, as a proxy timing out would: a retry must find what the first attempt made.
    static func helpdesk(_ desk: FakeHelpdesk, losingTheFirstAnswerAs lost: RecordingServer.Response) throws -> RecordingServer {
        try RecordingServer { r, n in
            let answer = desk.respond(r)
            return n == 0 ? lost : answer
        }
    }

    static func ticketRouting(_ kind: String, _ url: String) -> String {
        let settings = kind == "zendesk"
            ? "{kind: zendesk, url: \"\(url)\", email: ops@agency.example, token: \"${ZENDESK_TOKEN}\"}"
            : "{kind: freshdesk, url: \"\(url)\", api_key: \"${FRESHDESK_KEY}\"}"
        return """
          update_interval: 30m
          retry: {base: 50ms, max_attempts: 5}
          sinks:
            helpdesk: \(settings)
          routes:
            - {severity: [critical, warning], sinks: [helpdesk]}
        """
    }

    static let lifecycle: [IncidentEvent] = [
        RouteHarness.incident(1, .opened, at: 90),
        RouteHarness.incident(1, .updated, at: 600),    // 8.5 minutes after opening: too soon for a comment
        RouteHarness.incident(1, .updated, at: 1900),   // 30 minutes after: a comment
        RouteHarness.incident(1, .updated, at: 2500),   // 10 minutes after the last comment: none
        RouteHarness.incident(1, .resolved, at: 5000),
    ]

    @Test func zendeskTicketIsCreatedCommentedAndSolvedInOrder() async throws {
        let desk = FakeHelpdesk(.zendesk)
        let server = try RecordingServer { r, _ in desk.respond(r) }
        defer { server.shutdown() }
        let outcome = try await RouteHarness.run(RouteHarness.config(routing: RouteSinkTests.ticketRouting("zendesk", server.baseURL)),
                                                 events: RouteSinkTests.lifecycle)
        let calls = server.requests.map { "\($0.method) \($0.path)" }
        #expect(calls == ["POST /api/v2/tickets.json", "PUT /api/v2/tickets/101.json", "PUT /api/v2/tickets/101.json"])
        let create = try #require((server.requests[0].json as? [String: Any])?["ticket"] as? [String: Any])
        #expect(create["external_id"] as? String == "site1-home/1795000000000")
        #expect(create["priority"] as? String == "urgent")
        #expect((create["requester"] as? [String: Any])?["email"] as? String == "owner1@client1.example")
        #expect((create["comment"] as? [String: Any])?["public"] as? Bool == true)
        #expect(server.requests[0].idempotencyKey == "site1-home/1795000000000|opened|helpdesk")
        #expect(server.requests[0].header("Authorization")?.hasPrefix("Basic ") == true)
        let update = try #require(((server.requests[1].json as? [String: Any])?["ticket"] as? [String: Any])?["comment"] as? [String: Any])
        #expect((update["body"] as? String)?.hasPrefix("Still investigating: Client 1 Shop has been down for 31m") == true)
        let solve = try #require((server.requests[2].json as? [String: Any])?["ticket"] as? [String: Any])
        #expect(solve["status"] as? String == "solved")
        #expect(((solve["comment"] as? [String: Any])?["body"] as? String)?.contains("after 1h23m20s") == true)
        #expect(desk.createdCount == 1 && desk.isSolved(101))
        #expect(outcome.deliveries.map(\.outcome) == ["sent", "sent", "sent"])
        RouteSinkTests.noLeaks(outcome)
    }

    @Test func freshdeskTicketIsCreatedRepliedToAndResolvedInOrder() async throws {
        let desk = FakeHelpdesk(.freshdesk)
        let server = try RecordingServer { r, _ in desk.respond(r) }
        defer { server.shutdown() }
        let outcome = try await RouteHarness.run(RouteHarness.config(routing: RouteSinkTests.ticketRouting("freshdesk", server.baseURL)),
                                                 events: RouteSinkTests.lifecycle)
        let calls = server.requests.map { "\($0.method) \($0.path)" }
        #expect(calls == ["POST /api/v2/tickets", "POST /api/v2/tickets/101/reply", "POST /api/v2/tickets/101/reply",
                          "PUT /api/v2/tickets/101"])
        let create = try #require(server.requests[0].json as? [String: Any])
        #expect(create["email"] as? String == "owner1@client1.example")
        #expect(create["priority"] as? Int == 4 && create["status"] as? Int == 2)
        #expect((create["custom_fields"] as? [String: Any])?["cf_lookout_incident"] as? String == "site1-home/1795000000000")
        #expect(desk.createdCount == 1 && desk.isSolved(101) && desk.commentCount(101) == 2)
        RouteSinkTests.noLeaks(outcome)
    }

    @Test func aFreshdeskRetryAfterATimeoutFindsTheTicketInsteadOfMakingASecond() async throws {
        let desk = FakeHelpdesk(.freshdesk)
        // The first create reaches the helpdesk but its answer is lost (a 502 from a proxy): the retry must search.
        let server = try RouteSinkTests.helpdesk(desk, losingTheFirstAnswerAs: .init(status: 502, body: "bad gateway"))
        defer { server.shutdown() }
        _ = try await RouteHarness.run(RouteHarness.config(routing: RouteSinkTests.ticketRouting("freshdesk", server.baseURL)),
                                       events: [RouteHarness.incident(1, .opened, at: 90)])
        #expect(server.requests.map { "\($0.method) \($0.path)" } == ["POST /api/v2/tickets", "GET /api/v2/search/tickets"])
        #expect(desk.createdCount == 1)
    }

    @Test func aZendeskRetryAfterALostAnswerFindsTheTicketByExternalID() async throws {
        let desk = FakeHelpdesk(.zendesk)
        let server = try RouteSinkTests.helpdesk(desk, losingTheFirstAnswerAs: .init(status: 504, body: "gateway timeout"))
        defer { server.shutdown() }
        let outcome = try await RouteHarness.run(RouteHarness.config(routing: RouteSinkTests.ticketRouting("zendesk", server.baseURL)),
                                                 events: [RouteHarness.incident(1, .opened, at: 90), RouteHarness.incident(1, .resolved, at: 5000)])
        #expect(server.requests.map { "\($0.method) \($0.uri)" } == [
            "POST /api/v2/tickets.json",
            "GET /api/v2/tickets.json?external_id=site1-home%2F1795000000000",
            "PUT /api/v2/tickets/101.json",
        ])
        #expect(desk.createdCount == 1 && desk.isSolved(101))
        #expect(outcome.deliveries.map { "\($0.outcome)#\($0.attempt)" } == ["retrying#1", "sent#2", "sent#1"])
    }

    @Test func ticketsOnlyForTiersWithTheTicketFlag() async throws {
        let desk = FakeHelpdesk(.zendesk)
        let server = try RecordingServer { r, _ in desk.respond(r) }
        defer { server.shutdown() }
        let yaml = RouteHarness.config(tier: "unsupported", routing: RouteSinkTests.ticketRouting("zendesk", server.baseURL)
            .replacingOccurrences(of: "severity: [critical, warning]", with: "severity: [critical, warning, info]"))
        let outcome = try await RouteHarness.run(yaml, events: [RouteHarness.incident(1, .opened, at: 90, severity: .info, tier: "unsupported")])
        #expect(server.requests.isEmpty && outcome.deliveries.isEmpty)
    }

    @Test func aFortySiteOutageIsOneSlackMessageAndFortyTickets() async throws {
        let slack = try RecordingServer()
        defer { slack.shutdown() }
        let desk = FakeHelpdesk(.zendesk)
        let helpdesk = try RecordingServer { r, _ in desk.respond(r) }
        defer { helpdesk.shutdown() }
        let url = slack.baseURL + RouteSinkTests.slackURLSecretPart
        let routing = """
          group_wait: 2s
          retry: {base: 50ms, max_attempts: 5}
          sinks:
            outages: {kind: slack, webhook_url: "${SLACK_URL}"}
            helpdesk: {kind: zendesk, url: "\(helpdesk.baseURL)", email: ops@agency.example, token: "${ZENDESK_TOKEN}"}
          routes:
            - {severity: critical, sinks: [outages, helpdesk]}
        """
        let events = (1...40).map { RouteHarness.incident($0, .opened, at: 90 + Int64($0 % 7)) }
        let outcome = try await RouteHarness.run(RouteHarness.config(sites: 40, routing: routing), events: events,
                                                 environment: ["SLACK_URL": url])
        #expect(slack.requests.count == 1, "one grouped message for the shared-server outage")
        let message = try #require(slack.requests.first?.json as? [String: Any])
        let blocks = try #require(message["blocks"] as? [[String: Any]])
        #expect(blocks.count == 42, "a header, 40 incidents and a context line")
        #expect(blocks.count <= 50)
        #expect(((blocks[0]["text"] as? [String: Any])?["text"] as? String) == "40 sites in trouble")
        #expect((message["text"] as? String)?.contains("Client 40 Shop") == true)
        #expect(desk.createdCount == 40 && desk.ticketCount == 40, "each client still gets its own ticket")
        #expect(outcome.deliveries.filter { $0.outcome == "sent" }.count == 80)
        let slackLines = outcome.lines.filter { $0.contains(#""sink":"outages""#) }
        #expect(slackLines.count == 40 && slackLines.allSatisfy { $0.contains(#""message":"group:site1-home/1795000000000|opened|outages+39""#) },
                "the 40 delivery lines name the one message that carried them")
        RouteSinkTests.noLeaks(outcome)
    }

    @Test func webhookGetsTheIncidentWithHeadersAndKey() async throws {
        let hook = try RecordingServer()
        defer { hook.shutdown() }
        let routing = """
          sinks:
            automation: {kind: webhook, url: "${HOOK_URL}", headers: {Authorization: "Bearer ${HOOK_TOKEN}"}}
          routes:
            - {sinks: [automation]}
        """
        let outcome = try await RouteHarness.run(RouteHarness.config(routing: routing),
                                                 events: [RouteHarness.incident(1, .opened, at: 90), RouteHarness.incident(1, .updated, at: 4000),
                                                          RouteHarness.incident(1, .resolved, at: 5000)],
                                                 environment: ["HOOK_URL": hook.baseURL + "/hook/secretHOOKpath"])
        #expect(hook.requests.map { ($0.json as? [String: Any])?["event"] as? String } == ["opened", "updated", "resolved"])
        #expect(hook.requests.allSatisfy { $0.header("Authorization") == "Bearer \(RouteHarness.hookToken)" })
        let first = try #require(hook.requests.first?.json as? [String: Any])
        #expect((first["incident"] as? [String: Any])?["id"] as? String == "site1-home/1795000000000")
        #expect((first["site"] as? [String: Any])?["client"] as? String == "Client 1 Ltd")
        #expect(!outcome.lines.contains { $0.contains("secretHOOKpath") })
        RouteSinkTests.noLeaks(outcome)
    }

    @Test func aResolveReachesWhoeverHeardTheOpeningEvenInsideAWindow() async throws {
        let slack = try RecordingServer()
        defer { slack.shutdown() }
        let url = slack.baseURL + RouteSinkTests.slackURLSecretPart
        var resolved = RouteHarness.incident(1, .resolved, at: 5000)
        resolved.maintenance = "morning"
        var mutedOpen = RouteHarness.incident(2, .opened, at: 90)
        mutedOpen.maintenance = "morning"
        let outcome = try await RouteHarness.run(RouteHarness.config(sites: 2, routing: RouteSinkTests.slackRouting(url)),
                                                 events: [RouteHarness.incident(1, .opened, at: 90), mutedOpen, resolved,
                                                          RouteHarness.incident(2, .resolved, at: 5000)],
                                                 environment: ["SLACK_URL": url])
        #expect(outcome.deliveries.map(\.key) == ["site1-home/1795000000000|opened|outages", "site1-home/1795000000000|resolved|outages"])
    }

    @Test func theTemplatedTicketSinkOpensCommentsAndResolves() async throws {
        let server = try RecordingServer { r, _ in
            r.method == "POST" && r.path == "/api/tickets" ? .init(status: 201, body: #"{"data":{"ticket":{"id":"T-9"}}}"#) : .init(status: 204)
        }
        defer { server.shutdown() }
        let routing = """
          update_interval: 30m
          sinks:
            desk:
              kind: http_ticket
              headers: {Authorization: "Bearer ${HOOK_TOKEN}"}
              open: {url: "\(server.baseURL)/api/tickets", body: '{"title": {{subject}}, "text": {{body}}, "requester": {{contact_email}}, "external_id": {{incident}}}', ref: data.ticket.id}
              update: {url: "\(server.baseURL)/api/tickets/{{ref}}/comments", body: '{"text": {{body}}, "public": true}'}
              resolve: {method: PATCH, url: "\(server.baseURL)/api/tickets/{{ref}}", body: '{"status": "solved", "comment": {{body}}}'}
          routes:
            - {severity: critical, sinks: [desk]}
        """
        let outcome = try await RouteHarness.run(RouteHarness.config(routing: routing), events: RouteSinkTests.lifecycle)
        #expect(server.requests.map { "\($0.method) \($0.path)" } == ["POST /api/tickets", "POST /api/tickets/T-9/comments", "PATCH /api/tickets/T-9"])
        let open = try #require(server.requests[0].json as? [String: Any])
        #expect(open["requester"] as? String == "owner1@client1.example" && open["external_id"] as? String == "site1-home/1795000000000")
        #expect((open["text"] as? String)?.contains("Our monitoring found Client 1 Shop (https://site1.example/) down") == true)
        #expect(server.requests.allSatisfy { $0.header("Authorization") == "Bearer \(RouteHarness.hookToken)" })
        #expect(outcome.deliveries.map(\.outcome) == ["sent", "sent", "sent"])
        RouteSinkTests.noLeaks(outcome)
    }

    @Test func aBotTokenThreadsUpdatesAndTheResolveUnderTheGroupedOpening() async throws {
        let api = try RecordingServer { r, n in
            r.path == "/api/chat.postMessage" ? .init(status: 200, body: #"{"ok":true,"channel":"C1","ts":"1795000000.00\#(n)"}"#)
                : .init(status: 404, body: "")
        }
        defer { api.shutdown() }
        let routing = """
          group_wait: 300ms
          update_interval: 30m
          sinks:
            outages: {kind: slack, bot_token: "${HOOK_TOKEN}", channel: C0OUTAGES, api_url: "\(api.baseURL)/api"}
          routes:
            - {severity: critical, sinks: [outages]}
        """
        let events = [RouteHarness.incident(1, .opened, at: 90), RouteHarness.incident(2, .opened, at: 91),
                      RouteHarness.incident(1, .updated, at: 2000), RouteHarness.incident(1, .resolved, at: 5000),
                      RouteHarness.incident(2, .resolved, at: 5001)]
        let outcome = try await RouteHarness.run(RouteHarness.config(sites: 2, routing: routing), events: events)
        let bodies = api.requests.compactMap { $0.json as? [String: Any] }
        #expect(bodies.count == 4, "one grouped opening, one update, two resolves")
        #expect(bodies.allSatisfy { $0["channel"] as? String == "C0OUTAGES" })
        #expect(bodies[0]["thread_ts"] == nil && (bodies[0]["text"] as? String)?.hasPrefix("2 sites in trouble") == true)
        #expect(bodies.dropFirst().allSatisfy { $0["thread_ts"] as? String == "1795000000.000" }, "replies in the opening's thread")
        #expect(bodies[1]["reply_broadcast"] == nil && bodies[2]["reply_broadcast"] as? Bool == true)
        #expect(api.requests.allSatisfy { $0.header("Authorization") == "Bearer \(RouteHarness.hookToken)" })
        #expect(outcome.deliveries.map(\.outcome) == ["sent", "sent", "sent", "sent", "sent"])
        RouteSinkTests.noLeaks(outcome)
    }

    @Test func aBotTokenAPIErrorIsPermanentUnlessSlackSaysOtherwise() async throws {
        let api = try RecordingServer { _, n in
            .init(status: 200, body: n == 0 ? #"{"ok":false,"error":"internal_error"}"# : #"{"ok":false,"error":"channel_not_found"}"#)
        }
        defer { api.shutdown() }
        let routing = """
          retry: {base: 50ms}
          sinks:
            outages: {kind: slack, bot_token: "${HOOK_TOKEN}", channel: C0GONE, api_url: "\(api.baseURL)/api"}
          routes:
            - {severity: critical, sinks: [outages]}
        """
        let outcome = try await RouteHarness.run(RouteHarness.config(routing: routing), events: [RouteHarness.incident(1, .opened, at: 90)])
        #expect(outcome.deliveries.map(\.outcome) == ["retrying", "dead"])
        #expect(try outcome.outbox.deadLetters().first?.error == "Slack chat.postMessage: channel_not_found")
        RouteSinkTests.noLeaks(outcome)
    }

    /// Mail through msmtp to `smtp`; throws when msmtp is not installed (CI installs it: a skip there would hide a
    /// broken email sink).
    static func emailRouting(_ smtp: SMTPReceiver) throws -> String {
        let msmtp = try InstalledTool.msmtp()
        return """
          update_interval: 30m
          retry: {base: 50ms, max_attempts: 5}
          sinks:
            mail:
              kind: email
              from: monitoring@agency.example
              to: [helpdesk@agency.example]
              sendmail: \(msmtp)
              args: ["--host=127.0.0.1", "--port=\(smtp.port)", "--tls=off", "--auth=off", "--from=monitoring@agency.example"]
          routes:
            - {severity: critical, sinks: [mail]}
        """
    }

    @Test func emailGoesThroughSendmailAndThreadsOnTheOpening() async throws {
        let smtp = try SMTPReceiver()
        defer { smtp.shutdown() }
        let outcome = try await RouteHarness.run(RouteHarness.config(routing: try RouteSinkTests.emailRouting(smtp)), events: RouteSinkTests.lifecycle)
        let mails = smtp.mails
        #expect(mails.count == 3, "opening, one update (30 minutes apart), resolve")
        #expect(mails.allSatisfy { $0.from == "monitoring@agency.example" })
        #expect(mails.allSatisfy { Set($0.recipients) == ["owner1@client1.example", "helpdesk@agency.example"] })
        let opening = try #require(mails.first?.header("Message-ID"))
        #expect(opening == "<site1-home.1795000000000.opened.mail@lookout>")
        #expect(mails[0].header("Subject") == "[critical] Client 1 Shop is down (site1-home)")
        #expect(mails[0].body.contains("Our monitoring found Client 1 Shop (https://site1.example/) down"))
        #expect(mails.dropFirst().allSatisfy { $0.header("In-Reply-To") == opening && $0.header("References") == opening })
        #expect(mails[2].header("Subject") == "Re: [critical] Client 1 Shop is down (site1-home)")
        #expect(mails[2].body.contains("Resolved: Client 1 Shop is back up") && mails[2].body.contains("after 1h23m20s"))
        #expect(outcome.deliveries.map(\.outcome) == ["sent", "sent", "sent"])
    }

    /// A public note reaches the client by mail, in the opening's thread, as written; an ack and an internal note do
    /// not (the mail goes to the client's contact).
    @Test func aPublicNoteIsMailedInTheOpeningsThreadAndInternalOnesAreNot() async throws {
        let smtp = try SMTPReceiver()
        defer { smtp.shutdown() }
        let id = "site1-home/1795000000000", base: Int64 = 1_795_000_000
        let note = { (text: String, visibility: ControlEvent.Note.Visibility, at: Int64) -> RouteInput in
            let control = ControlEvent.note(.init(incident: id, visibility: visibility, text: text, by: "callum", at: Timestamp(seconds: base + at)))
            return .control(control, line: control.encoded())
        }
        let opened = RouteHarness.incident(1, .opened, at: 90)
        _ = try await RouteHarness.run(RouteHarness.config(routing: try RouteSinkTests.emailRouting(smtp)), inputs: [
            .incident(opened, line: opened.encoded()),
            .ack(incident: id, at: Timestamp(seconds: base + 240), by: "callum", text: "on it"),
            note("We have found the cause and are restoring the database.", .public, 600),
            note("it was the backup job again", .internal, 660),
        ])
        let mails = smtp.mails
        #expect(mails.count == 2, "the opening and the public note: \(mails.map { $0.header("Subject") ?? "" })")
        let opening = try #require(mails.first?.header("Message-ID"))
        #expect(mails.last?.header("In-Reply-To") == opening)
        #expect(mails.last?.header("Subject") == "Re: [critical] Client 1 Shop is down (site1-home)")
        #expect(mails.last?.body.trimmingCharacters(in: .whitespacesAndNewlines) == "We have found the cause and are restoring the database.")
        #expect(!mails.contains { $0.body.contains("backup job") || $0.body.contains("Acknowledged") })
    }

    @Test func aTemporarySMTPFailureIsRetriedWithTheSameMessageID() async throws {
        let smtp = try SMTPReceiver(rejectFirst: 1)
        defer { smtp.shutdown() }
        let outcome = try await RouteHarness.run(RouteHarness.config(routing: try RouteSinkTests.emailRouting(smtp)),
                                                 events: [RouteHarness.incident(1, .opened, at: 90)])
        #expect(outcome.deliveries.map(\.outcome) == ["retrying", "sent"])
        #expect(smtp.mails.count == 1 && smtp.mails[0].header("Message-ID") == "<site1-home.1795000000000.opened.mail@lookout>")
    }
}
