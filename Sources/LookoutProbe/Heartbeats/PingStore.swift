import Foundation
import GRDB
import LookoutCore

/// PingStore keeps heartbeat pings in SQLite, so a restarted receiver still knows when each job last checked in.
/// Only the latest `keepPerCheck` pings of a check are kept.
public final class PingStore: Sendable {
    public static let keepPerCheck = 100
    private let db: DatabaseQueue

    public static let migrations: [(id: String, migrate: @Sendable (Database) throws -> Void)] = [
        ("heartbeat-v1", { db in
            try db.execute(sql: """
                CREATE TABLE heartbeat_pings (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    check_id TEXT NOT NULL,
                    at_ms INTEGER NOT NULL,
                    kind TEXT NOT NULL,
                    exit_code INTEGER,
                    body BLOB NOT NULL
                );
                CREATE INDEX heartbeat_pings_by_check ON heartbeat_pings(check_id, id);
                CREATE TABLE heartbeat_checks (
                    check_id TEXT PRIMARY KEY,
                    monitoring_since_ms INTEGER NOT NULL
                );
                """)
        }),
    ]

    /// Uses a state database already migrated with `PingStore.migrations` (probe opens one file for all its state).
    public init(database: DatabaseQueue) {
        db = database
    }

    /// Opens the store in its own state file at `path`, or in memory.
    public convenience init(path: String?) throws {
        self.init(database: try StateDatabase.open(path: path, migrations: PingStore.migrations))
    }

    public func record(_ ping: Ping) throws {
        try db.write { db in
            try db.execute(
                sql: "INSERT INTO heartbeat_pings (check_id, at_ms, kind, exit_code, body) VALUES (?, ?, ?, ?, ?)",
                arguments: [ping.checkID, ping.at.milliseconds, ping.kind.rawValue, ping.exitCode, Data(ping.body)])
            try db.execute(sql: """
                DELETE FROM heartbeat_pings WHERE check_id = ?1 AND id <= (
                    SELECT id FROM heartbeat_pings WHERE check_id = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)
                """, arguments: [ping.checkID, PingStore.keepPerCheck])
        }
    }

    /// The latest ping of any kind, and the latest success (whose body holds the newest metrics).
    public func latest(for checkID: String) throws -> (signal: Ping?, success: Ping?) {
        try db.read { db in
            let signal = try Row.fetchOne(db, sql: "SELECT * FROM heartbeat_pings WHERE check_id = ? ORDER BY id DESC LIMIT 1",
                                          arguments: [checkID]).map(PingStore.ping)
            let success = try Row.fetchOne(db, sql: "SELECT * FROM heartbeat_pings WHERE check_id = ? AND kind = 'success' ORDER BY id DESC LIMIT 1",
                                           arguments: [checkID]).map(PingStore.ping)
            return (signal, success)
        }
    }

    /// When monitoring of a check began: the first time anyone asked, remembered across restarts.
    public func monitoringSince(_ checkID: String, now: Timestamp) throws -> Timestamp {
        try db.write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO heartbeat_checks (check_id, monitoring_since_ms) VALUES (?, ?)",
                           arguments: [checkID, now.milliseconds])
            let ms = try Int64.fetchOne(db, sql: "SELECT monitoring_since_ms FROM heartbeat_checks WHERE check_id = ?",
                                        arguments: [checkID]) ?? now.milliseconds
            return Timestamp(milliseconds: ms)
        }
    }

    public func count(for checkID: String) throws -> Int {
        try db.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM heartbeat_pings WHERE check_id = ?", arguments: [checkID]) ?? 0 }
    }

    private static func ping(_ row: Row) -> Ping {
        let body: Data = row["body"] ?? Data()
        return Ping(checkID: row["check_id"], at: Timestamp(milliseconds: row["at_ms"]),
                    kind: Ping.Kind(rawValue: row["kind"]) ?? .success, exitCode: row["exit_code"], body: Array(body))
    }
}
