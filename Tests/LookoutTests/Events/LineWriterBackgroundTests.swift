import Foundation
import Testing
@testable import Lookout

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
