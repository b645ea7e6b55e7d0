import Foundation
import Logging

/// StopFlag is set by SIGTERM or SIGINT so a long-running stage stops at its next batch end, after committing,
/// instead of dying between a write and a commit. A second signal exits at once.
public final class StopFlag: @unchecked Sendable {
    private let raised = Locked(false)
    private var sources: [DispatchSourceSignal] = []

    public init() {}

    public var isSet: Bool { raised.value }

    public func set() { raised.withLock { $0 = true } }

    /// Routes SIGTERM and SIGINT to this flag.
    public func installSignalHandlers(logger: Logger) {
        let queue = DispatchQueue(label: "lookout.stop-signals")
        for sig in [SIGTERM, SIGINT] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler { [self] in
                if isSet {
                    logger.warning("second stop signal: exiting now; the next start resumes from the last commit")
                    exit(128 + sig)
                }
                logger.info("stop signal: finishing the current batch")
                set()
            }
            source.resume()
            sources.append(source)
        }
    }

    /// Sleeps up to `seconds`, waking early when the flag is set.
    public func sleep(_ seconds: Double) {
        var left = seconds
        while left > 0, !isSet {
            let step = min(left, 0.05)
            usleep(UInt32(step * 1_000_000))
            left -= step
        }
    }
}
