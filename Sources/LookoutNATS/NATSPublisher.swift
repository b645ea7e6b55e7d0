import CNats
import Foundation
import Logging
import LookoutCore

/// NATSPublisher publishes each line written to it as one message on a subject, with its `MessageID`.
///
/// `confirm` (classify, route: stages that commit after their output): a batch returns once the server has stored
/// every line, waiting through an outage, so the commit that follows never gets ahead of the stream.
///
/// Otherwise (probe, which must never wait): lines go into a queue that a thread of its own publishes. The queue
/// holds up to `memoryLines` in memory; past that, and until the backlog is drained, lines are appended to a spool
/// file instead (bounded by `spoolMaxBytes`; past that new lines are dropped and counted). The spool file outlives
/// the process: lines left in memory at a clean stop are written to it, and a start publishes it first. Lines in
/// memory when the process is killed are lost (at most `memoryLines`), like a pipe's in-flight lines.
final class NATSPublisher: FinishingLineSink, @unchecked Sendable {
    private let jetStream: JetStream
    private let subject: String
    private let settings: NATSSettings
    private let confirm: Bool
    private let logger: Logger
    private let spoolPath: String
    private var fields: [JSONField] = []

    private struct Queue {
        var lines: [[UInt8]] = []
        var head = 0
        /// Lines go to the spool file while it holds any, so order is kept.
        var spoolBytes: Int64 = 0
        var dropped = 0
        var stopping = false
        var inFlight = false
        var count: Int { lines.count - head }
    }
    private let condition = NSCondition()
    private var queue = Queue()
    /// The server's stream, once known (asked again after each failure, in case the server was replaced).
    private var layout: StreamLayout?
    private var thread: Thread?
    private var unreachableSince: Date?
    /// Set once the server has refused the credentials: nothing more is tried, what is queued goes to the spool at
    /// `finish`, and the stage stops with this line (exit 64), as when the refusal comes at start.
    private let refused = Locked<String?>(nil)
    var refusal: String? { refused.value }

    init(jetStream: JetStream, subject: String, layout: StreamLayout?, settings: NATSSettings, confirm: Bool, logger: Logger) {
        self.jetStream = jetStream
        self.layout = layout
        self.subject = subject
        self.settings = settings
        self.confirm = confirm
        self.logger = logger
        let directory = settings.spoolDirectory ?? NSTemporaryDirectory()
        let safe = subject.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" ? $0 : "_" }
        spoolPath = (directory as NSString).appendingPathComponent("lookout-\(settings.stream)-\(String(safe)).spool")
        guard !confirm else { return }
        let attributes = try? FileManager.default.attributesOfItem(atPath: spoolPath)
        queue.spoolBytes = (attributes?[.size] as? NSNumber)?.int64Value ?? 0
        if queue.spoolBytes > 0 { logger.info("\(spoolPath): \(queue.spoolBytes) bytes left by the last run, publishing them first") }
        let thread = Thread { [unowned self] in self.publishLoop() }
        thread.name = "nats-publisher"
        self.thread = thread
        thread.start()
    }

    func write(batch: UnsafeRawBufferPointer) throws(LineWriter.WriteError) {
        var lines: [[UInt8]] = []
        var start = 0
        let bytes = batch.bindMemory(to: UInt8.self)
        for i in 0..<bytes.count where bytes[i] == 0x0A {
            if i > start { lines.append(Array(bytes[start..<i])) }
            start = i + 1
        }
        if start < bytes.count { lines.append(Array(bytes[start...])) }
        if confirm {
            try publishUntilStored(lines)
        } else {
            enqueue(lines)
            if let refusal { throw .refused(refusal) }
        }
    }

    // MARK: confirmed publishing

    /// Publishes `lines` and waits for every acknowledgement, trying again (same message ids) until the server takes them.
    private func publishUntilStored(_ lines: [[UInt8]]) throws(LineWriter.WriteError) {
        var delay = 0.25
        while !publish(lines) {
            if let refusal { throw .refused(refusal) }
            Thread.sleep(forTimeInterval: delay)
            delay = min(delay * 2, 5)
        }
    }

    /// One attempt: true once the server has acknowledged every line.
    private func publish(_ lines: [[UInt8]]) -> Bool {
        guard !lines.isEmpty else { return true }
        do {
            if layout == nil {
                let prepared = try jetStream.prepare(settings)
                if let refusal = prepared.refusalToPublish(subject) { throw StageIOError(refusal) }
                layout = prepared
            }
            for line in lines {
                let id = line.withUnsafeBufferPointer { MessageID.of($0, subject: subject, fields: &fields) }
                try line.withUnsafeBytes { try jetStream.publish(subject: subject, $0, messageID: id) }
            }
            if let since = unreachableSince {
                logger.info("publishing to \(subject) again after \(Int(-since.timeIntervalSinceNow)) s")
                unreachableSince = nil
            }
            return true
        } catch {
            layout = nil
            if let refusal = jetStream.connection.refusal() {
                // Not an outage: every retry would be refused the same way (nats.c closes the connection after the
                // second refusal). No warning either: the stage's one line says it.
                refused.withLock { $0 = $0 ?? refusal.description }
                return false
            }
            if unreachableSince == nil {
                unreachableSince = Date()
                if error is NATSError {
                    logger.warning("cannot publish to \(subject): \(error); keeping the lines and trying again")
                } else {
                    logger.error("cannot publish to \(subject): \(error); keeping the lines and trying again")
                }
            }
            return false
        }
    }

    // MARK: queued publishing

    private func enqueue(_ lines: [[UInt8]]) {
        condition.lock()
        defer { condition.unlock() }
        if queue.spoolBytes == 0 && queue.count + lines.count <= settings.memoryLines {
            queue.lines.append(contentsOf: lines)
        } else {
            spill(lines)
        }
        condition.broadcast()
    }

    /// Appends to the spool file; the caller holds the lock.
    private func spill(_ lines: [[UInt8]]) {
        var out: [UInt8] = []
        for line in lines {
            if queue.spoolBytes + Int64(out.count + line.count + 1) > settings.spoolMaxBytes {
                queue.dropped += 1
                if queue.dropped == 1 || queue.dropped % 10_000 == 0 {
                    logger.error("\(spoolPath): spool full (\(settings.spoolMaxBytes) bytes); \(queue.dropped) lines dropped")
                }
                continue
            }
            out += line
            out.append(0x0A)
        }
        guard !out.isEmpty else { return }
        let fd = open(spoolPath, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        guard fd >= 0 else {
            queue.dropped += lines.count
            logger.error("\(spoolPath): cannot open the spool file: \(String(cString: strerror(errno))); \(lines.count) lines dropped")
            return
        }
        defer { Foundation.close(fd) }
        let written = out.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
        if written == out.count { queue.spoolBytes += Int64(out.count) } else { queue.dropped += lines.count }
    }

    /// Takes the spool file's lines into memory (the caller holds the lock and the memory queue is empty).
    private func unspool() {
        guard let data = FileManager.default.contents(atPath: spoolPath) else {
            queue.spoolBytes = 0
            return
        }
        queue.lines = data.split(separator: 0x0A, omittingEmptySubsequences: true).map(Array.init)
        queue.head = 0
        queue.spoolBytes = 0
        unlink(spoolPath)
    }

    private func publishLoop() {
        var delay = 0.25
        while true {
            condition.lock()
            while queue.count == 0 && queue.spoolBytes == 0 && !queue.stopping { condition.wait() }
            if queue.stopping || refusal != nil {
                condition.unlock()
                return
            }
            if queue.count == 0 { unspool() }
            let batch = Array(queue.lines[queue.head..<min(queue.lines.count, queue.head + 1000)])
            queue.inFlight = true
            condition.unlock()

            let ok = publish(batch)
            condition.lock()
            queue.inFlight = false
            if ok {
                queue.head += batch.count
                if queue.head > 4096 && queue.head * 2 > queue.lines.count {
                    queue.lines.removeFirst(queue.head)
                    queue.head = 0
                }
                delay = 0.25
            }
            condition.broadcast()
            condition.unlock()
            if !ok {
                Thread.sleep(forTimeInterval: delay)
                delay = min(delay * 2, 5)
            }
        }
    }

    func finish(waitingUpTo seconds: Double) {
        guard let thread else { return }
        let deadline = Date(timeIntervalSinceNow: seconds)
        condition.lock()
        while (queue.count > 0 || queue.spoolBytes > 0) && refusal == nil && Date() < deadline { _ = condition.wait(until: min(deadline, Date(timeIntervalSinceNow: 0.1))) }
        queue.stopping = true
        condition.broadcast()
        while queue.inFlight { _ = condition.wait(until: Date(timeIntervalSinceNow: 0.1)) }
        // What could not be published waits in the spool file for the next start (after what is already there).
        if queue.count > 0 {
            let left = Array(queue.lines[queue.head...])
            let spooled = queue.spoolBytes
            if spooled > 0 {
                // Keep order: memory lines are older than the spool file's.
                let old = FileManager.default.contents(atPath: spoolPath) ?? Data()
                unlink(spoolPath)
                queue.spoolBytes = 0
                spill(left)
                let fd = open(spoolPath, O_WRONLY | O_CREAT | O_APPEND, 0o600)
                if fd >= 0 {
                    _ = old.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
                    Foundation.close(fd)
                }
            } else {
                spill(left)
            }
            logger.warning("\(left.count) lines not published yet are kept in \(spoolPath) for the next start")
            queue.lines = []
            queue.head = 0
        }
        condition.unlock()
    }
}
