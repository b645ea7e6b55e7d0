import Foundation
import GRDB

/// StateDatabase opens a stage's SQLite state: a file (`--state FILE`, WAL, waiting up to a few seconds on a lock
/// held by another process) or memory (replays). Each component adds its own tables with named migrations, so
/// stages can share one file without knowing each other's schema.
public enum StateDatabase {
    /// How long a writer waits for another process's lock before failing with a clear error.
    public static let busyTimeout: TimeInterval = 5

    public static func open(path: String?, migrations: [(id: String, migrate: @Sendable (Database) throws -> Void)]) throws -> DatabaseQueue {
        var config = Configuration()
        config.busyMode = .timeout(busyTimeout)
        config.label = "lookout-state"
        let queue: DatabaseQueue
        if let path {
            queue = try DatabaseQueue(path: path, configuration: config)
            try queue.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA journal_mode = WAL")
                // FULL: a committed transaction survives power loss, which the exactly-once promises rely on.
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
        } else {
            queue = try DatabaseQueue(configuration: config)
        }
        var migrator = DatabaseMigrator()
        for m in migrations { migrator.registerMigration(m.id, migrate: m.migrate) }
        try migrator.migrate(queue)
        return queue
    }

    /// Folds the write-ahead log back into the database and closes it, at a stage's clean exit: SQLite does that only
    /// when the last connection closes, which a process that exits with its connection open never does, so a
    /// stopped stage left a megabyte-sized `-wal` beside a 4 KB database.
    public static func close(_ queue: DatabaseQueue) {
        try? queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        try? queue.close()
    }
}
