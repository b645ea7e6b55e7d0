import Foundation
import GRDB
import LookoutCore

/// What the outbox knows of an attempt whose outcome was never recorded: `in_flight` is set when a delivery is
/// claimed and cleared with its outcome, so a delivery claimed again while it is still set was in flight when a
/// route stopped without recording (SIGKILL, a crash, power loss) and may already have reached the receiver.
extension Outbox {
    static let inFlightMigrations: [(id: String, migrate: @Sendable (Database) throws -> Void)] = [
        ("route.v4-in-flight", { db in
            try db.execute(sql: """
                ALTER TABLE route_delivery ADD COLUMN in_flight INTEGER NOT NULL DEFAULT 0;
                -- Before this column a claim only counted the attempt: a pending delivery attempted without any
                -- recorded failure was in flight when the route before the upgrade stopped.
                UPDATE route_delivery SET in_flight = 1 WHERE status = 'pending' AND attempts > 0 AND error IS NULL;
                """)
        }),
    ]

    /// How many pending deliveries were claimed and have no recorded outcome: those in flight now, or, read at
    /// start, those a stopped route left in flight (each is repeated, marked, when it is claimed again).
    public func inFlightCount(sink: String? = nil) throws -> Int {
        try db.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM route_delivery WHERE status = 'pending' AND in_flight = 1"
                                 + (sink == nil ? "" : " AND sink = ?"), arguments: StatementArguments(sink.map { [$0] } ?? [])) ?? 0
        }
    }
}
