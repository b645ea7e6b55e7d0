import Foundation
import Logging
import LookoutCore

/// ProbeSignals turns process signals into runner controls: SIGHUP reloads the config (a bad new config is logged
/// and the running one kept), SIGTERM and SIGINT stop after the runs in flight; a second SIGTERM/SIGINT exits at once.
public enum ProbeSignals {
    /// `reload` re-reads the config and returns the checks to run, or nil (after logging why) to keep the old ones.
    public static func controls(reload: @escaping @Sendable () -> [Check]?, logger: Logger) -> AsyncStream<ProbeRunner.Control> {
        let (stream, continuation) = AsyncStream<ProbeRunner.Control>.makeStream()
        let queue = DispatchQueue(label: "lookout.probe.signals")
        let stopping = OnceFlag()
        var sources: [DispatchSourceSignal] = []
        for sig in [SIGHUP, SIGTERM, SIGINT] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler {
                if sig == SIGHUP {
                    logger.info("SIGHUP: reloading the config")
                    if let checks = reload() { continuation.yield(.reload(checks)) }
                } else if stopping.take() {
                    continuation.yield(.stop)
                } else {
                    logger.warning("second stop signal: exiting without waiting for runs in flight")
                    exit(128 + sig)
                }
            }
            source.resume()
            sources.append(source)
        }
        let keep = SourceHolder(sources)
        continuation.onTermination = { _ in keep.cancel() }
        return stream
    }
}

/// Keeps the dispatch sources alive as long as the stream.
private final class SourceHolder: @unchecked Sendable {
    let sources: [DispatchSourceSignal]
    init(_ sources: [DispatchSourceSignal]) { self.sources = sources }
    func cancel() { sources.forEach { $0.cancel() } }
}
