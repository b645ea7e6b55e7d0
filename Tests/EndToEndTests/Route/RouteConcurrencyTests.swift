import Foundation
@testable import LookoutCore
@testable import LookoutRoute
import Testing

/// A sink with `concurrency` sends to different incidents at once, against real loopback receivers that answer
/// some requests slowly, while each incident's own deliveries still go strictly one after the other and a paced
/// sink never has two requests in flight.
@Suite(.serialized) struct RouteConcurrencyTests {
    /// `count` incidents over 4 sites, each opened, updated and resolved, in event-time order.
    static func lifecycles(count: Int) -> [IncidentEvent] {
        (0..<count).flatMap { n -> [IncidentEvent] in
            let site = n % 4 + 1, since = Int64(n * 60)
            return [RouteHarness.incident(site, .opened, at: since + 90, since: since),
                    RouteHarness.incident(site, .updated, at: since + 200, since: since),
                    RouteHarness.incident(site, .resolved, at: since + 400, since: since)]
        }.sorted { $0.at < $1.at }
    }

    /// Slow answers for some incidents' openings (the case where a later delivery could overtake), quick for the rest.
    static func delay(_ body: Any?) -> Duration {
        guard let o = body as? [String: Any], let key = o["key"] as? String else { return .zero }
        let slow = key.split(separator: "|")[0].utf8.reduce(0) { $0 + Int($1) } % 3 == 0
        return key.contains("|opened|") && slow ? .milliseconds(250) : .milliseconds(slow ? 40 : 5)
    }

    @Test func differentIncidentsGoInParallelWhileEachIncidentKeepsItsOrderAndAPacedSinkStaysSerial() async throws {
        let hook = try RecordingServer { r, _ in .init(status: 200, body: "ok", delay: RouteConcurrencyTests.delay(r.json)) }
        defer { hook.shutdown() }
        // The Slack stand-in is slow now and then too: pacing must still keep it at one request at a time.
        let chat = try RecordingServer { _, n in .init(status: 200, body: "ok", delay: .milliseconds(n % 3 == 0 ? 150 : 5)) }
        defer { chat.shutdown() }
        let routing = """
          update_interval: 1m
          retry: {base: 50ms, max_attempts: 5}
          sinks:
            hook: {kind: webhook, url: "${HOOK_URL}", concurrency: 4}
            chat: {kind: slack, webhook_url: "${CHAT_URL}", group: false, pace: 100ms}
          routes:
            - {sinks: [hook, chat]}
        """
        let events = RouteConcurrencyTests.lifecycles(count: 12)
        let outcome = try await RouteHarness.run(
            RouteHarness.config(sites: 4, routing: routing), events: events,
            environment: ["HOOK_URL": hook.baseURL + "/hook/concurrencySECRET", "CHAT_URL": chat.baseURL + "/services/T1/B1/chatSECRET"])

        // Every delivery was sent once: 36 to the webhook, and the 24 openings and resolves to the chat (no updates).
        let expectedHook = Set(events.map { IncidentRouter.key($0.id, $0.event, at: $0.at, sink: "hook") })
        let hookRequests = hook.requests
        #expect(hookRequests.count == 36 && Set(hookRequests.compactMap(\.idempotencyKey)) == expectedHook)
        #expect(chat.requests.count == 24)
        #expect(outcome.deliveries.count == 60 && outcome.deliveries.allSatisfy { $0.outcome == "sent" && $0.attempt == 1 })

        #expect(hook.maxInFlight > 1, "the webhook got requests for different incidents at once")
        #expect(hook.maxInFlight <= 4, "never more than its concurrency")
        #expect(chat.maxInFlight == 1, "a paced sink never has two requests in flight")

        // Per incident, each delivery reached the receiver only after the previous one had been answered.
        for e in events where e.event != .opened {
            let earlier: IncidentEvent.Event = e.event == .updated ? .opened : .updated
            let before = IncidentRouter.key(e.id, earlier, at: events.first { $0.id == e.id && $0.event == earlier }!.at, sink: "hook")
            let after = IncidentRouter.key(e.id, e.event, at: e.at, sink: "hook")
            let b = try #require(hookRequests.firstIndex { $0.idempotencyKey == before })
            let a = try #require(hookRequests.firstIndex { $0.idempotencyKey == after })
            let answered = try #require(hook.answeredAt(b))
            #expect(hookRequests[a].at >= answered, "\(after) arrived before \(before) was answered")
        }
        // The chat in event order per incident, its opening first; paced, from the end of one request to the next.
        let chatKeys = outcome.deliveries.filter { $0.key.hasSuffix("|chat") }.map(\.key)
        for e in events where e.event == .resolved {
            let opened = try #require(chatKeys.firstIndex { $0 == "\(e.id)|opened|chat" })
            let resolved = try #require(chatKeys.firstIndex { $0 == "\(e.id)|resolved|chat" })
            #expect(opened < resolved)
        }
        let chatRequests = chat.requests
        for n in 1..<chatRequests.count {
            let answered = try #require(chat.answeredAt(n - 1))
            #expect(chatRequests[n].at.timeIntervalSince(answered) >= 0.095, "request \(n) came sooner than the pace after the last answer")
        }
        RouteSinkTests.noLeaks(outcome)
    }

    @Test func aRetryAfterHoldsAConcurrentSinkWhileWhatIsInFlightFinishes() async throws {
        // The first request is answered 429 with Retry-After: 1; every answer takes 100 ms, so others are in flight.
        let server = try RecordingServer { _, n in
            n == 0 ? .init(status: 429, headers: [("Retry-After", "1")], body: "slow down", delay: .milliseconds(100))
                   : .init(status: 200, body: "ok", delay: .milliseconds(100))
        }
        defer { server.shutdown() }
        let routing = """
          retry: {base: 50ms, max_attempts: 5}
          sinks:
            hook: {kind: webhook, url: "${HOOK_URL}", concurrency: 4}
          routes:
            - {sinks: [hook]}
        """
        // Twenty incidents: unheld, rounds of four would start every 100 ms through the second after the 429.
        let events = (1...20).map { RouteHarness.incident($0, .opened, at: 90) }
        let outcome = try await RouteHarness.run(RouteHarness.config(sites: 20, routing: routing), events: events,
                                                 environment: ["HOOK_URL": server.baseURL + "/hook/heldSECRET"])
        let requests = server.requests
        #expect(requests.count == 21, "twenty openings and the retry of the limited one")
        let limited = try #require(server.answeredAt(0))
        // Requests claimed before the worker took in the 429 may still start just after it was answered; once it
        // was taken in (well within 300 ms), nothing starts until the Retry-After has passed.
        let started = requests.dropFirst().map { $0.at.timeIntervalSince(limited) }
        #expect(!started.contains { $0 > 0.3 && $0 < 0.95 }, "a request started while the sink was held: \(started)")
        let retry = try #require(requests.lastIndex { $0.idempotencyKey == requests[0].idempotencyKey })
        #expect(retry > 0 && requests[retry].at.timeIntervalSince(limited) >= 0.95)
        #expect(outcome.deliveries.filter { $0.outcome == "sent" }.count == 20)
    }

    @Test func aRetriedOpeningHoldsBackItsOwnIncidentOnly() async throws {
        // Incident 1's opening fails twice (503) while the other incidents' deliveries go through.
        let failing = FailingFirst(times: 2)
        let server = try RecordingServer { r, _ in
            let key = r.idempotencyKey ?? ""
            return key.hasPrefix("site1-home/") && key.contains("|opened|") && failing.fail() ? .init(status: 503) : .ok
        }
        defer { server.shutdown() }
        let routing = """
          retry: {base: 100ms, max_attempts: 5}
          sinks:
            hook: {kind: webhook, url: "${HOOK_URL}"}
          routes:
            - {sinks: [hook]}
        """
        let events = (1...4).flatMap { k in
            [RouteHarness.incident(k, .opened, at: 90), RouteHarness.incident(k, .resolved, at: 400)]
        }.sorted { $0.at < $1.at }
        let outcome = try await RouteHarness.run(RouteHarness.config(sites: 4, routing: routing), events: events,
                                                 environment: ["HOOK_URL": server.baseURL + "/hook/retrySECRET"])
        let keys = server.requests.compactMap(\.idempotencyKey)
        let site1Opened = events[0].id + "|opened|hook", site1Resolved = events[0].id + "|resolved|hook"
        #expect(keys.filter { $0 == site1Opened }.count == 3, "two 503s, then sent")
        #expect(Set(keys) == Set(events.map { IncidentRouter.key($0.id, $0.event, at: $0.at, sink: "hook") }) && keys.count == 10)
        let resolvedAt = try #require(keys.firstIndex(of: site1Resolved))
        #expect(resolvedAt > keys.lastIndex(of: site1Opened)!, "the resolve waited for its opening's retries: \(keys)")
        #expect(outcome.deliveries.filter { $0.outcome == "retrying" }.map(\.key) == [site1Opened, site1Opened])
        #expect(outcome.deliveries.filter { !$0.key.hasPrefix("site1-home/") }.allSatisfy { $0.outcome == "sent" && $0.attempt == 1 })
    }
}

/// FailingFirst says "fail" the first `times` times it is asked.
final class FailingFirst: @unchecked Sendable {
    private let lock = NSLock()
    private var left: Int
    init(times: Int) { left = times }
    func fail() -> Bool { lock.withLock { defer { left -= 1 }; return left > 0 } }
}
