import Foundation
import GRDB
@testable import LookoutCommands
@testable import LookoutCore
@testable import LookoutRoute
import Testing

/// What the outbox remembers of attempts whose outcome a crash lost: a delivery claimed again while its previous
/// attempt was never recorded is a repeat after a restart (it may have reached the receiver), and nothing else is.
@Suite struct OutboxInFlightTests {
    @Test func aDeliveryLeftInFlightByACrashIsClaimedAgainAsARepeat() throws {
        let path = OutboxTests.tempPath()
        defer { OutboxTests.removeDatabase(path) }
        let opened = IncidentRouterTests.event(.opened, at: 100)
        do {
            let (outbox, routing) = try OutboxTests.outbox(path)
            let desk = try #require(routing.sink(named: "helpdesk"))
            try outbox.enqueue(opened, line: opened.encoded(), now: Timestamp(seconds: 0))
            let first = try outbox.claimOne(sink: desk, now: Timestamp(seconds: 1), maxBatch: 1, sites: { _ in nil })
            #expect(first.count == 1 && !first[0].repeatedAfterRestart, "a first attempt is no repeat")
            #expect(try outbox.inFlightCount(sink: "helpdesk") == 1)
            // The process dies here, the request sent and its outcome never recorded.
        }
        let (restarted, routing) = try OutboxTests.outbox(path)
        let desk = try #require(routing.sink(named: "helpdesk"))
        #expect(try restarted.inFlightCount() == 1, "the restarted route knows one delivery's outcome is unknown")
        let again = try restarted.claimOne(sink: desk, now: Timestamp(seconds: 2), maxBatch: 1, sites: { _ in nil })
        #expect(again.map(\.key) == ["acme-home/1000|opened|helpdesk"])
        #expect(again.first?.repeatedAfterRestart == true && again.first?.attempt == 2)
        try restarted.record([DeliveryOutcome(again, .retry(due: Timestamp(seconds: 10), error: "HTTP 503"))])
        #expect(try restarted.inFlightCount() == 0, "a recorded outcome settles it")
        let retry = try restarted.claimOne(sink: desk, now: Timestamp(seconds: 11), maxBatch: 1, sites: { _ in nil })
        #expect(retry.first?.repeatedAfterRestart == false && retry.first?.attempt == 3,
                "a retry after a known failure is not a repeat after a restart")
    }

    /// A grouping sink's claim leaves out what the lane still holds, as every claim does. A worker starved past a
    /// Retry-After recorded the retry as already due and claimed in the same transaction; that claim took the
    /// delivery again, the lane let go of it with the recorded attempt, and the next round claimed it once more: two
    /// sends (RouteSinkTests.slack429HonoursRetryAfter in a loaded full run: retrying#1, sent#2, sent#3).
    @Test func aGroupingClaimLeavesOutWhatTheLaneHolds() throws {
        let (outbox, routing) = try OutboxTests.outbox(nil)
        let chat = try #require(routing.sink(named: "outages"))
        #expect(chat.groups)
        let opened = IncidentRouterTests.event(.opened, at: 100)
        try outbox.enqueue(opened, line: opened.encoded(), now: Timestamp(seconds: 0))
        let first = try outbox.claim(sink: chat, now: Timestamp(seconds: 600), maxBatch: 500, sites: { _ in nil })
        let held = Set(first.flatMap { $0 }.map(\.id))
        #expect(held.count == 1)
        let retry = DeliveryOutcome(try #require(first.first), .retry(due: Timestamp(seconds: 602), error: "HTTP 429"))
        let same = try outbox.claim(sink: chat, now: Timestamp(seconds: 605), maxBatch: 500, excluding: held, recording: [retry],
                                    sites: { _ in nil })
        #expect(same.isEmpty, "claimed again while the lane holds it: \(same.flatMap { $0 }.map(\.attempt))")
        let next = try outbox.claimOne(sink: chat, now: Timestamp(seconds: 605), maxBatch: 500, sites: { _ in nil })
        #expect(next.map(\.attempt) == [2], "once the lane has let go, the retry is claimed")
    }

    /// A claim taken back at a clean stop (claimed, never started) leaves the delivery as it was: not in flight, so
    /// the next start sends it as a first attempt, not as a repeat after a restart.
    @Test func aClaimTakenBackAtAStopIsNoRepeat() async throws {
        let (outbox, routing) = try OutboxTests.outbox(nil)
        let desk = try #require(routing.sink(named: "helpdesk"))
        let opened = IncidentRouterTests.event(.opened, at: 100)
        try outbox.enqueue(opened, line: opened.encoded(), now: Timestamp(seconds: 0))
        let claimed = try outbox.claimOne(sink: desk, now: Timestamp(seconds: 1), maxBatch: 1, sites: { _ in nil })
        try await outbox.unclaim([claimed])
        #expect(try outbox.inFlightCount() == 0)
        let again = try outbox.claimOne(sink: desk, now: Timestamp(seconds: 2), maxBatch: 1, sites: { _ in nil })
        #expect(again.first?.repeatedAfterRestart == false && again.first?.attempt == 1)
    }

    @Test(arguments: [DeliveryOutcome.Result.sent(ref: "7"), .retry(due: Timestamp(seconds: 5), error: "HTTP 500"),
                      .dead(error: "HTTP 400", at: Timestamp(seconds: 2))])
    func everyRecordedOutcomeClearsTheMark(result: DeliveryOutcome.Result) throws {
        let (outbox, routing) = try OutboxTests.outbox(nil)
        let desk = try #require(routing.sink(named: "helpdesk"))
        let opened = IncidentRouterTests.event(.opened, at: 100)
        try outbox.enqueue(opened, line: opened.encoded(), now: Timestamp(seconds: 0))
        let first = try outbox.claimOne(sink: desk, now: Timestamp(seconds: 1), maxBatch: 1, sites: { _ in nil })
        try outbox.record([DeliveryOutcome(first, result)])
        #expect(try outbox.inFlightCount() == 0)
    }

    @Test func aGroupedMessageLeftInFlightIsRepeatedWholeAndMarked() throws {
        let path = OutboxTests.tempPath()
        defer { OutboxTests.removeDatabase(path) }
        var keys: [String] = []
        do {
            let (outbox, routing) = try OutboxTests.outbox(path)
            let outages = try #require(routing.sink(named: "outages"))
            try OutboxTests.lifecycles(outbox, count: 4, events: [(.opened, 100)])
            keys = try outbox.claimOne(sink: outages, now: Timestamp(seconds: 3), maxBatch: 500, sites: { _ in nil }).map(\.key)
            #expect(keys.count == 4)
        }
        let (restarted, routing) = try OutboxTests.outbox(path)
        let outages = try #require(routing.sink(named: "outages"))
        let again = try restarted.claimOne(sink: outages, now: Timestamp(seconds: 4), maxBatch: 500, sites: { _ in nil })
        #expect(again.map(\.key) == keys, "the same message, with the same key")
        #expect(again.allSatisfy { $0.repeatedAfterRestart })
    }

    @Test func theUpgradeMarksWhatARouteBeforeItLeftInFlight() throws {
        let path = OutboxTests.tempPath()
        defer { OutboxTests.removeDatabase(path) }
        // A state file as the route before `in_flight` left it: one delivery attempted with no outcome (in flight
        // at a crash), one that failed and waits for its retry, one never attempted.
        let old = try StateDatabase.open(path: path, migrations: Outbox.migrations + Outbox.journalMigrations + Outbox.escalationMigrations)
        let line = IncidentRouterTests.event(.opened, at: 100).encoded()
        try old.write { db in
            for (n, attempts, error) in [(1, 1, nil), (2, 1, "HTTP 503"), (3, 0, nil)] as [(Int, Int, String?)] {
                try db.execute(sql: """
                    INSERT INTO route_delivery (key, incident, event, sink, line, queued_ms, due_ms, attempts, error)
                    VALUES (?, ?, 'opened', 'helpdesk', ?, 0, 0, ?, ?)
                    """, arguments: ["k\(n)", "acme-home/\(n)", Data(line), attempts, error])
            }
        }
        try old.close()
        let (outbox, _) = try OutboxTests.outbox(path)
        let marked = try outbox.db.read { db in try String.fetchAll(db, sql: "SELECT key FROM route_delivery WHERE in_flight = 1") }
        #expect(marked == ["k1"])
    }
}
