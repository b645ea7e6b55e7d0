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
}
