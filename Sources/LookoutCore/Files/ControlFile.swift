import Foundation

/// ControlFile is the file people's control lines are appended to: the file `classify` follows (docs/classify.md,
/// *Control lines*). `classify ack|silence|...` and the receiver's one-tap links write through it, so every line is
/// validated the same way and lands whole.
public enum ControlFile {
    /// Why a line was not appended: refused by the rules (nothing written), or the file could not be written.
    public enum AppendError: Error, CustomStringConvertible {
        case refused(String)
        case io(String)
        public var description: String {
            switch self {
            case .refused(let reason): "refused: \(reason)"
            case .io(let message): message
            }
        }
    }

    /// Validates `control` against the config (`ControlRules`) and appends its line, with its newline, in one
    /// `write(2)` on an `O_APPEND` descriptor, so lines from concurrent writers (people, the receiver, the probe
    /// writing results to the same file) never interleave. Returns the line written, newline included.
    @discardableResult
    public static func append(_ control: ControlEvent, to path: String, config: Config) throws(AppendError) -> [UInt8] {
        do { try ControlRules.validate(control, config: config) } catch { throw .refused(error.message) }
        var line = control.encoded()
        line.append(UInt8(ascii: "\n"))
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io("\(path): cannot open: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let written = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == line.count else {
            throw .io("\(path): cannot append: \(written < 0 ? String(cString: strerror(errno)) : "short write")")
        }
        return line
    }
}
