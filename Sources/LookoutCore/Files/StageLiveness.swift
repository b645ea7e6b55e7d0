import Foundation
import Logging

/// StageLiveness logs on stderr, every `interval`, how a long-running stage is doing: lines in and out (in total
/// and since the last beat), how many bytes of its input file it has not read yet, and how far the newest event it
/// handled lags behind the wall clock. A stage that stops beating, or whose lag keeps growing, is stuck.
public final class StageLiveness {
    private let stage: String
    private let interval: Int64
    private let clock: any WallClock
    private let logger: Logger
    private var last: Timestamp
    private var inAtLast = 0, outAtLast = 0
    public private(set) var linesIn = 0
    /// The newest event time (`at`) seen, in epoch milliseconds.
    public private(set) var newestEventAt: Int64?
    private static let atKey: JSONKey = "at"

    public init(stage: String, intervalSeconds: Double, clock: any WallClock = SystemClock(), logger: Logger) {
        self.stage = stage
        self.interval = Int64(intervalSeconds * 1000)
        self.clock = clock
        self.logger = logger
        self.last = clock.now()
    }

    /// Counts one input line and remembers its event time when it has one.
    public func note(_ object: ScannedObject) {
        linesIn += 1
        guard let f = object.field(Self.atKey), f.valueEnd > f.valueStart + 2 else { return }
        let raw = object.rawValue(f)
        guard raw.count > 2, let t = Timestamp(rfc3339: UnsafeBufferPointer(rebasing: raw[1..<(raw.count - 1)])) else { return }
        if t.milliseconds > newestEventAt ?? .min { newestEventAt = t.milliseconds }
    }

    /// Logs a beat when the interval has passed; returns the line for tests.
    @discardableResult
    /// `extra`: stage-specific fields appended to the line, evaluated only when a beat is due.
    public func tick(linesOut: Int, bytesBehind: Int64?, force: Bool = false, extra: @autoclosure () -> String? = nil) -> String? {
        let now = clock.now()
        guard force || now.milliseconds - last.milliseconds >= interval else { return nil }
        var text = "heartbeat \(stage): in=\(linesIn) (+\(linesIn - inAtLast)) out=\(linesOut) (+\(linesOut - outAtLast))"
        if let bytesBehind { text += " behind=\(bytesBehind)B" }
        if let newestEventAt {
            text += " event_lag=\(max(0, now.milliseconds - newestEventAt) / 1000)s"
        } else {
            text += " event_lag=none"
        }
        if let extra = extra() { text += " " + extra }
        logger.info("\(text)")
        last = now
        inAtLast = linesIn
        outAtLast = linesOut
        return text
    }
}
