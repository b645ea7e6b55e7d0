import Foundation
import Logging
import LookoutCore
import LookoutRoute

/// ReportFormat is a `--format` value.
public enum ReportFormat: String, CaseIterable, Sendable {
    case markdown, slack, html, json
}

/// ReportStage runs `report`: reads every input (plain or gzip) through one accumulator, builds the report and
/// renders it. The executable only parses arguments and calls `run`.
public enum ReportStage {
    public struct Options {
        public var range: ReportRange
        public var format: ReportFormat
        public var client: String?
        public var output: String?
        public var inputs: [String]
        /// Where malformed lines are kept aside (appended), as `--rejects` does in every stage.
        public var rejectsPath: String?
        /// Opens the inputs that are not files (`nats://HOST:PORT/SUBJECT`): read from the stream's start to its end.
        public var transport: (any StreamTransport)?
        public init(range: ReportRange, format: ReportFormat, client: String?, output: String?, inputs: [String]) {
            self.range = range; self.format = format; self.client = client; self.output = output; self.inputs = inputs
        }
    }

    /// Reads the inputs (stdin when there are none, or for `-`) and returns the finished report.
    public static func read(_ options: Options, config: Config, logger: Logger) -> (DailyReport, rejected: Int) {
        let accumulator = ReportAccumulator(config: config, range: options.range)
        let (linesRead, rejected) = accumulate(options.inputs, into: accumulator, rejectsPath: options.rejectsPath,
                                               transport: options.transport, logger: logger)
        let builder = ReportBuilder(accumulator: accumulator, linesRead: linesRead, linesRejected: rejected, client: options.client)
        return (builder.build(), rejected)
    }

    /// Feeds every input (plain or gzip; stdin when there are none, or for `-`; a stream the transport handles, from
    /// its first retained message to the last one when reading began) through the accumulator, setting malformed
    /// lines aside; returns the lines read and rejected. Shared by the report and the status site.
    public static func accumulate(_ inputs: [String], into accumulator: ReportAccumulator, rejectsPath: String?,
                                  transport: (any StreamTransport)? = nil, logger: Logger) -> (linesRead: Int, rejected: Int) {
        var linesRead = 0, rejected = 0
        let progress = isatty(STDERR_FILENO) == 1
        let writer = LineWriter(fd: STDOUT_FILENO)  // StageLoop flushes it per batch; report writes nothing there
        for path in inputs.isEmpty ? ["-"] : inputs {
            let gzip = GzipInput()
            var fd: Int32 = -1
            let source: any LineSource
            if let transport, transport.handles(path) {
                do {
                    source = try transport.source(path, after: 0, follow: false, stop: StopFlag(), logger: logger)
                } catch {
                    Stage.fail("\(error)", status: .ioError)
                }
            } else if path.hasSuffix(".gz") {
                guard let opened = gzip.open(path) else { Stage.fail("\(path): cannot open", status: .ioError) }
                fd = opened
                source = LineReader(fd: fd)
            } else {
                fd = Stage.openInput(path)
                source = LineReader(fd: fd)
            }
            let rejects = Stage.makeRejects(source: path == "-" ? "stdin" : path, keepPath: rejectsPath, logger: logger)
            var loop = StageLoop(reader: source, writer: writer, rejects: rejects)
            let base = linesRead
            let failure = Stage.runLoop({
                try loop.run { object, line in
                    try accumulator.consume(object)
                    if progress, line.number % 500_000 == 0 {
                        FileHandle.standardError.write(Data("\rreport: \(base + line.number) lines read…".utf8))
                    }
                }
            }, logger: logger)
            if let failure { Stage.fail("\(path): read failed", status: failure) }
            if fd >= 0 && fd != STDIN_FILENO { close(fd) }
            linesRead += loop.linesRead
            rejected += rejects.count
            if let e = gzip.error {
                logger.error("\(e)")
                rejected += 1
            }
            if let summary = rejects.summary { logger.warning("\(summary)") }
        }
        if progress { FileHandle.standardError.write(Data("\rreport: \(linesRead) lines read.       \n".utf8)) }
        return (linesRead, rejected)
    }

    /// The document for a format other than slack.
    public static func render(_ report: DailyReport, format: ReportFormat) -> String {
        switch format {
        case .markdown: MarkdownRenderer().render(report)
        case .html: HTMLRenderer().render(report)
        case .json: JSONReportRenderer().render(report)
        case .slack: SlackRenderer().payload(report).jsonText + "\n"
        }
    }

    /// Writes the document to `--output`: a regular file is replaced atomically (temporary file and rename, so a
    /// reader never sees half a report); anything else (`/dev/null`, a FIFO, a terminal) is written in place, since a
    /// rename would replace the device or pipe itself with a plain file.
    static func write(_ document: String, to path: String) throws {
        var info = stat()
        if stat(path, &info) == 0, info.st_mode & S_IFMT != S_IFREG {
            guard let handle = FileHandle(forWritingAtPath: path) else {
                throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
            }
            defer { try? handle.close() }
            try handle.write(contentsOf: Data(document.utf8))
        } else {
            try Data(document.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        }
    }

    /// Runs the whole stage and returns the exit status: 65 when some input lines were malformed (the report is
    /// still written, with the count in its footer).
    public static func run(_ options: Options, config: Config, logger: Logger) async -> ExitStatus {
        if let client = options.client, ReportBuilder.sites(forClient: client, in: config).isEmpty {
            Stage.fail("--client \(client): no site has this client or id in \(config.file)", status: .usage)
        }
        if options.format == .slack, config.report.slackWebhook == nil, options.output == nil {
            Stage.fail("\(config.file):0: --format slack needs report.slack_webhook (or --output FILE to write the payload)", status: .config)
        }
        let (report, rejected) = read(options, config: config, logger: logger)
        let document = render(report, format: options.format)
        if options.format == .slack, options.output == nil, let webhook = config.report.slackWebhook {
            do {
                try await SlackWebhook(url: webhook).deliver(SlackRenderer().payload(report))
                logger.info("posted the report to Slack (\(webhook))")
            } catch {
                Stage.printError("report: cannot post the report to Slack: \(error.message)")
                return .ioError
            }
        } else if let output = options.output, output != "-" {
            do { try ReportStage.write(document, to: output) } catch {
                Stage.printError("\(output): cannot write: \(error.localizedDescription)")
                return .ioError
            }
        } else {
            let out = LineWriter(fd: STDOUT_FILENO)
            do {
                try out.write(Array(document.utf8.dropLast()))
                try out.flush()
            } catch LineWriter.WriteError.closed {
                return .success
            } catch {
                Stage.printError("\(error)")
                return .ioError
            }
        }
        return rejected > 0 ? .dataError : .success
    }
}
