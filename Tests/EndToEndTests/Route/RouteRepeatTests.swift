import Foundation
@testable import LookoutCore
@testable import LookoutRoute
import Testing

/// The built `route` killed (SIGKILL) while one message to each sink is in flight, then restarted: what can be asked
/// is asked before sending again (a Slack bot's channel by message metadata, Zendesk by external id, an http_ticket
/// desk by its `find` request), and what cannot be asked is sent again saying "repeated after a restart".
@Suite(.serialized) struct RouteRepeatTests {
    /// Whether the receivers hold every answer (a request in flight when route is killed) or answer at once.
    final class Gate: @unchecked Sendable {
        private let lock = NSLock()
        private var holding = true
        var isHolding: Bool { lock.withLock { holding } }
        func open() { lock.withLock { holding = false } }
        func answer(_ response: RecordingServer.Response) -> RecordingServer.Response {
            var r = response
            if isHolding { r.delay = .seconds(30) }
            return r
        }
    }

    /// A Slack Web API that keeps what `chat.postMessage` posted, metadata included, for `conversations.history`.
    final class FakeSlackAPI: @unchecked Sendable {
        private let lock = NSLock()
        private var posted: [[String: Any]] = []

        func respond(_ r: RecordingServer.Request) -> RecordingServer.Response {
            lock.withLock {
                switch r.path {
                case "/api/chat.postMessage":
                    let ts = "1795000000.\(String(format: "%06d", posted.count + 1))"
                    var message: [String: Any] = ["ts": ts, "text": (r.json as? [String: Any])?["text"] ?? ""]
                    if let metadata = (r.json as? [String: Any])?["metadata"] { message["metadata"] = metadata }
                    posted.append(message)
                    return .init(status: 200, body: #"{"ok":true,"channel":"C1","ts":"\#(ts)"}"#)
                case "/api/conversations.history":
                    let body = try? JSONSerialization.data(withJSONObject: ["ok": true, "messages": Array(posted.reversed()), "has_more": false])
                    return .init(status: 200, body: String(decoding: body ?? Data(), as: UTF8.self))
                default:
                    return .init(status: 404, body: #"{"ok":false,"error":"unknown_method"}"#)
                }
            }
        }
    }

    @Test func aMessageInFlightAtAKillIsAskedForOrSentAgainMarked() throws {
        let dir = try RouteProcessTests.TempDir()
        let gate = Gate()
        let hook = try RecordingServer { _, _ in gate.answer(.ok) }
        defer { hook.shutdown() }
        let chat = try RecordingServer { _, _ in gate.answer(.ok) }
        defer { chat.shutdown() }
        let slackAPI = FakeSlackAPI()
        let bot = try RecordingServer { r, _ in gate.answer(slackAPI.respond(r)) }
        defer { bot.shutdown() }
        let zendesk = FakeHelpdesk(.zendesk)
        let desk = try RecordingServer { r, _ in gate.answer(zendesk.respond(r)) }
        defer { desk.shutdown() }
        // Another helpdesk driven by http_ticket templates (here speaking Zendesk's calls), with a `find` request.
        let other = FakeHelpdesk(.zendesk)
        let tickets = try RecordingServer { r, _ in gate.answer(other.respond(r)) }
        defer { tickets.shutdown() }
        let routing = """
          group_wait: 100ms
          sinks:
            hook: {kind: webhook, url: "${HOOK_URL}"}
            chat: {kind: slack, webhook_url: "${CHAT_URL}"}
            bot: {kind: slack, bot_token: "${HOOK_TOKEN}", channel: C0OUTAGES, api_url: "\(bot.baseURL)/api"}
            desk: {kind: zendesk, url: "\(desk.baseURL)", email: ops@agency.example, token: "${ZENDESK_TOKEN}"}
            tickets:
              kind: http_ticket
              open: {url: "\(tickets.baseURL)/api/v2/tickets.json", body: '{"ticket": {"subject": {{subject}}, "external_id": {{incident}}}}', ref: ticket.id}
              find: {url: "\(tickets.baseURL)/api/v2/tickets.json?external_id={{incident}}", ref: tickets.0.id}
          routes:
            - {severity: critical, sinks: [hook, chat, bot, desk, tickets]}
        """
        try RouteHarness.config(routing: routing).write(toFile: dir.path("config.yaml"), atomically: true, encoding: .utf8)
        try RouteProcessTests.write([RouteHarness.incident(1, .opened, at: 90)], to: dir.path("in.ndjson"))
        var env = RouteHarness.environment
        env["HOOK_URL"] = hook.baseURL + "/hook"
        env["CHAT_URL"] = chat.baseURL + "/services/T1/B1/x"
        let arguments = ["--config", dir.path("config.yaml"), "--input", dir.path("in.ndjson"), "--state", dir.path("outbox.sqlite")]

        let first = try RouteProcessTests.start(arguments, environment: env, stdout: dir.path("out1"), stderr: dir.path("err1"))
        defer { if first.isRunning { kill(first.processIdentifier, SIGKILL); first.waitUntilExit() } }
        for server in [hook, chat, bot, desk, tickets] {
            try #require(server.waitFor(1), "every sink's first request is in flight: \((try? String(contentsOfFile: dir.path("err1"), encoding: .utf8)) ?? "")")
        }
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        gate.open()

        let second = try RouteProcessTests.start(arguments, environment: env, stdout: dir.path("out2"), stderr: dir.path("err2"))
        let deadline = Date().addingTimeInterval(60)
        while second.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if second.isRunning { kill(second.processIdentifier, SIGKILL) }
        second.waitUntilExit()
        #expect(second.terminationReason == .exit && second.terminationStatus == 0)

        // Sent again, marked: the webhook (field and text) and the Slack incoming webhook (header and notification).
        let hooks = hook.requests.compactMap { $0.json as? [String: Any] }
        #expect(hooks.count == 2 && hook.requests[0].idempotencyKey == hook.requests[1].idempotencyKey)
        #expect(hooks.map { $0["repeated"] as? Bool } == [nil, true])
        #expect((hooks.last?["text"] as? String)?.hasSuffix("(repeated after a restart)") == true)
        let posts = chat.requests.compactMap { $0.json as? [String: Any] }
        #expect(posts.count == 2)
        #expect(posts.map { ($0["text"] as? String)?.hasPrefix("[repeated after a restart]") } == [false, true])
        // Asked first, found, not sent again: the bot's post (by its metadata), the Zendesk ticket, the http_ticket.
        #expect(bot.requests.map(\.path) == ["/api/chat.postMessage", "/api/conversations.history"])
        #expect(bot.requests.last?.uri.contains("include_all_metadata=true") == true)
        #expect(desk.requests.map { "\($0.method) \($0.path)" } == ["POST /api/v2/tickets.json", "GET /api/v2/tickets.json"])
        #expect(zendesk.createdCount == 1)
        #expect(tickets.requests.map { "\($0.method) \($0.path)" } == ["POST /api/v2/tickets.json", "GET /api/v2/tickets.json"])

        // The restarted route said what it found, and its delivery lines say which attempts were repeats.
        let err = try String(contentsOfFile: dir.path("err2"), encoding: .utf8)
        #expect(err.contains("5 deliveries were in flight when route last stopped"), "\(err)")
        let lines = try String(contentsOfFile: dir.path("out2"), encoding: .utf8).split(separator: "\n")
            .compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
            .filter { $0["type"] as? String == "delivery" }
        #expect(lines.count == 5 && lines.allSatisfy { $0["outcome"] as? String == "sent" && $0["repeated"] as? Bool == true })
        #expect(Set(lines.compactMap { $0["attempt"] as? Int }) == [2])
    }
}
