import Foundation
import Logging

/// Stage holds what the four executables share at start-up and shutdown, so each `@main` stays a few lines of
/// argument parsing and wiring.
public enum Stage {
    public static let version = "0.1.0"

    /// Opens `--input FILE`, or standard input.
    public static func openInput(_ path: String?) -> Int32 {
        guard let path, path != "-" else { return STDIN_FILENO }
        let fd = open(path, O_RDONLY)
        if fd < 0 { fail("\(path): cannot open: \(String(cString: strerror(errno)))", status: .ioError) }
        return fd
    }

    public static func makeRejects(source: String, keepPath: String?, logger: Logger) -> RejectedLines {
        do { return try RejectedLines(source: source, logger: logger, keepPath: keepPath) } catch {
            fail("\(error)", status: .ioError)
        }
    }

    /// The exit status after a stream: 65 when some input lines were set aside, so a script notices bad input.
    public static func finish(_ rejects: RejectedLines, logger: Logger) -> ExitStatus {
        if let summary = rejects.summary {
            logger.warning("\(summary)")
            return .dataError
        }
        return .success
    }

    /// Runs a stream loop, turning a closed output into a clean stop and any other write failure into exit 74.
    public static func runLoop(_ body: () throws -> Void, logger: Logger) -> ExitStatus? {
        do {
            try body()
            return nil
        } catch LineWriter.WriteError.closed {
            return .success
        } catch LineWriter.WriteError.refused(let reason) {
            printError(reason)
            return .usage
        } catch let refusal as StageIOError {
            // A stream's server refusing the stage once it is running (its credentials): the same line and status as
            // a refusal at start.
            printError(refusal.description)
            return .usage
        } catch {
            // It stops the run: one bare line, as every error that stops a run is (printError).
            printError("\(error)")
            return .ioError
        }
    }

    /// Writes one line to stderr and exits: for errors before logging is useful (bad config, bad arguments).
    public static func fail(_ message: String, status: ExitStatus) -> Never {
        printError(message)
        exit(status.rawValue)
    }

    /// stderr's one convention for what a person reads: an error that stops the run (bad config, bad arguments, a
    /// file or state that cannot be opened or written) is one bare line, compiler-style (`FILE:LINE: message` or
    /// `PATH: message`), redacted; what happens while running is a timestamped log line with its level.
    public static func printError(_ message: String) {
        FileHandle.standardError.write(Data((Redactor.shared.redact(message) + "\n").utf8))
    }

    /// A stage writing into a pipe must not die of SIGPIPE when the reader goes away; it sees EPIPE instead.
    public static func ignoreSIGPIPE() { signal(SIGPIPE, SIG_IGN) }

    /// Runs `body` to its end from synchronous code (a synchronous command stopping its metrics server).
    public static func wait(_ body: @escaping @Sendable () async -> Void) {
        let done = DispatchSemaphore(value: 0)
        Task {
            await body()
            done.signal()
        }
        done.wait()
    }
}
