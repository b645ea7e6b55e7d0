import Foundation
import Logging

/// FileFollower tails a growing NDJSON file (`--input FILE --follow`): it starts from a stored position, delivers
/// only complete lines (a line a writer has not finished waits), polls for growth, and survives rotation (the path
/// names a new inode: the old file is read to its end, then the new one from 0) and truncation (the file is
/// shorter than what was read: it restarts from 0, logged).
public final class FileFollower: LineSource {
    public let path: String
    public let maxLineBytes: Int
    /// When a batch ends (`LineReader.Batching`).
    public let batching: LineReader.Batching
    /// The file being read and the offset just past the last line delivered.
    public private(set) var inode: UInt64 = 0
    public private(set) var offset: Int64 = 0
    public private(set) var lineNumber = 0
    /// Called when the follower has caught up and is about to wait: a moment for a heartbeat.
    public var onIdle: (() -> Void)?
    private let pollInterval: Double
    private let stop: StopFlag
    private let logger: Logger
    private var fd: Int32 = -1
    private var reader: LineReader?
    /// Files already read to their end (by inode) and when the last one was last written: after a rotation, the
    /// next file is the oldest sibling written since, so a writer rotating faster than the poll loses nothing.
    private var finished: [UInt64] = []
    private var finishedMTime: timespec?
    private var opened = false

    public init(path: String, resumeFrom position: StreamPosition?, pollInterval: Double = 0.2, maxLineBytes: Int = 16 << 20,
                batching: LineReader.Batching = .everyRead, stop: StopFlag, logger: Logger) {
        self.path = path
        self.batching = batching
        self.pollInterval = pollInterval
        self.maxLineBytes = maxLineBytes
        self.stop = stop
        self.logger = logger
        if let position {
            inode = position.inputInode
            offset = position.inputOffset
            lineNumber = position.inputLine
        }
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Bytes in the file past the last delivered line: how far behind its input the stage is.
    public var bytesBehind: Int64 {
        guard fd >= 0 else { return 0 }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return 0 }
        return max(0, Int64(st.st_size) - offset)
    }

    /// Follows until `handle` returns false or the stop flag is set; stopping happens only at a batch end, after
    /// the stage has committed, so no handled line is left uncommitted.
    public func lines(_ handle: (LineReader.Event) throws -> Bool) throws {
        if !opened { open() }
        var draining = false
        while !stop.isSet {
            guard let reader else {
                stop.sleep(pollInterval)
                openCurrent(from: 0)
                continue
            }
            let outcome = try reader.read(holdPartialLastLine: true) { event in
                switch event {
                case .line(let line):
                    guard try handle(event) else { return false }
                    offset = line.endOffset
                    lineNumber = line.number
                    return true
                case .oversized(let number, _):
                    guard try handle(event) else { return false }
                    offset = reader.offset
                    lineNumber = number
                    return true
                case .batchEnd:
                    return try handle(event) && !stop.isSet
                }
            }
            if outcome == .stopped { return }
            if draining {
                if reader.pendingBytes > 0 {
                    logger.warning("\(path): the rotated file ended with an unfinished line of \(reader.pendingBytes) bytes; it was never completed and is dropped")
                }
                draining = false
                openNext()
                continue
            }
            switch checkFile() {
            case .same:
                // An unfinished last line is read again from its start at the next poll rather than kept: a writer
                // restarted after a crash cuts such a tail and writes other bytes in its place (RotatingFileWriter).
                if reader.pendingBytes > 0 { rewindToLastLine() }
                onIdle?()
                stop.sleep(pollInterval)
            case .rotated:
                // Anything written to the old file before the rename is read by one more pass to its end.
                logger.info("\(path) was rotated: finishing the old file, then reading the new one from its start")
                draining = true
            case .truncated:
                logger.warning("\(path) was truncated below the read position \(offset): reading it again from the start")
                openCurrent(from: 0)
            }
        }
    }

    /// Opens the file that follows the one just finished: the oldest unread `FILE.*` sibling written after it,
    /// or `FILE` itself. The writer may rotate again while this looks, so a file is chosen by inode and, once
    /// opened, checked to be that inode; if it is not (`FILE` was renamed between the look and the open), it looks
    /// again. Without that check a whole rotated file could be skipped (FileFollowerTests, on a loaded machine).
    private func openNext() {
        var own = stat()
        if fd >= 0, fstat(fd, &own) == 0 {
            finished.append(inode)
            if finished.count > 64 { finished.removeFirst() }
            finishedMTime = own.st_mtim
        }
        for _ in 0..<16 {
            guard let next = nextFile() else { break }
            openFile(next.path, from: 0, line: 0)
            guard fd >= 0, inode == next.inode else { continue }
            if next.path != path { logger.info("\(path): reading the rotated \(next.path) before the current file") }
            return
        }
        openCurrent(from: 0)
    }

    /// The unread file to read next, by modification time; nil when there is none yet.
    private func nextFile() -> (path: String, inode: UInt64)? {
        var candidates: [UInt64: (path: String, mtime: timespec)] = [:]
        var st = stat()
        // `FILE` is looked at before its siblings: a file renamed in between is then seen under both names, and its
        // rotated name (where it stays) wins. Looked at the other way round, it could be seen under neither.
        if stat(path, &st) == 0, !finished.contains(UInt64(st.st_ino)) { candidates[UInt64(st.st_ino)] = (path, st.st_mtim) }
        for sibling in siblings() {
            guard stat(sibling, &st) == 0, !finished.contains(UInt64(st.st_ino)) else { continue }
            if let after = finishedMTime, Self.earlier(st.st_mtim, after) { continue }
            candidates[UInt64(st.st_ino)] = (sibling, st.st_mtim)
        }
        // The current file sorts last among equals: it is the newest by construction.
        let next = candidates.min { a, b in
            if Self.earlier(a.value.mtime, b.value.mtime) { return true }
            if Self.earlier(b.value.mtime, a.value.mtime) { return false }
            return a.value.path != path && (b.value.path == path || a.value.path.compare(b.value.path, options: .numeric) == .orderedAscending)
        }
        return next.map { ($0.value.path, $0.key) }
    }

    private static func earlier(_ a: timespec, _ b: timespec) -> Bool {
        a.tv_sec < b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec < b.tv_nsec)
    }

    private func siblings() -> [String] {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path, base = url.lastPathComponent + "."
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { $0.hasPrefix(base) && !$0.hasSuffix(".gz") }.map { dir + "/" + $0 }
    }

    /// Opens the file to read now (the stored one, or the current one on a first start), fixing its inode before
    /// the stage commits its starting position. `lines` does this itself when it has not been done.
    public func open() {
        opened = true
        openAtStoredPosition()
    }

    private enum FileChange { case same, rotated, truncated }

    private func checkFile() -> FileChange {
        var st = stat()
        if stat(path, &st) == 0, UInt64(st.st_ino) != inode { return .rotated }
        var own = stat()
        if fstat(fd, &own) == 0, Int64(own.st_size) < offset { return .truncated }
        return .same
    }

    /// Resumes the stored file at the stored offset: the file at `path`, or, when it has been rotated away while
    /// the stage was down, the sibling (`FILE.*`) holding that inode, which is finished first.
    private func openAtStoredPosition() {
        guard inode != 0 else { openCurrent(from: 0); return }
        var st = stat()
        if stat(path, &st) == 0, UInt64(st.st_ino) == inode {
            if Int64(st.st_size) < offset {
                logger.warning("\(path) is shorter than the stored position \(offset): it was truncated; reading from the start")
                openCurrent(from: 0)
            } else {
                openFile(path, from: offset, line: lineNumber)
            }
            return
        }
        if let sibling = rotatedSibling(inode: inode) {
            logger.info("\(path) was rotated while stopped: finishing \(sibling) from offset \(offset) first")
            openFile(sibling, from: offset, line: lineNumber)
            return
        }
        logger.warning("\(path): the file read before (inode \(inode)) is gone; reading the current one from its start")
        openCurrent(from: 0)
    }

    private func rotatedSibling(inode: UInt64) -> String? {
        for candidate in siblings() {
            var st = stat()
            if stat(candidate, &st) == 0, UInt64(st.st_ino) == inode { return candidate }
        }
        return nil
    }

    private func openCurrent(from start: Int64) {
        openFile(path, from: start, line: 0)
    }

    /// Forgets the buffered unfinished line: the next read starts just past the last complete line.
    private func rewindToLastLine() {
        lseek(fd, off_t(offset), SEEK_SET)
        reader = LineReader(fd: fd, startingAt: offset, firstLineNumber: lineNumber + 1, maxLineBytes: maxLineBytes, batching: batching)
    }

    private func openFile(_ file: String, from start: Int64, line: Int) {
        if fd >= 0 { close(fd); fd = -1 }
        reader = nil
        let newFD = Foundation.open(file, O_RDONLY)
        guard newFD >= 0 else {
            if errno != ENOENT { logger.error("\(file): cannot open: \(String(cString: strerror(errno))); retrying") }
            return
        }
        var st = stat()
        fstat(newFD, &st)
        fd = newFD
        inode = UInt64(st.st_ino)
        offset = start
        lineNumber = line
        lseek(fd, off_t(start), SEEK_SET)
        reader = LineReader(fd: fd, startingAt: start, firstLineNumber: line + 1, maxLineBytes: maxLineBytes, batching: batching)
    }
}
