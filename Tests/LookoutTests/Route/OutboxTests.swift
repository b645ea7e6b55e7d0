import Foundation
@testable import LookoutCommands
@testable import LookoutCore
@testable import LookoutRoute
import Testing

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

    /// Removes a SQLite file and its write-ahead log and shared-memory files.
    static func removeDatabase(_ path: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    @Test func aReplayedEventQueuesNothingNewAndSurvivesAReopen() throws {
        let path = OutboxTests.tempPath()
        defer { OutboxTests.removeDatabase(path) }
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
        let first = try outbox.claimOne(sink: desk, now: Timestamp(seconds: 1), maxBatch: 1, sites: { _ in nil })
        #expect(first.map(\.key) == ["acme-home/1000|opened|helpdesk"] && first[0].attempt == 1)
        try outbox.record([DeliveryOutcome(first, .retry(due: Timestamp(seconds: 60), error: "HTTP 503"))])
        #expect(try outbox.claimOne(sink: desk, now: Timestamp(seconds: 2), maxBatch: 1, sites: { _ in nil }).isEmpty,
                "the resolve waits while its opening is backing off")
        let again = try outbox.claimOne(sink: desk, now: Timestamp(seconds: 61), maxBatch: 1, sites: { _ in nil })
        #expect(again.map(\.key) == ["acme-home/1000|opened|helpdesk"] && again[0].attempt == 2)
        try outbox.record([DeliveryOutcome(again, .sent(ref: "4711"))])
        let resolve = try outbox.claimOne(sink: desk, now: Timestamp(seconds: 62), maxBatch: 1, sites: { _ in nil })
        #expect(resolve.map(\.key) == ["acme-home/1000|resolved|helpdesk"] && resolve[0].ref == "4711")
        try outbox.record([DeliveryOutcome(resolve, .dead(error: "HTTP 404", at: Timestamp(seconds: 63)))])
        #expect(try outbox.deadLetters() == [Outbox.DeadLetter(key: "acme-home/1000|resolved|helpdesk", sink: "helpdesk",
                                                               event: "resolved", attempts: 1, error: "HTTP 404")])
        #expect(try outbox.pendingCount(sink: "helpdesk") == 0)
    }

    @Test func aGroupIsFixedOnceChosenSoARetrySendsTheSameMessage() throws {
        let (outbox, routing) = try OutboxTests.outbox(nil)
        let outages = try #require(routing.sink(named: "outages"))
        try OutboxTests.lifecycles(outbox, count: 5, events: [(.opened, 100)])
        #expect(try outbox.claimOne(sink: outages, now: Timestamp(seconds: 1), maxBatch: 500, sites: { _ in nil }).isEmpty,
                "nothing goes before the group wait")
        let batch = try outbox.claimOne(sink: outages, now: Timestamp(seconds: 3), maxBatch: 500, sites: { _ in nil })
        #expect(batch.count == 5)
        try outbox.record([DeliveryOutcome(batch, .retry(due: Timestamp(seconds: 10), error: "HTTP 500"))])
        var late = IncidentRouterTests.event(.opened, at: 100)
        late.id = "site9/1000"
        try outbox.enqueue(late, line: late.encoded(), now: Timestamp(seconds: 9))
        let retry = try outbox.claimOne(sink: outages, now: Timestamp(seconds: 20), maxBatch: 500, sites: { _ in nil })
        #expect(retry.map(\.key) == batch.map(\.key), "the late incident is not slipped into the retried message")
        #expect(retry.allSatisfy { $0.attempt == 2 })
    }

    /// Opened and resolved for `count` incidents (site1 … siteN), queued at 0 s.
    /// Queues incidents site1 ... site`count`, each opened at 100 s and resolved at 900 s (or only `events`).
    static func lifecycles(_ outbox: Outbox, count: Int,
                           events: [(IncidentEvent.Event, Int64)] = [(.opened, 100), (.resolved, 900)]) throws {
        for k in 1...count {
            for (event, at) in events {
                var e = IncidentRouterTests.event(event, at: at)
                e.id = "site\(k)/1000"
                try outbox.enqueue(e, line: e.encoded(), now: Timestamp(seconds: 0))
            }
        }
    }

    @Test func aConcurrentClaimTakesOneDeliveryPerIncidentAndLeavesThoseInFlightOut() throws {
        let (outbox, routing) = try OutboxTests.outbox(nil)
        let desk = try #require(routing.sink(named: "helpdesk"))
        try OutboxTests.lifecycles(outbox, count: 5)
        let first = try outbox.claim(sink: desk, now: Timestamp(seconds: 1), messages: 8, sites: { _ in nil })
        #expect(first.map { $0.map(\.key) } == (1...5).map { ["site\($0)/1000|opened|helpdesk"] },
                "one message per delivery, only openings: each resolve waits behind its incident's opening")
        #expect(first.allSatisfy { $0[0].attempt == 1 })
        var busy = Set(first.flatMap { $0.map(\.id) })
        #expect(try outbox.claim(sink: desk, now: Timestamp(seconds: 2), messages: 8, excluding: busy, sites: { _ in nil }).isEmpty,
                "what is in flight is not claimed twice, and nothing overtakes it")
        #expect(try outbox.nextDue(sink: "helpdesk", excluding: busy) == nil, "nothing else can go while they are in flight")

        // Three come back: two sent, one to retry at 60 s. Recorded with the next claim, in its transaction.
        let back = [DeliveryOutcome(first[0], .sent(ref: "11")), DeliveryOutcome(first[1], .sent(ref: "12")),
                    DeliveryOutcome(first[2], .retry(due: Timestamp(seconds: 60), error: "HTTP 503"))]
        busy.subtract(first[0...2].flatMap { $0.map(\.id) })
        let next = try outbox.claim(sink: desk, now: Timestamp(seconds: 3), messages: 8, excluding: busy, recording: back, sites: { _ in nil })
        #expect(next.map { $0.map(\.key) } == [["site1/1000|resolved|helpdesk"], ["site2/1000|resolved|helpdesk"]],
                "the resolves of the sent openings go; the retried opening's resolve still waits")
        #expect(next.map { $0[0].ref } == ["11", "12"], "each resolve carries its own incident's ticket")
        busy.formUnion(next.flatMap { $0.map(\.id) })
        #expect(try outbox.nextDue(sink: "helpdesk", excluding: busy) == Timestamp(seconds: 60), "the retry is the next thing due")
        let limited = try outbox.claim(sink: desk, now: Timestamp(seconds: 61), messages: 1, excluding: busy, sites: { _ in nil })
        #expect(limited.map { $0.map(\.key) } == [["site3/1000|opened|helpdesk"]] && limited[0][0].attempt == 2,
                "no more than the worker has room for, oldest first")
    }

    /// A stop gives back the claims of a batch never started: their attempt was counted but not made.
    @Test func claimsGivenBackAtAStopAreNotCountedAsAttempts() async throws {
        let (outbox, routing) = try OutboxTests.outbox(nil)
        let desk = try #require(routing.sink(named: "helpdesk"))
        try OutboxTests.lifecycles(outbox, count: 3)
        let first = try outbox.claim(sink: desk, now: Timestamp(seconds: 1), messages: 8, sites: { _ in nil })
        #expect(first.count == 3 && first.allSatisfy { $0[0].attempt == 1 })
        try await outbox.unclaim(Array(first.dropFirst()))
        let again = try outbox.claim(sink: desk, now: Timestamp(seconds: 2), messages: 8, excluding: Set(first[0].map(\.id)), sites: { _ in nil })
        #expect(again.map { $0.map(\.key) } == [["site2/1000|opened|helpdesk"], ["site3/1000|opened|helpdesk"]])
        #expect(again.allSatisfy { $0[0].attempt == 1 }, "the given-back claims start again at attempt 1")
    }

    @Test func outcomesRecordedTogetherAreKeptAllOrNone() throws {
        let path = OutboxTests.tempPath()
        defer { OutboxTests.removeDatabase(path) }
        var claimed: [[OutboxDelivery]] = []
        do {
            let (outbox, routing) = try OutboxTests.outbox(path)
            let desk = try #require(routing.sink(named: "helpdesk"))
            try OutboxTests.lifecycles(outbox, count: 3)
            claimed = try outbox.claim(sink: desk, now: Timestamp(seconds: 1), messages: 8, sites: { _ in nil })
            #expect(claimed.count == 3)
            // The disk fails on the third outcome: the first two, already applied inside the transaction, are rolled
            // back with it, as a crash before the commit would leave them.
            try outbox.db.write { db in
                try db.execute(sql: """
                    CREATE TEMP TRIGGER disk_gone BEFORE UPDATE OF status ON route_delivery WHEN NEW.status = 'dead'
                    BEGIN SELECT RAISE(ABORT, 'disk gone'); END
                    """)
            }
            let outcomes = [DeliveryOutcome(claimed[0], .sent(ref: "21")),
                            DeliveryOutcome(claimed[1], .retry(due: Timestamp(seconds: 90), error: "HTTP 503")),
                            DeliveryOutcome(claimed[2], .dead(error: "HTTP 404", at: Timestamp(seconds: 2)))]
            #expect(throws: (any Error).self) { try outbox.record(outcomes) }
        }
        do {
            // Restarted: none of the three outcomes is there, so all three are attempted again, same keys, attempt 2.
            let (outbox, routing) = try OutboxTests.outbox(path)
            let desk = try #require(routing.sink(named: "helpdesk"))
            let again = try outbox.claim(sink: desk, now: Timestamp(seconds: 5), messages: 8, sites: { _ in nil })
            #expect(again.map { $0.map(\.key) } == claimed.map { $0.map(\.key) })
            #expect(again.allSatisfy { $0[0].attempt == 2 }, "the first attempts were counted before they were made")
            try outbox.record([DeliveryOutcome(again[0], .sent(ref: "21")),
                               DeliveryOutcome(again[1], .retry(due: Timestamp(seconds: 90), error: "HTTP 503")),
                               DeliveryOutcome(again[2], .dead(error: "HTTP 404", at: Timestamp(seconds: 6)))])
        }
        // Restarted again: all three outcomes were kept.
        let (outbox, routing) = try OutboxTests.outbox(path)
        let desk = try #require(routing.sink(named: "helpdesk"))
        #expect(try outbox.deadLetters().map(\.key) == ["site3/1000|opened|helpdesk"])
        let now = try outbox.claim(sink: desk, now: Timestamp(seconds: 7), messages: 8, sites: { _ in nil })
        #expect(now.map { $0.map(\.key) } == [["site1/1000|resolved|helpdesk"], ["site3/1000|resolved|helpdesk"]],
                "site1's resolve follows its sent opening (with its ticket), site3's follows its dead one to the dead letters; site2 backs off")
        #expect(now[0][0].ref == "21" && now[1][0].openingDead)
        #expect(try outbox.nextDue(sink: "helpdesk", excluding: Set(now.flatMap { $0.map(\.id) })) == Timestamp(seconds: 90))
    }

    @Test func pruningForgetsOnlyFinishedWorkPastTheRetention() throws {
        let (outbox, routing) = try OutboxTests.outbox(nil)
        let desk = try #require(routing.sink(named: "helpdesk"))
        let opened = IncidentRouterTests.event(.opened, at: 100)
        try outbox.enqueue(opened, line: opened.encoded(), now: Timestamp(seconds: 0))
        try outbox.record([DeliveryOutcome(try outbox.claimOne(sink: desk, now: Timestamp(seconds: 1), maxBatch: 1, sites: { _ in nil }), .sent(ref: "1"))])
        #expect(try outbox.prune(olderThan: .hours(24), now: Timestamp(seconds: 3600)) == 0, "too recent")
        #expect(try outbox.prune(olderThan: .hours(24), now: Timestamp(seconds: 90_000)) == 1, "the sent one; the pending Slack one stays")
        #expect(try outbox.pendingCount() == 1)
    }
}

extension Outbox {
    /// One message, as a worker with room for one claims it.
    func claimOne(sink: ConfiguredSink, now: Timestamp, maxBatch: Int, sites: (String) -> Site?) throws -> [OutboxDelivery] {
        try claim(sink: sink, now: now, maxBatch: maxBatch, sites: sites).first ?? []
    }
}
