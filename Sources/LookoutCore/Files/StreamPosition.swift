import GRDB

/// StreamPosition is how far a stage has durably got: the input file (by inode), the byte offset just past the
/// last line it handled and that line's number, and the output file's inode and length after the lines it wrote.
/// It is saved in the same transaction as the state those lines changed, so a restart neither skips nor repeats.
/// For a `nats://` input there is no file: the input inode is 0 and the offset (and line) hold the JetStream stream
/// sequence of the last message handled; the stage resumes from the one after it.
public struct StreamPosition: Equatable, Sendable {
    public var inputInode: UInt64
    public var inputOffset: Int64
    public var inputLine: Int
    public var outputInode: UInt64?
    public var outputOffset: Int64?

    public init(inputInode: UInt64, inputOffset: Int64, inputLine: Int, outputInode: UInt64? = nil, outputOffset: Int64? = nil) {
        self.inputInode = inputInode
        self.inputOffset = inputOffset
        self.inputLine = inputLine
        self.outputInode = outputInode
        self.outputOffset = outputOffset
    }

    /// The position in a stream: the sequence of the last message handled.
    public init(streamSequence: UInt64, outputInode: UInt64? = nil, outputOffset: Int64? = nil) {
        self.init(inputInode: 0, inputOffset: Int64(streamSequence), inputLine: Int(streamSequence),
                  outputInode: outputInode, outputOffset: outputOffset)
    }

    /// The stream sequence handled, when this is a stream's position (input inode 0).
    public var streamSequence: UInt64? { inputInode == 0 && inputOffset >= 0 ? UInt64(inputOffset) : nil }

    /// The table every stage with a durable position shares, one row per stage.
    public static let migrations: [(id: String, migrate: @Sendable (Database) throws -> Void)] = [
        ("stream-position-v1", { db in
            try db.create(table: "stream_position") { t in
                t.primaryKey("stage", .text)
                t.column("input_inode", .integer).notNull()
                t.column("input_offset", .integer).notNull()
                t.column("input_line", .integer).notNull()
                t.column("output_inode", .integer)
                t.column("output_offset", .integer)
            }
        }),
    ]

    public static func load(_ db: Database, stage: String) throws -> StreamPosition? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM stream_position WHERE stage = ?", arguments: [stage]) else {
            return nil
        }
        let inode: Int64 = row["input_inode"]
        let outInode: Int64? = row["output_inode"]
        return StreamPosition(inputInode: UInt64(bitPattern: inode), inputOffset: row["input_offset"], inputLine: row["input_line"],
                              outputInode: outInode.map { UInt64(bitPattern: $0) }, outputOffset: row["output_offset"])
    }

    /// Saves inside the caller's transaction.
    public func save(_ db: Database, stage: String) throws {
        try db.cachedStatement(sql: """
            INSERT INTO stream_position (stage, input_inode, input_offset, input_line, output_inode, output_offset)
            VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT(stage) DO UPDATE SET input_inode = excluded.input_inode, input_offset = excluded.input_offset,
              input_line = excluded.input_line, output_inode = excluded.output_inode, output_offset = excluded.output_offset
            """).execute(arguments: [stage, Int64(bitPattern: inputInode), inputOffset, inputLine,
                             outputInode.map { Int64(bitPattern: $0) }, outputOffset])
    }
}
