import Foundation

extension StageLoop {
    /// `run`, with reading and validating on a thread of their own while the caller's thread handles the
    /// lines validated before: on two cores a replay goes at the pace of the slower half instead of the sum. Batches,
    /// their ends (`onBatchEnd`, then the flush), line numbers, rejects and the order of everything are exactly
    /// `run`'s; only lines are copied once more. For input read once: a follower's position must match what was
    /// handled, which this reading ahead would break.
    ///
    /// A result line's head is read on the reading thread too (`ResultHead.ahead`) and passed to `handle` with the line
    /// (nil for any other line, or a result whose head is refused: the handler reads it again and finds out why).
    public mutating func runPipelined(onBatchEnd: () throws -> Void = {},
                                      _ handle: (ScannedObject, InputLine, ResultHead?) throws -> Void) throws {
        let handoff = ChunkHandoff(capacity: 4)
        let source = self.source
        nonisolated(unsafe) let unsafeSource = source
        // A failed read ends the input as it does in `run`, and is thrown once the lines read before it are handled.
        let readFailure = Locked<(any Error)?>(nil)
        let reader = Thread {
            // The chunk being filled is this thread's own value (no exclusivity checks per append), moved over whole.
            var chunk = handoff.fresh()
            var scratch: [JSONField] = []
            scratch.reserveCapacity(32)
            do { try unsafeSource.lines { event in
                switch event {
                case .line(let line):
                    chunk.append(line, scratch: &scratch)
                    // A batch of a backlog (4 MiB) goes over in pieces, so what waits between the threads stays small.
                    if chunk.bytes.count >= ScannedChunk.pieceBytes {
                        chunk.batchEnd = false
                        guard handoff.put(&chunk) else { return false }
                    }
                case .oversized(let number, let bytes):
                    chunk.refuse(number: number, bytes: bytes)
                case .batchEnd:
                    guard handoff.put(&chunk) else { return false }
                }
                return true
            } } catch { readFailure.withLock { $0 = error } }
            if !chunk.entries.isEmpty { _ = handoff.put(&chunk) }
            handoff.finishReading()
        }
        reader.stackSize = 1 << 20
        reader.start()
        // Returning early (a handler's error), the reader stops at its next batch end; it is not waited for, since it
        // may be blocked reading a pipe that has nothing more to say.
        defer { handoff.stop() }

        var fields: [JSONField] = []
        fields.reserveCapacity(32)
        var read = 0
        defer { linesRead = read }
        let rejects = self.rejects, writer = self.writer, maxLineBytes = source.maxLineBytes, onProgress = self.onProgress
        while var chunk = handoff.take() {
            try chunk.bytes.withUnsafeBufferPointer { all in
                try chunk.fields.withUnsafeBufferPointer { allFields in
                    for k in chunk.entries.indices {
                        let entry = chunk.entries[k]
                        read += 1
                        if entry.problem == .oversized {
                            rejects.reject(line: entry.number, reason: "line of \(entry.count) bytes exceeds the \(maxLineBytes)-byte limit", bytes: nil)
                            continue
                        }
                        let bytes = UnsafeBufferPointer(rebasing: all[entry.start..<(entry.start + entry.count)])
                        switch entry.problem {
                        case .none, .oversized:
                            break
                        case .blank:
                            continue
                        case .syntax:
                            rejects.reject(line: entry.number, reason: "not valid JSON: \(chunk.syntaxErrors[k].map { "\($0)" } ?? "")", bytes: bytes)
                            continue
                        }
                        fields.removeAll(keepingCapacity: true)
                        fields.append(contentsOf: UnsafeBufferPointer(rebasing: allFields[entry.fieldStart..<(entry.fieldStart + entry.fieldCount)]))
                        do {
                            try handle(ScannedObject(bytes: bytes, fields: fields), InputLine(bytes: bytes, number: entry.number, endOffset: entry.endOffset),
                                       entry.head >= 0 ? chunk.heads[entry.head] : nil)
                        } catch let e as EventError {
                            rejects.reject(line: entry.number, reason: e.message, bytes: bytes)
                        }
                    }
                }
            }
            if chunk.batchEnd {
                try onBatchEnd()
                try writer.flush()
                onProgress?(read)
            }
            handoff.recycle(&chunk)
        }
        try writer.flush()
        if let failure = readFailure.value { throw failure }
    }
}

/// ScannedChunk is one input batch (or a piece of one) as the reading thread hands it over: its lines' bytes back to
/// back, each line's validated members and head, or why it was refused. Entries hold no references, so going through
/// them costs no reference counting.
struct ScannedChunk: Sendable {
    enum Problem: UInt8, Sendable { case none, blank, syntax, oversized }
    struct Entry: Sendable {
        /// For an oversized line, `count` is its length (its bytes are not kept).
        var start: Int, count: Int, number: Int, endOffset: Int64
        var fieldStart: Int, fieldCount: Int
        /// Where its head is in `heads`, or -1.
        var head: Int
        var problem: Problem
    }
    var bytes: [UInt8] = []
    var entries: [Entry] = []
    var fields: [JSONField] = []
    /// The heads read ahead, of the entries that have one.
    var heads: [ResultHead] = []
    /// Why lines were not JSON, by entry.
    var syntaxErrors: [Int: JSONSyntaxError] = [:]
    /// Whether the source said "batch end" after these lines (not so for a piece of a larger batch).
    var batchEnd = true
    /// The most bytes of lines a chunk holds before it is handed over.
    static let pieceBytes = 256 << 10

    mutating func reset() {
        bytes.removeAll(keepingCapacity: true)
        entries.removeAll(keepingCapacity: true)
        fields.removeAll(keepingCapacity: true)
        heads.removeAll(keepingCapacity: true)
        if !syntaxErrors.isEmpty { syntaxErrors.removeAll() }
        batchEnd = true
    }

    /// A line over the length limit: counted, never buffered.
    mutating func refuse(number: Int, bytes: Int) {
        entries.append(Entry(start: 0, count: bytes, number: number, endOffset: 0, fieldStart: 0, fieldCount: 0, head: -1, problem: .oversized))
    }

    mutating func append(_ line: InputLine, scratch: inout [JSONField]) {
        var entry = Entry(start: bytes.count, count: line.bytes.count, number: line.number, endOffset: line.endOffset,
                          fieldStart: fields.count, fieldCount: 0, head: -1, problem: .none)
        bytes.append(contentsOf: line.bytes)
        if line.bytes.isEmpty || line.bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) {
            entry.problem = .blank
        } else {
            do {
                try JSONScanner.scanObject(line.bytes, into: &scratch)
                fields.append(contentsOf: scratch)
                entry.fieldCount = scratch.count
                if let head = ResultHead.ahead(ScannedObject(bytes: line.bytes, fields: scratch)) {
                    entry.head = heads.count
                    heads.append(head)
                }
            } catch {
                entry.problem = .syntax
                syntaxErrors[entries.count] = error
            }
        }
        entries.append(entry)
    }
}

/// ChunkHandoff passes chunks from the reading thread to the handling one, at most `capacity` waiting, and recycles
/// their buffers.
final class ChunkHandoff: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [ScannedChunk] = []
    private var spare: [ScannedChunk] = []
    private var readerDone = false
    private var stopped = false
    private let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    func fresh() -> ScannedChunk {
        condition.lock()
        defer { condition.unlock() }
        return spare.popLast() ?? ScannedChunk()
    }

    /// Hands `chunk` over, waiting while `capacity` are queued, and leaves a fresh one in its place; false once the
    /// handling side has stopped.
    func put(_ chunk: inout ScannedChunk) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while queue.count >= capacity && !stopped { condition.wait() }
        guard !stopped else { return false }
        queue.append(chunk)
        chunk = spare.popLast() ?? ScannedChunk()
        condition.broadcast()
        return true
    }

    func finishReading() {
        condition.lock()
        readerDone = true
        condition.broadcast()
        condition.unlock()
    }

    /// The next chunk, or nil once the reader has finished and every chunk was taken.
    func take() -> ScannedChunk? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && !readerDone { condition.wait() }
        guard !queue.isEmpty else { return nil }
        condition.broadcast()
        return queue.removeFirst()
    }

    /// Takes back a handled chunk's buffers for the reader to fill again.
    func recycle(_ chunk: inout ScannedChunk) {
        var done = ScannedChunk()
        swap(&done, &chunk)
        done.reset()
        condition.lock()
        if spare.count < capacity + 2 { spare.append(done) }
        condition.unlock()
    }

    /// Stops the reader at its next hand-over.
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }
}
