import Foundation
@testable import LookoutCommands
@testable import LookoutCore
@testable import LookoutRoute
import Testing

/// A delivery that was in flight at a crash, sent again to receivers that can be asked (a Slack bot's channel, a
/// helpdesk's search): found means nothing is sent; confirmed absent means a first send without the repeat mark;
/// no usable answer means the message goes anyway, marked. Each against a real loopback server.
@Suite struct AskBeforeResendingTests {
    enum Case: String, CaseIterable, Sendable {
        case slackFound, slackAbsent, slackNoScope, slackMorePages
        case zendeskFound, zendeskAbsent, zendeskSearchForbidden
        case freshdeskAbsent
        case httpTicketFound, httpTicketAbsent
    }

    static let incident = RouteHarness.incident(1, .opened, at: 90)
    static let key = IncidentRouter.key(incident.id, .opened, at: incident.at, sink: "s")

    /// What the receiver answers to the lookup; the opening itself always succeeds.
    static func answer(_ c: Case, _ r: RecordingServer.Request) -> RecordingServer.Response {
        let lookup = r.method == "GET"
        switch c {
        case .slackFound, .slackAbsent, .slackNoScope, .slackMorePages:
            guard lookup else { return .init(status: 200, body: #"{"ok":true,"ts":"1795000001.000100"}"#) }
            let post = #"{"ts":"1795000000.000100","metadata":{"event_type":"lookout_delivery","event_payload":{"key":"\#(key)"}}}"#
            switch c {
            case .slackFound: return .init(status: 200, body: #"{"ok":true,"messages":[\#(post)],"has_more":false}"#)
            case .slackNoScope: return .init(status: 200, body: #"{"ok":false,"error":"missing_scope"}"#)
            case .slackMorePages: return .init(status: 200, body: #"{"ok":true,"messages":[],"has_more":true}"#)
            default: return .init(status: 200, body: #"{"ok":true,"messages":[{"ts":"1795000000.000050","text":"someone else"}],"has_more":false}"#)
            }
        case .zendeskFound, .zendeskAbsent, .zendeskSearchForbidden:
            guard lookup else { return .init(status: 201, body: #"{"ticket":{"id":901}}"#) }
            if c == .zendeskSearchForbidden { return .init(status: 403, body: #"{"error":"Forbidden"}"#) }
            return .init(status: 200, body: c == .zendeskFound ? #"{"tickets":[{"id":77}],"count":1}"# : #"{"tickets":[],"count":0}"#)
        case .freshdeskAbsent:
            return lookup ? .init(status: 200, body: #"{"results":[],"total":0}"#) : .init(status: 201, body: #"{"id":901}"#)
        case .httpTicketFound, .httpTicketAbsent:
            guard lookup else { return .init(status: 201, body: #"{"data":{"id":"T-901"}}"#) }
            return .init(status: 200, body: c == .httpTicketFound ? #"{"items":[{"id":"T-77"}]}"# : #"{"items":[]}"#)
        }
    }

    static func sink(_ c: Case, _ base: String) -> String {
        switch c {
        case .slackFound, .slackAbsent, .slackNoScope, .slackMorePages:
            #"{kind: slack, bot_token: "${HOOK_TOKEN}", channel: C0OUTAGES, api_url: "\#(base)/api"}"#
        case .zendeskFound, .zendeskAbsent, .zendeskSearchForbidden:
            #"{kind: zendesk, url: "\#(base)", email: ops@agency.example, token: "${ZENDESK_TOKEN}"}"#
        case .freshdeskAbsent:
            #"{kind: freshdesk, url: "\#(base)", api_key: "${FRESHDESK_KEY}"}"#
        case .httpTicketFound, .httpTicketAbsent:
            """
            {kind: http_ticket, open: {url: "\(base)/tickets", body: '{"text": {{body}}}', ref: data.id}, \
            find: {url: "\(base)/tickets?external_id={{incident}}", ref: items.0.id}}
            """
        }
    }

    /// The ref the send ends with, whether the opening was sent, and whether it was marked as a repeat.
    static func expected(_ c: Case) -> (ref: String?, sent: Bool, marked: Bool) {
        switch c {
        case .slackFound: ("1795000000.000100", false, false)
        case .slackAbsent: ("1795000001.000100", true, false)
        case .slackNoScope, .slackMorePages: ("1795000001.000100", true, true)
        case .zendeskFound: ("77", false, false)
        case .zendeskAbsent: ("901", true, false)
        case .zendeskSearchForbidden: ("901", true, true)
        case .freshdeskAbsent: ("901", true, true)
        case .httpTicketFound: ("T-77", false, false)
        case .httpTicketAbsent: ("T-901", true, false)
        }
    }

    @Test(arguments: Case.allCases)
    func aRepeatAsksFirstWhereItCan(_ c: Case) async throws {
        let server = try RecordingServer { r, _ in AskBeforeResendingTests.answer(c, r) }
        defer { server.shutdown() }
        // With an actions section, so a chat post made after the lookup must still carry its one-tap links.
        let yaml = RouteHarness.config(routing: """
              sinks:
                s: \(AskBeforeResendingTests.sink(c, server.baseURL))
              routes:
                - {sinks: [s]}
            actions: {public_url: "https://monitor.agency.example", key: "${ACTIONS_KEY}"}
            """)
        let config = try Config.parse(yaml: yaml, file: "<test>",
                                      environment: RouteHarness.environment.merging(["ACTIONS_KEY": String(repeating: "k", count: 32)]) { $1 })
        let sink = try #require(config.routing?.sink(named: "s"))
        let d = OutboxDelivery(id: 1, key: AskBeforeResendingTests.key, event: .opened, sink: "s", incident: AskBeforeResendingTests.incident,
                               attempt: 2, queuedAt: Timestamp(seconds: 1_795_000_100), ref: nil, site: config.sites.first,
                               repeatedAfterRestart: true)
        let result = await sink.sender.send([d], via: AsyncHTTPTransport(), now: Timestamp(seconds: 1_795_000_101))
        let want = AskBeforeResendingTests.expected(c)
        #expect(result == .sent(ref: want.ref))
        #expect(server.requests.first?.method == "GET", "asked first")
        let writes = server.requests.filter { $0.method != "GET" }
        #expect(writes.count == (want.sent ? 1 : 0))
        if let write = writes.first {
            #expect(write.text.localizedCaseInsensitiveContains("repeated after a restart") == want.marked, "\(write.text)")
            if c.rawValue.hasPrefix("slack") {
                #expect(write.text.contains("https://monitor.agency.example/act/"), "the post keeps its action links: \(write.text)")
            }
        }
    }
}
