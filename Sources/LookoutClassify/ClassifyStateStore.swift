import Foundation
import GRDB
import Logging
import LookoutCore

/// ClassifyStateStore keeps each check's tracker (streaks, flap history, open incident) in SQLite, so a restart in
/// the middle of an outage picks up where it stopped instead of opening the incident a second time.
public final class ClassifyStateStore {
    private let db: DatabaseQueue

    /// The tables this component owns, under its own migration ids.
    public static let migrations: [(id: String, migrate: @Sendable (Database) throws -> Void)] = [
        ("classify-v1-check-state", { db in
            try db.create(table: "classify_check_state") { t in
                t.primaryKey("check_id", .text)
                t.column("state", .text).notNull()
                t.column("latest_at", .integer).notNull()
            }
        }),
        // Silences and on-demand windows read from control lines, each kept as its own line (ControlEvent).
        ("classify-v2-controls", { db in
            try db.create(table: "classify_control") { t in
                t.primaryKey("id", .text)
                t.column("line", .text).notNull()
            }
        }),
        // Error-budget state (BudgetWatch): each watched check's spans this month, each client's open warning.
        ("classify-v3-budget", { db in
            try db.create(table: "classify_budget") { t in
                t.primaryKey("key", .text)
                t.column("state", .text).notNull()
            }
        }),
    ]

    /// Opens (and migrates) the state at `path`, or an in-memory state when nil.
    public init(path: String?) throws {
        db = try StateDatabase.open(path: path, migrations: ClassifyStateStore.migrations + StreamPosition.migrations)
    }

    /// How far `classify --follow` had durably got, saved by `save(_:position:)`.
    public func loadPosition() throws -> StreamPosition? {
        try db.read { db in try StreamPosition.load(db, stage: "classify") }
    }

    /// Every saved tracker. One that cannot be read (written by another version) is reported and left out: that
    /// check starts afresh rather than stopping the stage.
    public func load(logger: Logger? = nil) throws -> [String: CheckTracker] {
        try db.read { db in
            var out: [String: CheckTracker] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT check_id, state FROM classify_check_state") {
                let id: String = row["check_id"], text: String = row["state"]
                do { out[id] = try CheckTracker(stateJSON: text) } catch {
                    logger?.warning("saved state of check \(id) is unreadable (\(error)); it starts afresh")
                }
            }
            return out
        }
    }

    /// The saved error-budget entries (`check:<id>`, `client:<name>`), as JSON text by key.
    public func loadBudget() throws -> [String: String] {
        try db.read { db in
            var out: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT key, state FROM classify_budget") { out[row["key"]] = row["state"] }
            return out
        }
    }

    /// The saved silences and on-demand windows; a line that no longer decodes is reported and left out.
    public func loadControls(logger: Logger? = nil) throws -> ControlBook {
        let lines = try db.read { db in try String.fetchAll(db, sql: "SELECT line FROM classify_control ORDER BY rowid") }
        var windows: [ControlEvent.Window] = []
        var fields: [JSONField] = []
        for line in lines {
            var bytes = Array(line.utf8)
            do {
                let event = try bytes.withUnsafeMutableBufferPointer { b throws -> ControlEvent in
                    let buffer = UnsafeBufferPointer(b)
                    try JSONScanner.scanObject(buffer, into: &fields)
                    return try ControlEvent(ScannedObject(bytes: buffer, fields: fields))
                }
                if case .window(let w) = event { windows.append(w) }
            } catch {
                logger?.warning("saved control line is unreadable (\(error)); it is dropped: \(line)")
            }
        }
        return ControlBook(windows: windows)
    }

    /// Writes the given trackers in one transaction: when it returns, they survive a crash.
    /// With `position`, the input and output position is saved in the same transaction, so the state never runs
    /// ahead of or behind the lines that changed it. With `controls`, the saved windows are replaced by these.
    public func save(_ trackers: [(id: String, tracker: CheckTracker)], position: StreamPosition? = nil,
                     controls: ControlBook? = nil, budget: [(key: String, state: String)] = []) throws {
        guard !trackers.isEmpty || position != nil || controls != nil || !budget.isEmpty else { return }
        let rows = trackers.map { ($0.id, String(decoding: $0.tracker.stateJSON(), as: UTF8.self), $0.tracker.latest) }
        try db.write { db in
            let statement = try db.cachedStatement(sql: """
                INSERT INTO classify_check_state (check_id, state, latest_at) VALUES (?, ?, ?)
                ON CONFLICT(check_id) DO UPDATE SET state = excluded.state, latest_at = excluded.latest_at
                """)
            for (id, state, latest) in rows { try statement.execute(arguments: [id, state, latest]) }
            if let controls {
                try db.execute(sql: "DELETE FROM classify_control")
                for w in controls.windows {
                    try db.execute(sql: "INSERT INTO classify_control (id, line) VALUES (?, ?)",
                                   arguments: [w.name, String(decoding: ControlEvent.window(w).encoded(), as: UTF8.self)])
                }
            }
            // Every budgeted check that had a result in the batch has a row: prepared once, as the trackers' is.
            if !budget.isEmpty {
                let upsert = try db.cachedStatement(
                    sql: "INSERT INTO classify_budget (key, state) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET state = excluded.state")
                for (key, state) in budget { try upsert.execute(arguments: [key, state]) }
            }
            try position?.save(db, stage: "classify")
        }
    }
}
