import Logging

/// StreamTransport opens the `--input` and `--output` addresses that are not files: `nats://HOST:PORT/SUBJECT`
/// (LookoutNATS). Core only knows the shape; the commands hand StageIO the transport they were built with.
public protocol StreamTransport: Sendable {
    /// True when `address` is one of this transport's (a `nats://` URL), not a file.
    func handles(_ address: String) -> Bool
    /// Lines from `address`, starting just after stream sequence `after` (0: from the start). Without `follow` the
    /// source ends once it has delivered what the stream held when it started; with it, it waits for more until `stop`.
    func source(_ address: String, after: UInt64, follow: Bool, stop: StopFlag, logger: Logger) throws -> any SequencedLineSource
    /// A sink publishing each line. `confirm`: a flush returns only once the server has stored every line (a stage
    /// that commits after its output); otherwise lines are queued (memory, then a bounded spill file) and published
    /// in the background, so the writer never waits for the network (probe).
    func sink(_ address: String, confirm: Bool, logger: Logger) throws -> any FinishingLineSink
}

/// SequencedLineSource numbers its lines by a durable stream sequence, which a stage commits instead of a byte offset.
public protocol SequencedLineSource: LineSource {
    /// The stream sequence of the last line delivered (the `after` it started from before the first).
    var lastSequence: UInt64 { get }
}

/// FinishingLineSink is a sink that must be drained before the process ends.
public protocol FinishingLineSink: LineSink {
    /// Publishes what is queued, waiting up to `seconds`; what is left stays in the spill file for the next start.
    func finish(waitingUpTo seconds: Double)
    /// Why the server refused this stage, once it has (its credentials): the stage stops with it and exit 64.
    var refusal: String? { get }
}
