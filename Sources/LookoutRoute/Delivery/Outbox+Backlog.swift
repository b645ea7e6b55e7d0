import Foundation
import GRDB
import LookoutCore

/// What a scrape of `route --metrics-listen` reads from the outbox: each sink's pending deliveries by state, the
/// oldest one's queueing time, and its dead letters. Read from the database rather than counted in memory, so the
/// figures are right after a restart (deliveries a previous run left queued or in flight) and cannot drift.
extension Outbox {
    /// Backlog is one sink's pending deliveries and dead letters.
    public struct Backlog: Sendable, Equatable {
        /// Waiting for their first attempt (or behind an earlier delivery of their incident).
        public var queued = 0
        /// Claimed, their attempt recorded and its outcome not yet: sending now, or left so by a route that stopped.
        public var inFlight = 0
        /// Failed at least once and waiting for their next attempt (backoff or Retry-After).
        public var retrying = 0
        /// When the oldest pending delivery was queued (route's wall clock); nil with nothing pending.
        public var oldestQueued: Timestamp?
        /// Dead letters kept for the sink (they are never pruned: people read them).
        public var deadLetters = 0

        public init() {}
    }

    /// The backlog of each of `sinks`, one read transaction on the database's own thread. A query per sink uses the
    /// `(sink, status, id)` index, so the cost is the pending deliveries, not the 30 days of sent ones kept.
    public func backlog(sinks: [String]) async throws -> [String: Backlog] {
        try await db.read { db in
            var result: [String: Backlog] = [:]
            let pending = try db.cachedStatement(sql: """
                SELECT COALESCE(SUM(in_flight = 0 AND error IS NULL), 0) AS queued, COALESCE(SUM(in_flight = 1), 0) AS in_flight,
                       COALESCE(SUM(in_flight = 0 AND error IS NOT NULL), 0) AS retrying, MIN(queued_ms) AS oldest
                FROM route_delivery WHERE sink = ? AND status = 'pending'
                """)
            for sink in sinks {
                var b = Backlog()
                if let row = try Row.fetchOne(pending, arguments: [sink]) {
                    b.queued = row["queued"]
                    b.inFlight = row["in_flight"]
                    b.retrying = row["retrying"]
                    b.oldestQueued = (row["oldest"] as Int64?).map { Timestamp(milliseconds: $0) }
                }
                result[sink] = b
            }
            for row in try Row.fetchAll(db, sql: "SELECT sink, COUNT(*) AS n FROM route_dead_letter GROUP BY sink") {
                let sink: String = row["sink"]
                result[sink]?.deadLetters = row["n"]
            }
            return result
        }
    }
}
