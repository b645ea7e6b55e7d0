import Foundation
@testable import LookoutCore
import Testing

/// `LineWriter.flushInBackground()`, as probe's `--output` uses it: `flush()` never waits for a slow sink, the lines
/// written while the sink is busy go out together in the next batch, and `finish()` writes what is left.
@Suite struct LineWriterBackgroundTests {
    /// A sink whose first write blocks until the test lets it go (a disk in the middle of an fsync).
    final class SlowSink: LineSink, @unchecked Sendable {
        let lock = NSLock()
        var batches: [String] = []
        let entered = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)

        func write(batch: UnsafeRawBufferPointer) throws(LineWriter.WriteError) {
            let first = lock.withLock { batches.isEmpty }
            if first {
                entered.signal()
                release.wait()
            }
            lock.withLock { batches.append(String(decoding: batch, as: UTF8.self)) }
        }
    }

    @Test func writeAndFlushReturnWhileTheSinkIsBusyAndLaterLinesShareOneBatch() throws {
        let sink = SlowSink()
        let writer = LineWriter(sink: sink)
        writer.flushInBackground()
        try writer.write("a")
        try writer.flush()
        #expect(sink.entered.wait(timeout: .now() + 10) == .success, "the flushing thread never wrote")
        // The sink is stuck in its first write: these calls must not wait for it. They run on a thread of their own
        // so that, if they do wait, the test fails instead of hanging.
        let written = DispatchSemaphore(value: 0)
        Thread {
            for line in ["b", "c", "d"] {
                try? writer.write(line)
                try? writer.flush()
            }
            written.signal()
        }.start()
        let returned = written.wait(timeout: .now() + 10) == .success
        #expect(returned, "write or flush waited for the busy sink")
        sink.release.signal()
        if !returned { _ = written.wait(timeout: .now() + 10) }
        try writer.finish()
        #expect(sink.batches == ["a\n", "b\nc\nd\n"])
    }

    @Test func aFullBufferWakesTheFlushingThreadWithoutAFlush() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        let writer = LineWriter(fd: fds[1], flushThreshold: 8)
        writer.flushInBackground()
        try writer.write("0123456789")
        var poller = pollfd(fd: fds[0], events: Int16(POLLIN), revents: 0)
        #expect(poll(&poller, 1, 10_000) == 1, "the line over the threshold was not written without a flush()")
        var bytes = [UInt8](repeating: 0, count: 64)
        let n = read(fds[0], &bytes, bytes.count)
        #expect(String(decoding: bytes.prefix(max(n, 0)), as: UTF8.self) == "0123456789\n")
        try writer.finish()
    }

    @Test func aFailedSinkIsReportedToTheWriters() throws {
        final class Failing: LineSink {
            func write(batch: UnsafeRawBufferPointer) throws(LineWriter.WriteError) { throw .failed(errno: ENOSPC) }
        }
        let writer = LineWriter(sink: Failing())
        writer.flushInBackground()
        try writer.write("a")
        #expect(throws: LineWriter.WriteError.self) { try writer.finish() }
    }
}
