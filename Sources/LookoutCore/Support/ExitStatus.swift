/// ExitStatus holds the sysexits(3) codes the executables use, documented in README.md.
public enum ExitStatus: Int32, Sendable {
    case success = 0
    /// Bad command-line arguments.
    case usage = 64
    /// The run finished, but some input lines were malformed and set aside.
    case dataError = 65
    /// A service needed was unavailable (a port taken, a receiver unreachable).
    case unavailable = 69
    /// An internal error.
    case software = 70
    /// An input or output file could not be read or written.
    case ioError = 74
    /// The configuration is invalid.
    case config = 78
}
