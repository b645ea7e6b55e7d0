import ArgumentParser
import LookoutCore

/// MessageFileOptions are the command-line options of a stage that runs on message files (docs/operations.md):
/// follow the `--input` file, append to an `--output` file, rotate it, log heartbeats. classify and route take them
/// with `@OptionGroup`.
public struct MessageFileOptions: ParsableArguments {
    @Flag(name: .long, help: "Tail the --input file as it grows (surviving rotation and truncation); with --state, resume exactly where the last run stopped. Stops on SIGTERM/SIGINT after committing.")
    public var follow = false

    @OptionGroup public var file: OutputFileOptions

    @Option(name: .long, help: "Log a heartbeat on stderr every this many seconds: lines in and out, bytes behind the input, event-time lag.")
    public var heartbeat: Double?

    public init() {}

    /// The options as StageIO takes them, with the stage's `--input`.
    public func stageIO(input: String?) -> StageIO.Options {
        var options = StageIO.Options(input: input, follow: follow, output: file.output)
        options.rotate = file.rotation
        options.heartbeatSeconds = heartbeat
        return options
    }
}

/// OutputFileOptions are `--output FILE` and its rotation, for every stage that can write a message file (probe too).
public struct OutputFileOptions: ParsableArguments {
    @Option(name: .long, help: "Append output to this file (a batch per write, fsynced) instead of stdout; an unfinished last line left by a crash is dealt with at start (docs/operations.md).")
    public var output: String?

    @Flag(name: .long, help: "Rotate the --output file daily (UTC date of writing) to FILE.YYYY-MM-DD.")
    public var rotateDaily = false

    @Option(name: .long, help: "Rotate the --output file before it passes this many bytes, to FILE.YYYY-MM-DD.N.")
    public var rotateBytes: Int64?

    public init() {}

    public var rotation: RotatingFileWriter.Policy { .init(daily: rotateDaily, maxBytes: rotateBytes) }

    public func validate() throws {
        if output == nil, rotateDaily || rotateBytes != nil {
            throw ValidationError("--rotate-daily and --rotate-bytes rotate the --output FILE: name one")
        }
    }
}
