import Foundation

/// StateLock gives one process at a time a stage's state file. Two followers on one state would each commit
/// their own position and repeat each other's output; SQLite's own locking keeps the file intact but cannot see
/// that, so the second process is refused at start with a clear message instead.
public final class StateLock {
    private let fd: Int32

    /// Takes the lock on `path` (created if missing) or throws `StageIOError` naming the file.
    public init(path: String, stage: String) throws {
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StageIOError("\(path): cannot open the state: \(String(cString: strerror(errno)))") }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            close(fd)
            throw StageIOError("\(path): the state is in use by another \(stage) process; one process per state file (stop the other, or give this one its own --state)")
        }
    }

    deinit { close(fd) }
}
