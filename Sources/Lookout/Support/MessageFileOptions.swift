import ArgumentParser

/// MessageFileOptions are the command-line options of a stage that runs on message files (docs/operations.md):
/// follow the `--input` file, append to an `--output` file, rotate it, log heartbeats. classify and route take them
/// with `@OptionGroup`.
public struct MessageFileOptions: ParsableArguments {
    @Flag(name: .long, help: "Tail the --input file as it grows (surviving rotation and truncation); with --state, resume exactly where the last run stopped. Stops on SIGTERM/SIGINT after committing.")
    public var follow = false

    @Option(name: .long, help: "Append output to this file (fsynced per batch) instead of stdout.")
    public var output: String?

    @Flag(name: .long, help: "Rotate the --output file daily (UTC date of writing) to FILE.YYYY-MM-DD.")
    public var rotateDaily = false

    @Option(name: .long, help: "Rotate the --output file before it passes this many bytes, to FILE.YYYY-MM-DD.N.")
    public var rotateBytes: Int64?

    @Option(name: .long, help: "Log a heartbeat on stderr every this many seconds: lines in and out, bytes behind the input, event-time lag.")
    public var heartbeat: Double?

    public init() {}

    /// The options as StageIO takes them, with the stage's `--input`.
    public func stageIO(input: String?) -> StageIO.Options {
        var options = StageIO.Options(input: input, follow: follow, output: output)
        options.rotate = .init(daily: rotateDaily, maxBytes: rotateBytes)
        options.heartbeatSeconds = heartbeat
        return options
    }
}
