import Foundation
import GRDB
import LookoutCore

/// StatusStateStore is `report --status-site DIR --follow --state FILE`: the follower's figures (the accumulator's
/// `Saved`) and each input's read position (`stream_position`, one row per input) in SQLite, written in one
/// transaction, so a restart goes on from where the last save stopped: no line is read twice, none skipped.
/// The figures are split so that a save writes what changed, not 90 days of incidents each time: one row per check
/// tally, one per incident, one per batch of deliveries, and one for the rest (counters, activity, notifications).
public final class StatusStateStore {
    private let db: DatabaseQueue

    /// Bumped when the saved layout changes; a state of another version is set aside (the files are read again).
    static let version = 2

    /// The tables this component owns, under its own migration ids.
    public static let migrations: [(id: String, migrate: @Sendable (Database) throws -> Void)] = [
        ("report-v1-status-state", { db in
            try db.create(table: "report_status_state") { t in
                t.primaryKey("key", .text)
                t.column("value", .blob).notNull()
            }
        }),
        ("report-v2-status-rows", { db in
            try db.create(table: "report_status_tally") { t in
                t.primaryKey("position", .integer)
                t.column("value", .blob).notNull()
            }
            try db.create(table: "report_status_incident") { t in
                t.primaryKey("id", .text)
                t.column("position", .integer).notNull()
                t.column("value", .blob).notNull()
            }
            try db.create(table: "report_status_deliveries") { t in
                t.primaryKey("first", .integer)
                t.column("value", .blob).notNull()
            }
        }),
    ]

    /// Saved is one save: the figures, the inputs they were read from (in order), each input's position and its
    /// rejected lines so far.
    public struct Saved {
        public var accumulator: ReportAccumulator.Saved
        public var inputs: [String]
        public var positions: [StreamPosition?]
        public var rejected: [Int]
    }

    /// What `meta` holds beside the figures.
    struct Meta: Codable {
        var version: Int
        var inputs: [String]
        var rejected: [Int]
    }

    public init(path: String) throws {
        db = try StateDatabase.open(path: path, migrations: StatusStateStore.migrations + StreamPosition.migrations)
    }

    /// An input's path made absolute, so a state is found again from another folder.
    public static func absolute(_ input: String) -> String { URL(fileURLWithPath: input).standardizedFileURL.path }

    /// The stream_position row of an input (by its absolute path).
    static func stage(_ absolutePath: String) -> String { "report-status:" + absolutePath }

    static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        // A histogram with no value has min +inf and max -inf.
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return e
    }

    static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return d
    }

    /// The last save, or nil when there is none. Throws when it cannot be read (another version, a damaged blob).
    public func load() throws -> Saved? {
        try db.read { db -> Saved? in
            guard let metaData = try Data.fetchOne(db, sql: "SELECT value FROM report_status_state WHERE key = 'meta'") else {
                return nil
            }
            let decoder = StatusStateStore.decoder()
            let meta = try decoder.decode(Meta.self, from: metaData)
            guard meta.version == StatusStateStore.version else {
                throw LoadError(description: "it was saved by another version (layout \(meta.version), this one reads \(StatusStateStore.version))")
            }
            guard let blob = try Data.fetchOne(db, sql: "SELECT value FROM report_status_state WHERE key = 'accumulator'") else {
                throw LoadError(description: "its figures are missing")
            }
            var accumulator = try decoder.decode(ReportAccumulator.Saved.self, from: blob)
            accumulator.tallies = try Data.fetchAll(db, sql: "SELECT value FROM report_status_tally ORDER BY position")
                .map { try decoder.decode(CheckTally.self, from: $0) }
            for row in try Row.fetchAll(db, sql: "SELECT id, value FROM report_status_incident ORDER BY position") {
                let id: String = row["id"]
                accumulator.incidentOrder.append(id)
                accumulator.incidents[id] = try decoder.decode(IncidentRecord.self, from: row["value"] as Data)
            }
            for batch in try Data.fetchAll(db, sql: "SELECT value FROM report_status_deliveries ORDER BY first") {
                accumulator.deliveries += try decoder.decode([DeliveryRecord].self, from: batch)
            }
            let positions = try meta.inputs.map { try StreamPosition.load(db, stage: StatusStateStore.stage($0)) }
            return Saved(accumulator: accumulator, inputs: meta.inputs, positions: positions, rejected: meta.rejected)
        }
    }

    public struct LoadError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Writes one save in one transaction (encoded before it starts): when it returns, it survives a crash.
    /// `changes` (the accumulator's `takeUnsaved()` since the last save to this store) limits the tallies,
    /// incidents and deliveries written to those; nil writes them all.
    public func save(_ saved: Saved, changes: ReportAccumulator.Unsaved? = nil) throws {
        let encoder = StatusStateStore.encoder()
        let figures = saved.accumulator
        var rest = figures
        rest.tallies = []; rest.incidents = [:]; rest.incidentOrder = []; rest.deliveries = []
        let blob = try encoder.encode(rest)
        let meta = try encoder.encode(Meta(version: StatusStateStore.version, inputs: saved.inputs, rejected: saved.rejected))
        let tallies = try (changes.map { $0.tallies.sorted() } ?? Array(figures.tallies.indices))
            .map { ($0, try encoder.encode(figures.tallies[$0])) }
        // A new incident takes its place in the order; a changed one keeps it. One opened and updated since the
        // last save is in both: encoded and written once.
        let firstNew = changes?.incidentsSaved ?? 0
        let placeOf = Dictionary(zip(figures.incidentOrder[firstNew...], firstNew...), uniquingKeysWith: { a, _ in a })
        let changedIDs = figures.incidentOrder[firstNew...] + (changes?.incidents.filter { placeOf[$0] == nil } ?? [])
        let incidents = try changedIDs.compactMap { id in
            try figures.incidents[id].map { (id, try encoder.encode($0)) }
        }
        let firstDelivery = changes?.deliveriesSaved ?? 0
        let deliveries = firstDelivery < figures.deliveries.count ? try encoder.encode(Array(figures.deliveries[firstDelivery...])) : nil
        try db.write { db in
            if changes == nil { try StatusStateStore.clearFigures(db) }
            let upsert = "INSERT INTO report_status_state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value"
            try db.execute(sql: upsert, arguments: ["accumulator", blob])
            try db.execute(sql: upsert, arguments: ["meta", meta])
            for (position, value) in tallies {
                try db.execute(sql: "INSERT INTO report_status_tally (position, value) VALUES (?, ?) ON CONFLICT(position) DO UPDATE SET value = excluded.value",
                               arguments: [position, value])
            }
            for (id, value) in incidents {
                try db.execute(sql: "INSERT INTO report_status_incident (id, position, value) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET value = excluded.value",
                               arguments: [id, placeOf[id] ?? -1, value])
            }
            if let deliveries {
                try db.execute(sql: "INSERT OR REPLACE INTO report_status_deliveries (first, value) VALUES (?, ?)",
                               arguments: [firstDelivery, deliveries])
            }
            for (input, position) in zip(saved.inputs, saved.positions) {
                if let position {
                    try position.save(db, stage: StatusStateStore.stage(input))
                } else {
                    try db.execute(sql: "DELETE FROM stream_position WHERE stage = ?", arguments: [StatusStateStore.stage(input)])
                }
            }
        }
    }

    static func clearFigures(_ db: Database) throws {
        for table in ["report_status_state", "report_status_tally", "report_status_incident", "report_status_deliveries"] {
            try db.execute(sql: "DELETE FROM \(table)")
        }
    }

    /// Forgets every save (a state for other inputs or checks, set aside at start).
    public func clear() throws {
        try db.write { db in
            try StatusStateStore.clearFigures(db)
            try db.execute(sql: "DELETE FROM stream_position WHERE stage LIKE 'report-status:%'")
        }
    }

    public func close() { StateDatabase.close(db) }
}
