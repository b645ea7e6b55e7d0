import Foundation

/// LineWriter buffers output lines and writes them with `write(2)`, flushed per batch of input so pipes stream.
public final class LineWriter: @unchecked Sendable {
    public enum WriteError: Error, CustomStringConvertible {
        /// The reader went away (EPIPE): nothing more can be delivered, which is not an error of ours.
        case closed
        case failed(errno: Int32)
        /// The output's server refused this stage (its credentials): nothing written there will ever be taken, so the
        /// stage stops with this one line and exit 64, as when the refusal comes at start.
        case refused(String)
        public var description: String {
            switch self {
            case .closed: "output closed by the reader"
            case .failed(let e): "cannot write output: \(String(cString: strerror(e)))"
            case .refused(let reason): reason
            }
        }
    }

    private let fd: Int32
    private let sink: LineSink?
    private let flushThreshold: Int
    /// What the lock guards: the lines not flushed yet, and how many lines were ever written.
    private struct State {
        var buffer: [UInt8] = []
        var linesWritten = 0
    }
    private let state = Locked(State())
    public var linesWritten: Int { state.withLock { $0.linesWritten } }
    /// Set by `flushInBackground()`: `flush()` then only wakes the flushing thread.
    private var background: BackgroundFlush?

    /// `flushThreshold`: flush on its own once this many bytes are buffered; `Int.max` flushes only when asked.
    public init(fd: Int32, flushThreshold: Int = 1 << 16) {
        self.fd = fd
        self.sink = nil
        self.flushThreshold = flushThreshold
        // A writer that only flushes per batch passes a huge threshold: reserve what a batch needs, not that.
        state.withLock { $0.buffer.reserveCapacity(min(flushThreshold, 1 << 20) + 4096) }
    }

    /// A writer handing each flushed batch to `sink` (an output file) instead of a file descriptor.
    public init(sink: LineSink) {
        self.fd = -1
        self.sink = sink
        self.flushThreshold = .max
        state.withLock { $0.buffer.reserveCapacity(1 << 16) }
    }

    public static let standardOutput = LineWriter(fd: STDOUT_FILENO)

    /// Appends one line; `bytes` must not hold a newline.
    public func write(_ bytes: some Collection<UInt8>) throws(WriteError) {
        try state.withLock { (state) throws(WriteError) in
            state.buffer.append(contentsOf: bytes)
            try endLine(&state)
        }
    }

    /// `write` for the two kinds of lines the stages hand over, so a caller in another module calls concrete code
    /// (the generic one, unspecialized there, looked up type metadata per line).
    public func write(_ bytes: [UInt8]) throws(WriteError) {
        try bytes.withUnsafeBufferPointer { (b) throws(WriteError) in try write(b) }
    }

    public func write(_ bytes: UnsafeBufferPointer<UInt8>) throws(WriteError) {
        try state.withLock { (state) throws(WriteError) in
            state.buffer.append(contentsOf: bytes)
            try endLine(&state)
        }
    }

    /// Appends one line that `build` writes straight into the buffer (its bytes, no newline), under the writer's
    /// lock: no copy from a line built elsewhere. `build` must be quick and must not use this writer.
    public func writeLine(_ build: (inout [UInt8]) -> Void) throws(WriteError) {
        try state.withLock { (state) throws(WriteError) in
            build(&state.buffer)
            try endLine(&state)
        }
    }

    /// Ends the line just appended, flushing when the buffer is past the threshold.
    private func endLine(_ state: inout State) throws(WriteError) {
        state.buffer.append(0x0A)
        state.linesWritten += 1
        guard state.buffer.count >= flushThreshold else { return }
        // With a flushing thread, only that thread writes, so batches stay in order: wake it instead.
        if let background { try background.wake() } else { try flushLocked(&state.buffer) }
    }

    public func write(_ line: String) throws(WriteError) { try write(Array(line.utf8)) }

    public func flush() throws(WriteError) {
        if let background {
            try background.wake()
            return
        }
        try state.withLock { (state) throws(WriteError) in try flushLocked(&state.buffer) }
    }

    /// Hands flushing to a thread of its own, for a writer many tasks share whose sink is slow (a file fsynced per
    /// batch): `flush()` returns at once instead of holding a task, and a thread of the cooperative pool, through
    /// the disk's sync. The thread takes the buffer under the lock and writes it outside, so `write(_:)` never waits
    /// for the disk either, and the lines written meanwhile go out together in the next batch. Call `finish()` at the end.
    public func flushInBackground() {
        let flusher = BackgroundFlush()
        background = flusher
        let thread = Thread { [unowned self] in
            var batch: [UInt8] = []
            batch.reserveCapacity(1 << 16)
            while flusher.waitForWork() {
                state.withLock { swap(&batch, &$0.buffer) }
                do throws(WriteError) {
                    try writeOut(batch)
                } catch {
                    flusher.fail(error)
                    return
                }
                batch.removeAll(keepingCapacity: true)
            }
        }
        thread.name = "line-writer"
        thread.start()
    }

    /// Writes whatever is buffered and, when flushing in the background, waits for that thread to finish.
    public func finish() throws(WriteError) {
        guard let background else { return try flush() }
        try background.drain()
    }

    /// Writes `buffer` out and empties it; the caller holds the lock.
    private func flushLocked(_ buffer: inout [UInt8]) throws(WriteError) {
        try writeOut(buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes `bytes` whole to the sink or the file descriptor.
    private func writeOut(_ bytes: [UInt8]) throws(WriteError) {
        guard !bytes.isEmpty else { return }
        if let sink {
            var failure: WriteError?
            bytes.withUnsafeBytes { batch in
                do throws(WriteError) { try sink.write(batch: batch) } catch { failure = error }
            }
            if let failure { throw failure }
            return
        }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress! + written, $0.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                let e = errno
                throw e == EPIPE ? .closed : .failed(errno: e)
            }
            written += n
        }
    }
}

/// BackgroundFlush is the hand-off between a `LineWriter`'s users and its flushing thread.
final class BackgroundFlush: @unchecked Sendable {
    private let condition = NSCondition()
    private var pending = false
    private var draining = false
    private var done = false
    private var failure: LineWriter.WriteError?

    /// Asks for a flush; throws the error that stopped the flushing thread, if one did.
    func wake() throws(LineWriter.WriteError) {
        condition.lock()
        defer { condition.unlock() }
        if let failure { throw failure }
        pending = true
        condition.broadcast()
    }

    /// The flushing thread's wait: true when there is something to flush, false when it should end.
    func waitForWork() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while !pending && !draining { condition.wait() }
        if pending {
            pending = false
            return true
        }
        done = true
        condition.broadcast()
        return false
    }

    func fail(_ error: LineWriter.WriteError) {
        condition.lock()
        failure = error
        done = true
        condition.broadcast()
        condition.unlock()
    }

    /// Lets the thread flush what is left and end; returns once it has.
    func drain() throws(LineWriter.WriteError) {
        condition.lock()
        defer { condition.unlock() }
        pending = true
        draining = true
        condition.broadcast()
        while !done { condition.wait() }
        if let failure { throw failure }
    }
}

/// LineSink takes whole batches of lines from a `LineWriter`: `RotatingFileWriter` writes them to a file.
public protocol LineSink: AnyObject {
    func write(batch: UnsafeRawBufferPointer) throws(LineWriter.WriteError)
}
