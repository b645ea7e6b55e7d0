import Foundation
import Logging
import LookoutCore

/// DeliveryJournal writes route's `delivery` lines to its output exactly once (`route --follow`). A delivery line
/// depends on a send's outcome, so unlike classify's output it cannot be reproduced by reading the input again;
/// instead each outcome's line is committed to the outbox's journal in the transaction that records the outcome,
/// and this single writer appends the lines past the last written sequence number, fsyncs, and then commits that
/// number with the file's inode and length, forgetting the written lines.
///
/// After a crash, the bytes past the committed length are exactly the journal lines after the committed number,
/// which are still in the journal and are written again in the same order: `RotatingFileWriter` checks them
/// against that tail instead of appending them twice. So every outcome is in the file once, and the file only
/// grows. To standard output (no `--output`), the commit comes first: a crash in between loses those lines
/// downstream, never repeats them.
public final class DeliveryJournal: @unchecked Sendable {
    private let outbox: Outbox
    private let writer: LineWriter
    private let file: RotatingFileWriter?
    private let logger: Logger
    private var written: Int64
    /// Delivery lines written by this process (`linesWritten`).
    private let lines = Locked(0)
    private let finished = Locked(false)
    /// Lines per read of the journal: a write and an fsync each.
    private let chunk: Int

    /// Commits a first mark (the output as it stands) when the outbox holds none, before anything is written.
    public init(outbox: Outbox, writer: LineWriter, file: RotatingFileWriter?, logger: Logger, chunk: Int = 2000) throws {
        self.outbox = outbox
        self.writer = writer
        self.file = file
        self.logger = logger
        self.chunk = chunk
        if let mark = try outbox.loadJournalMark() {
            written = mark.writtenSeq
        } else {
            written = 0
            try outbox.commitJournal(.init(writtenSeq: 0, outputInode: file?.inode, outputLength: file?.length))
        }
    }

    /// Delivery lines written by this process, for the heartbeat.
    public var linesWritten: Int { lines.value }

    /// Writes every journaled line not written yet; returns how many.
    @discardableResult
    public func drain() throws -> Int {
        var total = 0
        while true {
            let rows = try outbox.journalLines(after: written, limit: chunk)
            guard let last = rows.last?.seq else { return total }
            for row in rows { try writer.write(row.line) }
            if let file {
                try writer.flush()
                try outbox.commitJournal(.init(writtenSeq: last, outputInode: file.inode, outputLength: file.length))
            } else {
                try outbox.commitJournal(.init(writtenSeq: last))
                try writer.flush()
            }
            written = last
            total += rows.count
            lines.withLock { $0 += rows.count }
        }
    }

    /// Writes lines as outcomes are recorded (woken by the outbox, with a poll as a backstop) until `finish()`,
    /// then once more, so every outcome recorded before `finish()` is written.
    public func run(poll: Double = 5) throws {
        while !finished.value {
            outbox.journalBell.wait(seconds: poll)
            try drain()
        }
        try drain()
    }

    /// Stops `run` after a last drain; call it once the dispatcher has stopped recording outcomes.
    public func finish() {
        finished.withLock { $0 = true }
        outbox.journalBell.ring()
    }
}
