import Foundation
import Testing
@testable import Lookout

/// The outbox on a real SQLite file in a temp folder.
@Suite struct OutboxTests {
    static func outbox(_ path: String?) throws -> (Outbox, RoutingConfig) {
        let config = try Config.parse(yaml: IncidentRouterTests.yaml, file: "routing.yaml", environment: IncidentRouterTests.env)
        let routing = try #require(config.routing)
        return (try Outbox(path: path, router: IncidentRouter(config: routing, tiers: config.tiers)), routing)
    }

    static func tempPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("outbox-\(UUID()).sqlite").path
    }

    @Test func aReplayedEventQueuesNothingNewAndSurvivesAReopen() throws {
        let path = OutboxTests.tempPath()
        defer { for s in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + s) } }
        let opened = IncidentRouterTests.event(.opened, at: 100)
        do {
            let (outbox, _) = try OutboxTests.outbox(path)
            #expect(try outbox.enqueue(opened, line: opened.encoded(), now: Timestamp(seconds: 5)) == 2)
            #expect(try outbox.enqueue(opened, line: opened.encoded(), now: Timestamp(seconds: 6)) == 0)
        }
        let (reopened, _) = try OutboxTests.outbox(path)
        #expect(try reopened.pendingCount() == 2, "queued deliveries survive a restart")
        #expect(try reopened.enqueue(opened, line: opened.encoded(), now: Timestamp(seconds: 7)) == 0)
        let resolved = IncidentRouterTests.event(.resolved, at: 900)
        #expect(try reopened.enqueue(resolved, line: resolved.encoded(), now: Timestamp(seconds: 8)) == 2,
                "the routing state survived too: the resolve goes where the opening went")
    }

    @Test func aResolveNeverOvertakesItsOpeningAndAttemptsAreCountedBeforeSending() throws {
        let (outbox, routing) = try OutboxTests.outbox(nil)
        let desk = try #require(routing.sink(named: "helpdesk"))
        for e in [IncidentRouterTests.event(.opened, at: 100), IncidentRouterTests.event(.resolved, at: 900)] {
            try outbox.enqueue(e, line: e.encoded(), now: Timestamp(seconds: 0))
        }
        let first = try outbox.claim(sink: desk, now: Timestamp(seconds: 1), maxBatch: 1, sites: { _ in nil })
        #expect(first.map(\.key) == ["acme-home/1000|opened|helpdesk"] && first[0].attempt == 1)
        try outbox.markRetry(first, due: Timestamp(seconds: 60), error: "HTTP 503")
        #expect(try outbox.claim(sink: desk, now: Timestamp(seconds: 2), maxBatch: 1, sites: { _ in nil }).isEmpty,
                "the resolve waits while its opening is backing off")
        let again = try outbox.claim(sink: desk, now: Timestamp(seconds: 61), maxBatch: 1, sites: { _ in nil })
        #expect(again.map(\.key) == ["acme-home/1000|opened|helpdesk"] && again[0].attempt == 2)
        try outbox.markSent(again, ref: "4711")
        let resolve = try outbox.claim(sink: desk, now: Timestamp(seconds: 62), maxBatch: 1, sites: { _ in nil })
        #expect(resolve.map(\.key) == ["acme-home/1000|resolved|helpdesk"] && resolve[0].ref == "4711")
        try outbox.markDead(resolve, error: "HTTP 404", now: Timestamp(seconds: 63))
        #expect(try outbox.deadLetters() == [Outbox.DeadLetter(key: "acme-home/1000|resolved|helpdesk", sink: "helpdesk",
                                                               event: "resolved", attempts: 1, error: "HTTP 404")])
        #expect(try outbox.pendingCount(sink: "helpdesk") == 0)
    }

    @Test func aGroupIsFixedOnceChosenSoARetrySendsTheSameMessage() throws {
        let (outbox, routing) = try OutboxTests.outbox(nil)
        let outages = try #require(routing.sink(named: "outages"))
        for k in 1...5 {
            var e = IncidentRouterTests.event(.opened, at: 100)
            e.id = "site\(k)/1000"
            try outbox.enqueue(e, line: e.encoded(), now: Timestamp(seconds: 0))
        }
        #expect(try outbox.claim(sink: outages, now: Timestamp(seconds: 1), maxBatch: 500, sites: { _ in nil }).isEmpty,
                "nothing goes before the group wait")
        let batch = try outbox.claim(sink: outages, now: Timestamp(seconds: 3), maxBatch: 500, sites: { _ in nil })
        #expect(batch.count == 5)
        try outbox.markRetry(batch, due: Timestamp(seconds: 10), error: "HTTP 500")
        var late = IncidentRouterTests.event(.opened, at: 100)
        late.id = "site9/1000"
        try outbox.enqueue(late, line: late.encoded(), now: Timestamp(seconds: 9))
        let retry = try outbox.claim(sink: outages, now: Timestamp(seconds: 20), maxBatch: 500, sites: { _ in nil })
        #expect(retry.map(\.key) == batch.map(\.key), "the late incident is not slipped into the retried message")
        #expect(retry.allSatisfy { $0.attempt == 2 })
    }

    @Test func pruningForgetsOnlyFinishedWorkPastTheRetention() throws {
        let (outbox, routing) = try OutboxTests.outbox(nil)
        let desk = try #require(routing.sink(named: "helpdesk"))
        let opened = IncidentRouterTests.event(.opened, at: 100)
        try outbox.enqueue(opened, line: opened.encoded(), now: Timestamp(seconds: 0))
        try outbox.markSent(try outbox.claim(sink: desk, now: Timestamp(seconds: 1), maxBatch: 1, sites: { _ in nil }), ref: "1")
        #expect(try outbox.prune(olderThan: .hours(24), now: Timestamp(seconds: 3600)) == 0, "too recent")
        #expect(try outbox.prune(olderThan: .hours(24), now: Timestamp(seconds: 90_000)) == 1, "the sent one; the pending Slack one stays")
        #expect(try outbox.pendingCount() == 1)
    }
}
