import Foundation
import GRDB
import LookoutCore

/// UsedLinkStore remembers the signatures of one-tap links that have acted, in the receiver's SQLite state, so a
/// link acts once: a second POST of the same link (a double tap, a replay) is refused. A signature is kept until its
/// link expires; after that the link is refused as expired anyway.
public final class UsedLinkStore: Sendable {
    private let db: DatabaseQueue

    public static let migrations: [(id: String, migrate: @Sendable (Database) throws -> Void)] = [
        ("actions-v1-used-links", { db in
            try db.execute(sql: """
                CREATE TABLE action_used_links (
                    signature TEXT PRIMARY KEY,
                    expires_ms INTEGER NOT NULL,
                    used_ms INTEGER NOT NULL
                );
                """)
        }),
    ]

    /// Uses a state database already migrated with `UsedLinkStore.migrations` (probe's one state file).
    public init(database: DatabaseQueue) { db = database }

    /// Opens the store in its own state file at `path`, or in memory.
    public convenience init(path: String?) throws {
        self.init(database: try StateDatabase.open(path: path, migrations: UsedLinkStore.migrations))
    }

    /// Marks the link used, committed before it acts; false when it already was. Forgets links expired before `now`.
    public func claim(_ link: ActionLink, now: Timestamp) throws -> Bool {
        try db.write { db in
            try db.execute(sql: "DELETE FROM action_used_links WHERE expires_ms < ?", arguments: [now.milliseconds])
            try db.execute(sql: "INSERT OR IGNORE INTO action_used_links (signature, expires_ms, used_ms) VALUES (?, ?, ?)",
                           arguments: [link.signature, link.expires.milliseconds, now.milliseconds])
            return db.changesCount == 1
        }
    }

    /// Gives a claimed link back when its action could not be written, so it can be tried again.
    public func release(_ link: ActionLink) throws {
        try db.write { try $0.execute(sql: "DELETE FROM action_used_links WHERE signature = ?", arguments: [link.signature]) }
    }

    public func isUsed(_ link: ActionLink) throws -> Bool {
        try db.read { try Bool.fetchOne($0, sql: "SELECT 1 FROM action_used_links WHERE signature = ?", arguments: [link.signature]) ?? false }
    }

    public func count() throws -> Int {
        try db.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM action_used_links") ?? 0 }
    }
}
