import Foundation

/// LineWriter buffers output lines and writes them with `write(2)`, flushed per batch of input so pipes stream.
public final class LineWriter: @unchecked Sendable {
    public enum WriteError: Error, CustomStringConvertible {
        /// The reader went away (EPIPE): nothing more can be delivered, which is not an error of ours.
        case closed
        case failed(errno: Int32)
        public var description: String {
            switch self {
            case .closed: "output closed by the reader"
            case .failed(let e): "cannot write output: \(String(cString: strerror(e)))"
            }
        }
    }

    private let fd: Int32
    private let sink: LineSink?
    private var buffer: [UInt8] = []
    private let flushThreshold: Int
    private let lock = NSLock()
    public private(set) var linesWritten = 0

    /// `flushThreshold`: flush on its own once this many bytes are buffered; `Int.max` flushes only when asked.
    public init(fd: Int32, flushThreshold: Int = 1 << 16) {
        self.fd = fd
        self.sink = nil
        self.flushThreshold = flushThreshold
        // A writer that only flushes per batch passes a huge threshold: reserve what a batch needs, not that.
        buffer.reserveCapacity(min(flushThreshold, 1 << 20) + 4096)
    }

    /// A writer handing each flushed batch to `sink` (an output file) instead of a file descriptor.
    public init(sink: LineSink) {
        self.fd = -1
        self.sink = sink
        self.flushThreshold = .max
        buffer.reserveCapacity(1 << 16)
    }

    public static let standardOutput = LineWriter(fd: STDOUT_FILENO)

    /// Appends one line; `bytes` must not hold a newline.
    public func write(_ bytes: some Collection<UInt8>) throws(WriteError) {
        lock.lock()
        defer { lock.unlock() }
        buffer.append(contentsOf: bytes)
        buffer.append(0x0A)
        linesWritten += 1
        if buffer.count >= flushThreshold { try flushLocked() }
    }

    public func write(_ line: String) throws(WriteError) { try write(Array(line.utf8)) }

    public func flush() throws(WriteError) {
        lock.lock()
        defer { lock.unlock() }
        try flushLocked()
    }

    private func flushLocked() throws(WriteError) {
        if let sink {
            var failure: WriteError?
            if !buffer.isEmpty {
                buffer.withUnsafeBytes { bytes in
                    do throws(WriteError) { try sink.write(batch: bytes) } catch { failure = error }
                }
            }
            if let failure { throw failure }
            buffer.removeAll(keepingCapacity: true)
            return
        }
        var written = 0
        while written < buffer.count {
            let n = buffer.withUnsafeBytes { Foundation.write(fd, $0.baseAddress! + written, $0.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                let e = errno
                throw e == EPIPE ? .closed : .failed(errno: e)
            }
            written += n
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// LineSink takes whole batches of lines from a `LineWriter`: `RotatingFileWriter` writes them to a file.
public protocol LineSink: AnyObject {
    func write(batch: UnsafeRawBufferPointer) throws(LineWriter.WriteError)
}
