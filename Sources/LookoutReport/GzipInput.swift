import CZlib
import Foundation
import LookoutCore

/// GzipInput turns a gzip-compressed log (a rotated `*.gz`, possibly several concatenated members) into a file
/// descriptor `LineReader` can read: a thread inflates it with zlib into a pipe.
public final class GzipInput: Sendable {
    private let failure = Locked<String?>(nil)

    /// Why inflating stopped early (corrupt or truncated data), once the reader has seen end of input.
    public var error: String? { failure.value }

    /// Opens `path` and returns the read end of the pipe, or nil when the file cannot be opened.
    public func open(_ path: String) -> Int32? {
        guard let gz = gzopen(path, "rb") else { return nil }
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { gzclose(gz); return nil }
        let writeEnd = fds[1]
        let handle = UnsafeSendable(gz)
        let thread = Thread { [self] in
            let gz = handle.value
            let size = 1 << 16
            let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: size)
            defer { buffer.deallocate(); gzclose(gz); close(writeEnd) }
            while true {
                let n = gzread(gz, buffer, UInt32(size))
                if n < 0 {
                    var code: Int32 = 0
                    let message = gzerror(gz, &code).map { String(cString: $0) } ?? "unknown zlib error"
                    setFailure("\(path): cannot inflate: \(message)")
                    return
                }
                if n == 0 {
                    // zlib reports a truncated file as end of input with Z_BUF_ERROR set.
                    var code: Int32 = 0
                    _ = gzerror(gz, &code)
                    if code == Z_BUF_ERROR { setFailure("\(path): truncated gzip data (unexpected end of file)") }
                    return
                }
                var written = 0
                while written < Int(n) {
                    let w = write(writeEnd, buffer + written, Int(n) - written)
                    if w < 0 { if errno == EINTR { continue }; return }
                    written += w
                }
            }
        }
        thread.stackSize = 1 << 20
        thread.start()
        return fds[0]
    }

    private func setFailure(_ message: String) { failure.withLock { $0 = message } }
}

/// UnsafeSendable moves a C handle into the one thread that uses it from then on.
struct UnsafeSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
