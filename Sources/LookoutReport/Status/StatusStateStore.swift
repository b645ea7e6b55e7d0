import Foundation
import GRDB
import LookoutCore

/// StatusStateStore is `report --status-site DIR --follow --state FILE`: the follower's figures (the accumulator's
/// `Saved`, one JSON blob) and each input's read position (`stream_position`, one row per input) in SQLite, written
/// in one transaction, so a restart goes on from where the last save stopped: no line is read twice, none skipped.
public final class StatusStateStore {
    private let db: DatabaseQueue

    /// Bumped when the saved layout changes; a state of another version is set aside (the files are read again).
    static let version = 1

    /// The tables this component owns, under its own migration ids.
    public static let migrations: [(id: String, migrate: @Sendable (Database) throws -> Void)] = [
        ("report-v1-status-state", { db in
            try db.create(table: "report_status_state") { t in
                t.primaryKey("key", .text)
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
            let meta = try StatusStateStore.decoder().decode(Meta.self, from: metaData)
            guard meta.version == StatusStateStore.version else {
                throw LoadError(description: "it was saved by another version (layout \(meta.version), this one reads \(StatusStateStore.version))")
            }
            guard let blob = try Data.fetchOne(db, sql: "SELECT value FROM report_status_state WHERE key = 'accumulator'") else {
                throw LoadError(description: "its figures are missing")
            }
            let accumulator = try StatusStateStore.decoder().decode(ReportAccumulator.Saved.self, from: blob)
            let positions = try meta.inputs.map { try StreamPosition.load(db, stage: StatusStateStore.stage($0)) }
            return Saved(accumulator: accumulator, inputs: meta.inputs, positions: positions, rejected: meta.rejected)
        }
    }

    public struct LoadError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Writes one save in one transaction (encoded before it starts): when it returns, it survives a crash.
    public func save(_ saved: Saved) throws {
        let blob = try StatusStateStore.encoder().encode(saved.accumulator)
        let meta = try StatusStateStore.encoder().encode(Meta(version: StatusStateStore.version, inputs: saved.inputs,
                                                              rejected: saved.rejected))
        try db.write { db in
            let upsert = "INSERT INTO report_status_state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value"
            try db.execute(sql: upsert, arguments: ["accumulator", blob])
            try db.execute(sql: upsert, arguments: ["meta", meta])
            for (input, position) in zip(saved.inputs, saved.positions) {
                if let position {
                    try position.save(db, stage: StatusStateStore.stage(input))
                } else {
                    try db.execute(sql: "DELETE FROM stream_position WHERE stage = ?", arguments: [StatusStateStore.stage(input)])
                }
            }
        }
    }

    /// Forgets every save (a state for other inputs or checks, set aside at start).
    public func clear() throws {
        try db.write { db in
            try db.execute(sql: "DELETE FROM report_status_state")
            try db.execute(sql: "DELETE FROM stream_position WHERE stage LIKE 'report-status:%'")
        }
    }

    public func close() { StateDatabase.close(db) }
}
