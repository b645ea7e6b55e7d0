import Foundation
@testable import LookoutCore
@testable import LookoutRoute
import LookoutTesting
import Testing

/// route's `/metrics` backlog is read from the outbox at scrape time: a restarted route shows what the one before it
/// left in flight, and each recorded outcome moves its delivery to the state the delivery line says.
@Suite struct RouteMetricsTests {
    static func scrape(_ metrics: RouteMetrics, _ outbox: Outbox, at seconds: Int64) async -> Exposition {
        Exposition(text: await metrics.render(outbox: outbox, clock: ManualClock(Timestamp(seconds: seconds))))
    }

    @Test func theBacklogFollowsTheOutboxAcrossARestart() async throws {
        let path = OutboxTests.tempPath()
        defer { OutboxTests.removeDatabase(path) }
        let opened = IncidentRouterTests.event(.opened, at: 100)
        do {
            let (outbox, routing) = try OutboxTests.outbox(path)
            try outbox.enqueue(opened, line: opened.encoded(), now: Timestamp(seconds: 10))
            // Claimed, and the process dies before the outcome is recorded.
            _ = try outbox.claimOne(sink: try #require(routing.sink(named: "helpdesk")), now: Timestamp(seconds: 11), maxBatch: 1, sites: { _ in nil })
        }
        let (outbox, routing) = try OutboxTests.outbox(path)
        let desk = try #require(routing.sink(named: "helpdesk"))
        let metrics = RouteMetrics(sinks: routing.sinks.map(\.name))
        let others = routing.sinks.map(\.name).filter { $0 != "helpdesk" }
        let helpdesk = ["sink": "helpdesk"]

        var scrape = await Self.scrape(metrics, outbox, at: 100)
        #expect(scrape.value("lookout_route_outbox_deliveries", ["sink": "helpdesk", "state": "in_flight"]) == 1)
        #expect(scrape.value("lookout_route_outbox_deliveries", ["sink": "helpdesk", "state": "queued"]) == 0)
        #expect(scrape.value("lookout_route_oldest_queued_age_seconds", helpdesk) == 90, "wall clock: 100 s now, queued at 10 s")
        for sink in others {
            #expect(scrape.value("lookout_route_outbox_deliveries", ["sink": sink, "state": "queued"]) == Double(try outbox.pendingCount(sink: sink)))
        }

        let again = try outbox.claimOne(sink: desk, now: Timestamp(seconds: 101), maxBatch: 1, sites: { _ in nil })
        try outbox.record([DeliveryOutcome(again, .retry(due: Timestamp(seconds: 200), error: "HTTP 503"))])
        scrape = await Self.scrape(metrics, outbox, at: 110)
        #expect(scrape.value("lookout_route_outbox_deliveries", ["sink": "helpdesk", "state": "in_flight"]) == 0)
        #expect(scrape.value("lookout_route_outbox_deliveries", ["sink": "helpdesk", "state": "retrying"]) == 1)
        #expect(scrape.value("lookout_route_dead_letters", helpdesk) == 0)

        let last = try outbox.claimOne(sink: desk, now: Timestamp(seconds: 201), maxBatch: 1, sites: { _ in nil })
        try outbox.record([DeliveryOutcome(last, .dead(error: "HTTP 400", at: Timestamp(seconds: 202)))])
        scrape = await Self.scrape(metrics, outbox, at: 300)
        for state in RouteMetrics.states {
            #expect(scrape.value("lookout_route_outbox_deliveries", ["sink": "helpdesk", "state": state]) == 0, "\(state)")
        }
        #expect(scrape.value("lookout_route_dead_letters", helpdesk) == 1)
        #expect(scrape.value("lookout_route_oldest_queued_age_seconds", helpdesk) == 0, "nothing pending")
        #expect(try scrape.promtool().status == 0)
    }

    @Test func outcomesOfUnconfiguredSinksAddNoSeries() {
        let metrics = RouteMetrics(sinks: ["hook", "hook", "desk"])
        metrics.recorded(sink: "hook", .sent, count: 2, at: Timestamp(seconds: 1_795_000_000))
        metrics.recorded(sink: "gone", .dead, count: 1, at: Timestamp(seconds: 1_795_000_000))
        metrics.lines(read: 5, rejected: 1)
        metrics.lines(read: 7, rejected: 1)
        let scrape = Exposition(text: metrics.render())
        #expect(scrape.value("lookout_route_deliveries_total", ["sink": "hook", "outcome": "sent"]) == 2)
        #expect(scrape.value("lookout_route_last_delivery_timestamp_seconds", ["sink": "hook"]) == 1_795_000_000)
        #expect(scrape.value("lookout_route_deliveries_total", ["sink": "desk", "outcome": "dead"]) == 0)
        #expect(Set(scrape.samples.compactMap { $0.labels["sink"] }) == ["hook", "desk"])
        #expect(scrape.value("lookout_route_lines_read_total") == 7)
        #expect(scrape.value("lookout_route_lines_rejected_total") == 1)
    }
}
