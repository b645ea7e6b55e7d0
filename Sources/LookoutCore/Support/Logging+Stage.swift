import Foundation
import Logging

/// RedactingLogHandler writes swift-log records to stderr, masking every registered secret, so stdout carries only
/// NDJSON and no log line can leak a webhook URL or token.
public struct RedactingLogHandler: LogHandler {
    private var inner: StreamLogHandler

    public init(label: String) { inner = StreamLogHandler.standardError(label: label) }

    public var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }
    public var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }

    public func log(event: LogEvent) {
        var event = event
        event.message = "\(Redactor.shared.redact(event.message.description))"
        event.metadata = event.metadata?.mapValues { .string(Redactor.shared.redact($0.description)) }
        inner.log(event: event)
    }
}

public enum StageLogging {
    /// Sends every logger of the process to stderr through the redacting handler; `LOOKOUT_LOG_LEVEL` sets the level.
    public static func bootstrap(verbose: Bool = false) {
        let level = ProcessInfo.processInfo.environment["LOOKOUT_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:))
            ?? (verbose ? .debug : .info)
        LoggingSystem.bootstrap { label in
            var handler = RedactingLogHandler(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
