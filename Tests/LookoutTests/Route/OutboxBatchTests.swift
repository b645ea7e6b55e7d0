import Foundation
@testable import LookoutCore
@testable import LookoutRoute
import Testing

/// `route` queues a whole read of input in one transaction, with the input position after it.
@Suite struct OutboxBatchTests {
    static let events: [IncidentEvent] = [
        IncidentRouterTests.event(.opened, severity: .warning, at: 100),
        IncidentRouterTests.event(.updated, severity: .critical, at: 4000),
        IncidentRouterTests.event(.updated, severity: .critical, at: 9000),
        IncidentRouterTests.event(.resolved, at: 9900),
    ]

    @Test func aBatchQueuesWhatTheSameEventsQueueOneByOne() throws {
        let (single, _) = try OutboxTests.outbox(nil)
        for e in Self.events { try single.enqueue(e, line: e.encoded(), now: Timestamp(seconds: 5)) }
        let (batched, _) = try OutboxTests.outbox(nil)
        let added = try batched.enqueue(Self.events.map { ($0, $0.encoded()) }, now: Timestamp(seconds: 5))
        #expect(try batched.deliveryKeys().map(\.key) == single.deliveryKeys().map(\.key),
                "each event in the batch sees the routing state the earlier ones left")
        #expect(added == (try single.deliveryKeys().count))
        #expect(added > Self.events.count, "the events go to more than one sink")
    }

    @Test func thePositionIsCommittedWithTheDeliveriesAndSurvivesAReopen() throws {
        let path = OutboxTests.tempPath()
        defer { OutboxTests.removeDatabase(path) }
        let position = StreamPosition(inputInode: 42, inputOffset: 1234, inputLine: 17)
        do {
            let (outbox, _) = try OutboxTests.outbox(path)
            #expect(try outbox.loadPosition() == nil)
            try outbox.enqueue(Self.events.prefix(2).map { ($0, $0.encoded()) }, now: Timestamp(seconds: 5), position: position)
        }
        let (reopened, _) = try OutboxTests.outbox(path)
        #expect(try reopened.loadPosition() == position)
        let queued = try reopened.pendingCount()
        #expect(queued > 0)
        // A batch with nothing to queue still moves the position.
        let later = StreamPosition(inputInode: 42, inputOffset: 2000, inputLine: 30)
        #expect(try reopened.enqueue([], now: Timestamp(seconds: 6), position: later) == 0)
        #expect(try reopened.loadPosition() == later)
        #expect(try reopened.pendingCount() == queued)
    }
}
