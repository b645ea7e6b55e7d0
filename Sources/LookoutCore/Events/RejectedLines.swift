import Foundation
import Logging

/// RejectedLines counts bad input lines, reports each on stderr with its line number, and keeps them aside in a
/// rejects file when one is named, so a bad line never stops the stream and is never silently lost.
public final class RejectedLines {
    public private(set) var count = 0
    private let source: String
    private let logger: Logger
    private let keep: FileHandle?
    /// Past this many, stderr gives only the count, so a stream of garbage cannot flood the log; the rejects file,
    /// when named, keeps every bad line and is the complete record (README, docs/events.md).
    private let reportLimit: Int

    public init(source: String, logger: Logger, keepPath: String? = nil, reportLimit: Int = 100) throws {
        self.source = source
        self.logger = logger
        self.reportLimit = reportLimit
        if let keepPath {
            if !FileManager.default.fileExists(atPath: keepPath) {
                _ = FileManager.default.createFile(atPath: keepPath, contents: nil)
            }
            guard let handle = FileHandle(forWritingAtPath: keepPath) else {
                throw ConfigError(file: keepPath, line: 0, message: "cannot open the rejects file for writing")
            }
            handle.seekToEndOfFile()
            keep = handle
        } else {
            keep = nil
        }
    }

    public func reject(line number: Int, reason: String, bytes: UnsafeBufferPointer<UInt8>?) {
        count += 1
        if count <= reportLimit {
            // A stream's lines are numbered by their stream sequence: `nats://HOST:PORT/SUBJECT#SEQ`.
            logger.error("\(source)\(source.hasPrefix("nats://") ? "#" : ":")\(number): \(Redactor.shared.redact(reason))")
        } else if count == reportLimit + 1 {
            logger.error("\(source): more than \(reportLimit) bad lines; only the count is reported from now on\(keep == nil ? " (name --rejects FILE to keep every one)" : ", every one is kept in the rejects file")")
        }
        if let keep {
            var record = JSONObjectWriter()
            record.add("source", source)
            record.add("line", number)
            record.add("reason", Redactor.shared.redact(reason))
            // Redacted before it is cut to 1 MiB, so a secret straddling the cut leaves no prefix behind.
            if let bytes { record.add("text", String(Redactor.shared.redact(String(decoding: bytes, as: UTF8.self)).utf8.prefix(1 << 20)) ?? "") }
            var out = record.finish()
            out.append(0x0A)
            keep.write(Data(out))
        }
    }

    /// A one-line summary for the end of the run, or nil when every line was good.
    public var summary: String? {
        count == 0 ? nil : "\(source): \(count) bad line\(count == 1 ? "" : "s") set aside"
    }
}
