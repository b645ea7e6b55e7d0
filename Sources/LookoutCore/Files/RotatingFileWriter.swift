import Foundation
import Logging

/// RotatingFileWriter appends a stage's output to a file (`--output FILE`), one batch per write, fsynced, and
/// rotates it daily (by the wall-clock UTC date of the write) or when it would pass a size, by renaming it to
/// `FILE.YYYY-MM-DD` (or `FILE.YYYY-MM-DD.N`) at a committed batch boundary and starting a new `FILE`.
///
/// Restart rules. Without a committed position, an unfinished last line (a writer killed mid-line) is cut away:
/// the stage writes it again from its durable position. With a committed position (the output length saved with
/// the stage's state), the bytes past it were written but not committed; the restarted stage reproduces them
/// exactly (its output is a function of state and input), so they are checked against the new output and not
/// written twice, and the file only ever grows, which keeps a follower downstream from seeing a truncation.
///
/// A write that fails (disk full, read-only file system) is logged once and retried with backoff until it
/// succeeds: the stage holds its output and stops reading, so nothing is lost while the disk is full. Opening the
/// file waits the same way, so a stage started while its folder is read-only or full starts writing once it is not.
public final class RotatingFileWriter: LineSink {
    public struct Policy: Sendable {
        public var daily: Bool
        public var maxBytes: Int64?
        public init(daily: Bool = false, maxBytes: Int64? = nil) { self.daily = daily; self.maxBytes = maxBytes }
    }

    public let path: String
    private let policy: Policy
    private let stop: StopFlag?
    private let logger: Logger
    private let now: () -> Date
    private var fd: Int32 = -1
    /// The file being written and its length after the last batch: what a stage commits.
    public private(set) var inode: UInt64 = 0
    public private(set) var length: Int64 = 0
    private var segmentDay = ""
    /// Bytes already in the file past the committed length, which the replayed output must reproduce.
    private var unverified: [UInt8] = []
    private var unverifiedAt = 0
    private let maxBackoff: Double
    private var lastWriteError: Int32 = EIO

    public init(path: String, policy: Policy = Policy(), committed: (inode: UInt64, length: Int64)? = nil, stop: StopFlag? = nil,
                logger: Logger, maxBackoff: Double = 5, now: @escaping () -> Date = Date.init) throws {
        self.path = path
        self.policy = policy
        self.stop = stop
        self.logger = logger
        self.now = now
        self.maxBackoff = maxBackoff
        try openFirstSegment()
        if let committed {
            resume(committed)
        } else {
            cutUnfinishedLine()
        }
    }

    deinit { if fd >= 0 { close(fd) } }

    public func write(batch: UnsafeRawBufferPointer) throws(LineWriter.WriteError) {
        var bytes = batch
        // Bytes past the committed length (a replay after a crash) must stay in the file the commit names: rotating
        // in this batch would freeze them, maybe half a line, into a renamed file a restart never looks at, and the
        // next restart would write them again into the new one. The batch after it rotates as usual.
        let replaying = unverifiedAt < unverified.count
        if replaying {
            let matched = verifyPrefix(bytes)
            bytes = UnsafeRawBufferPointer(rebasing: bytes[matched...])
            if bytes.isEmpty { return }
        }
        if !replaying, shouldRotate(adding: bytes.count) { try retrying("rotate") { () throws(LineWriter.WriteError) in try rotate() } }
        var written = 0
        while written < bytes.count {
            let n = retryingWrite(bytes.baseAddress! + written, bytes.count - written)
            // Told to stop while the disk was full: the batch is not committed, so the next start writes it.
            if n < 0 { throw .failed(errno: lastWriteError) }
            written += n
        }
        if fsync(fd) != 0 {
            // After a failed fsync the kernel may have dropped the pages: stop, and let the restart's checks decide.
            throw .failed(errno: errno)
        }
        length += Int64(bytes.count)
    }

    // MARK: - Restart

    private func resume(_ committed: (inode: UInt64, length: Int64)) {
        let size = fileSize()
        var from = committed.length
        if committed.inode != inode {
            // Rotated after the last commit: everything in the new file is uncommitted.
            from = 0
        } else if size < committed.length {
            logger.error("\(path) is \(committed.length - size) bytes shorter than the committed output: those lines were lost outside the stage")
            length = size
            return
        }
        length = from
        guard size > from else { return }
        unverified = readBytes(from: from, count: Int(size - from))
        logger.info("\(path): \(unverified.count) bytes written after the last commit; the replay checks them instead of writing them twice")
    }

    /// Skips the replayed bytes that are already in the file; on a difference (the config changed between runs),
    /// cuts the file there so it holds the new output only.
    private func verifyPrefix(_ bytes: UnsafeRawBufferPointer) -> Int {
        var i = 0
        while i < bytes.count, unverifiedAt < unverified.count {
            if bytes[i] != unverified[unverifiedAt] {
                let cut = length
                logger.warning("\(path): the replayed output differs from what was written before the crash at byte \(cut); the file is cut there and written anew")
                _ = ftruncate(fd, off_t(cut))
                unverified = []
                unverifiedAt = 0
                return i
            }
            i += 1
            unverifiedAt += 1
            length += 1
        }
        if unverifiedAt == unverified.count { unverified = []; unverifiedAt = 0 }
        return i
    }

    private func cutUnfinishedLine() {
        let size = fileSize()
        length = size
        guard size > 0 else { return }
        var end = size
        let chunk: Int64 = 1 << 16
        while end > 0 {
            let start = max(0, end - chunk)
            let bytes = readBytes(from: start, count: Int(end - start))
            if let nl = bytes.lastIndex(of: 0x0A) {
                let keep = start + Int64(nl) + 1
                if keep < size { truncateTail(to: keep, from: size) }
                return
            }
            end = start
        }
        truncateTail(to: 0, from: size)
    }

    private func truncateTail(to keep: Int64, from size: Int64) {
        logger.warning("\(path) ended with an unfinished line of \(size - keep) bytes (a writer stopped mid-line); cut away, the stage writes it again")
        _ = ftruncate(fd, off_t(keep))
        length = keep
    }

    // MARK: - Rotation

    private func shouldRotate(adding count: Int) -> Bool {
        guard length > 0 else { return false }
        if policy.daily, Self.day(now()) != segmentDay { return true }
        if let max = policy.maxBytes, length + Int64(count) > max { return true }
        return false
    }

    /// Renames the full file away and opens a new one; retried as a whole, so a rename already done is not redone.
    private func rotate() throws(LineWriter.WriteError) {
        if fd >= 0 {
            var target = "\(path).\(segmentDay)"
            var n = 1
            while policy.maxBytes != nil || FileManager.default.fileExists(atPath: target) {
                target = "\(path).\(segmentDay).\(n)"
                n += 1
                if !FileManager.default.fileExists(atPath: target) { break }
            }
            guard rename(path, target) == 0 else { throw .failed(errno: errno) }
            logger.info("rotated \(path) to \(target)")
            close(fd)
            fd = -1
        }
        try openSegment()
    }

    /// A full or read-only file system at start is waited out like one met later (a stage restarted by its
    /// supervisor meets it here); a wrong path or a missing folder fails at once.
    private func openFirstSegment() throws(LineWriter.WriteError) {
        do {
            try openSegment()
        } catch .failed(let e) where e == ENOSPC || e == EROFS || e == EDQUOT {
            try retrying("open") { () throws(LineWriter.WriteError) in try openSegment() }
        }
    }

    private func openSegment() throws(LineWriter.WriteError) {
        let newFD = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard newFD >= 0 else { throw .failed(errno: errno) }
        fd = newFD
        var st = stat()
        fstat(fd, &st)
        inode = UInt64(st.st_ino)
        length = Int64(st.st_size)
        segmentDay = st.st_size > 0 ? Self.day(Date(timeIntervalSince1970: TimeInterval(st.st_mtim.tv_sec))) : Self.day(now())
    }

    static func day(_ date: Date) -> String {
        let days = Int64(floor(date.timeIntervalSince1970 / 86_400))
        return String(Timestamp(milliseconds: days * 86_400_000).rfc3339.prefix(10))
    }

    // MARK: - I/O

    private func fileSize() -> Int64 {
        var st = stat()
        fstat(fd, &st)
        return Int64(st.st_size)
    }

    private func readBytes(from start: Int64, count: Int) -> [UInt8] {
        let rfd = open(path, O_RDONLY | O_CLOEXEC)
        guard rfd >= 0 else { return [] }
        defer { close(rfd) }
        var out = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = out.withUnsafeMutableBytes { pread(rfd, $0.baseAddress! + got, count - got, off_t(start) + off_t(got)) }
            if n <= 0 { break }
            got += n
        }
        return Array(out.prefix(got))
    }

    /// Writes once, waiting out ENOSPC, EROFS, EDQUOT and the like; returns -1 only when told to stop meanwhile.
    private func retryingWrite(_ p: UnsafeRawPointer, _ count: Int) -> Int {
        var failing: Int32 = 0
        var delay = 0.1
        while true {
            let n = Foundation.write(fd, p, count)
            if n >= 0 {
                if failing != 0 { logger.notice("\(path): writing again after \(String(cString: strerror(failing)))") }
                return n
            }
            let e = errno
            if e == EINTR { continue }
            lastWriteError = e
            if failing != e {
                logger.error("\(path): cannot write: \(String(cString: strerror(e))); holding output and retrying (no input is read meanwhile, nothing is lost)")
                failing = e
            }
            if stop?.isSet == true { return -1 }
            if let stop { stop.sleep(delay) } else { usleep(UInt32(delay * 1_000_000)) }
            delay = min(delay * 2, maxBackoff)
        }
    }

    private func retrying(_ what: String, _ body: () throws(LineWriter.WriteError) -> Void) throws(LineWriter.WriteError) {
        var delay = 0.1
        var reported = false
        while true {
            do throws(LineWriter.WriteError) {
                try body()
                return
            } catch {
                if !reported { logger.error("\(path): cannot \(what): \(error); retrying"); reported = true }
                if stop?.isSet == true { throw error }
                if let stop { stop.sleep(delay) } else { usleep(UInt32(delay * 1_000_000)) }
                delay = min(delay * 2, maxBackoff)
            }
        }
    }
}
