import Foundation
import GRDB
import LookoutCore

/// The outbox's side of `route --follow`: the input position, committed with the deliveries its lines queued, and
/// the delivery journal, which holds each outcome's `delivery` line from the transaction that records the outcome
/// until `DeliveryJournal` has written it to the output.
extension Outbox {
    /// The name route's input position is saved under (table `stream_position`).
    public static let stage = "route"

    static let journalMigrations: [(id: String, migrate: @Sendable (Database) throws -> Void)] = [
        ("route.v2-journal", { db in
            try db.execute(sql: """
                CREATE TABLE route_journal (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    line BLOB NOT NULL
                );
                CREATE TABLE route_journal_mark (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    written_seq INTEGER NOT NULL,
                    output_inode INTEGER,
                    output_length INTEGER
                );
                """)
        }),
    ]

    /// How far the journal has durably been written: every line up to `writtenSeq` is in the output, whose file
    /// (by inode) was `outputLength` bytes long just after them.
    public struct JournalMark: Equatable, Sendable {
        public var writtenSeq: Int64
        public var outputInode: UInt64?
        public var outputLength: Int64?
        public init(writtenSeq: Int64, outputInode: UInt64? = nil, outputLength: Int64? = nil) {
            self.writtenSeq = writtenSeq
            self.outputInode = outputInode
            self.outputLength = outputLength
        }
    }

    /// Adds outcome lines to the journal inside the caller's transaction; the journal writer is woken once it commits.
    func appendJournal(_ lines: [[UInt8]], in db: Database) throws {
        guard !lines.isEmpty else { return }
        let statement = try db.cachedStatement(sql: "INSERT INTO route_journal (line) VALUES (?)")
        for line in lines { try statement.execute(arguments: [Data(line)]) }
        let bell = journalBell
        db.afterNextTransaction(onCommit: { _ in bell.ring() })
    }

    /// How far `route --follow` had durably read its input.
    public func loadPosition() throws -> StreamPosition? {
        try db.read { db in try StreamPosition.load(db, stage: Outbox.stage) }
    }

    public func loadJournalMark() throws -> JournalMark? {
        try db.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM route_journal_mark WHERE id = 1") else { return nil }
            let inode: Int64? = row["output_inode"]
            return JournalMark(writtenSeq: row["written_seq"], outputInode: inode.map { UInt64(bitPattern: $0) },
                               outputLength: row["output_length"])
        }
    }

    /// Journal lines after `seq`, oldest first. Sequence numbers grow with commit order (SQLite has one writer at a
    /// time), so a line never appears behind one already read.
    public func journalLines(after seq: Int64, limit: Int) throws -> [(seq: Int64, line: [UInt8])] {
        try db.read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT seq, line FROM route_journal WHERE seq > ? ORDER BY seq LIMIT ?"), arguments: [seq, limit]).map {
                let line: Data = $0["line"]
                return (seq: $0["seq"], line: Array(line))
            }
        }
    }

    /// Saves the mark and forgets the journal lines it covers, in one transaction.
    public func commitJournal(_ mark: JournalMark) throws {
        try db.write { db in
            try db.execute(sql: """
                INSERT INTO route_journal_mark (id, written_seq, output_inode, output_length) VALUES (1, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET written_seq = excluded.written_seq, output_inode = excluded.output_inode,
                  output_length = excluded.output_length
                """, arguments: [mark.writtenSeq, mark.outputInode.map { Int64(bitPattern: $0) }, mark.outputLength])
            try db.cachedStatement(sql: "DELETE FROM route_journal WHERE seq <= ?").execute(arguments: [mark.writtenSeq])
        }
    }

    /// Journal lines not written yet.
    public func journalBacklog() throws -> Int {
        try db.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM route_journal") ?? 0 }
    }
}
