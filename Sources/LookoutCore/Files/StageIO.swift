import Foundation
import Logging

/// StageIO wires a stage's input and output from its command-line options: standard input or `--input FILE` read
/// once, or `--input FILE --follow`; standard output or `--output FILE` (rotated, fsynced per batch). It decides the
/// order of output and commit at each batch end, which is what makes a restart exact (docs/operations.md).
public final class StageIO {
    public struct Options: Sendable {
        public var input: String?
        public var follow = false
        public var output: String?
        public var rotate = RotatingFileWriter.Policy()
        public var heartbeatSeconds: Double?
        public var pollSeconds = 0.2
        /// When an input batch ends, and with it a commit and a flush (`LineReader.Batching`).
        public var batching = LineReader.Batching.everyRead
        /// Opens `nats://` inputs and outputs; nil when the command was built without one.
        public var transport: (any StreamTransport)?
        public init(input: String? = nil, follow: Bool = false, output: String? = nil) {
            self.input = input
            self.follow = follow
            self.output = output
        }
    }

    public let source: any LineSource
    public let writer: LineWriter
    public let follower: FileFollower?
    /// The `nats://` input, whose stream sequence is the durable position instead of a byte offset.
    public let stream: (any SequencedLineSource)?
    /// The `nats://` output: confirmed by the server at each batch end, before the commit.
    public let published: (any FinishingLineSink)?
    public let file: RotatingFileWriter?
    public let stop = StopFlag()
    public let heartbeat: StageLiveness?

    /// `committed`: the position the stage's state holds (nil on a first start or without a state file).
    public init(_ options: Options, stage: String, committed: StreamPosition?, logger: Logger) throws {
        if options.output == nil, options.rotate.daily || options.rotate.maxBytes != nil {
            throw StageIOError("--rotate-daily and --rotate-bytes rotate the --output FILE: name one")
        }
        let transport = options.transport
        if let input = options.input, let transport, transport.handles(input) {
            follower = nil
            let source = try transport.source(input, after: committed?.streamSequence ?? 0, follow: options.follow, stop: stop, logger: logger)
            stream = source
            self.source = source
            stop.installSignalHandlers(logger: logger)
        } else if options.follow {
            stream = nil
            guard let input = options.input, input != "-" else {
                throw StageIOError("--follow needs --input FILE (a pipe cannot be followed or resumed)")
            }
            let follower = FileFollower(path: input, resumeFrom: committed, pollInterval: options.pollSeconds,
                                        batching: options.batching, stop: stop, logger: logger)
            self.follower = follower
            source = follower
            stop.installSignalHandlers(logger: logger)
        } else {
            follower = nil
            stream = nil
            source = LineReader(fd: Stage.openInput(options.input), batching: options.batching)
        }
        if let output = options.output, let transport, transport.handles(output) {
            let sink = try transport.sink(output, confirm: true, logger: logger)
            published = sink
            file = nil
            writer = LineWriter(sink: sink)
        } else if let output = options.output, output != "-" {
            published = nil
            let resume = committed.flatMap { c in c.outputInode.map { ($0, c.outputOffset ?? 0) } }
            // A followed file or a stream resumes from the committed position: output past it is cut, not repeated.
            let file = try RotatingFileWriter(path: output, policy: options.rotate, committed: options.follow || stream != nil ? resume : nil,
                                              stop: stop, logger: logger)
            self.file = file
            writer = LineWriter(sink: file)
        } else {
            published = nil
            file = nil
            writer = LineWriter(fd: STDOUT_FILENO, flushThreshold: .max)
        }
        heartbeat = options.heartbeatSeconds.map { StageLiveness(stage: stage, intervalSeconds: $0, logger: logger) }
        if let heartbeat, let follower {
            let writer = self.writer
            follower.onIdle = { heartbeat.tick(linesOut: writer.linesWritten, bytesBehind: follower.bytesBehind) }
        }
    }

    /// The durable position after the lines handled so far; nil unless following a file or reading a stream.
    public var position: StreamPosition? {
        if let stream { return StreamPosition(streamSequence: stream.lastSequence, outputInode: file?.inode, outputOffset: file?.length) }
        guard let follower else { return nil }
        return StreamPosition(inputInode: follower.inode, inputOffset: follower.offset, inputLine: follower.lineNumber,
                              outputInode: file?.inode, outputOffset: file?.length)
    }

    /// Commits the starting position before anything is written when the state holds none yet, so a crash
    /// before the first batch's commit still finds where the output stood (and does not append it twice).
    public func start(committed: StreamPosition?, commit: (StreamPosition?) throws -> Void) throws {
        guard let follower, committed == nil else { return }
        // The file's inode, not "whatever is there": if it is rotated before the first batch commits, the restart
        // must find it among the rotated files rather than skip it.
        follower.open()
        try commit(StreamPosition(inputInode: follower.inode, inputOffset: 0, inputLine: 0, outputInode: file?.inode, outputOffset: file?.length))
    }

    /// Ends a batch. To a file, output is written (and fsynced) before the commit: a crash in between leaves bytes
    /// past the committed length, which the restarted stage reproduces and does not write twice. To a `nats://`
    /// subject likewise: the server has stored the batch before the commit, and a replay after a crash republishes
    /// it with the same message ids, which the stream's duplicate window drops. To a pipe, the
    /// commit comes first, since written lines cannot be taken back: a crash in between loses that batch's output
    /// (the in-flight loss a pipe has anyway) but never repeats it.
    public func endBatch(commit: (StreamPosition?) throws -> Void) throws {
        if file != nil || published != nil {
            try writer.flush()
            try commit(position)
        } else {
            try commit(position)
            try writer.flush()
        }
        heartbeat?.tick(linesOut: writer.linesWritten, bytesBehind: follower?.bytesBehind)
    }

    /// Counts a line for the heartbeat.
    @inline(__always)
    public func note(_ object: ScannedObject) { heartbeat?.note(object) }
}

/// StageIOError is a bad combination of input and output options (exit 64).
public struct StageIOError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
