import Foundation
import Logging
import LookoutCore

/// ProbeHeartbeat is probe's stage heartbeat (`--heartbeat SECONDS`): results written and how many failed, in total
/// and since the last beat, and how late runs started behind their schedule, the probe's "lag behind its input".
/// A growing `late_max` means the checks no longer fit the concurrency limits; no beat at all means a hung probe.
public final class ProbeHeartbeat: @unchecked Sendable {
    private let lock = NSLock()
    private var written = 0, failed = 0
    private var writtenAtLast = 0, failedAtLast = 0
    private var lateMaxMs: Int64 = 0
    public let interval: TimeSpan

    public init(intervalSeconds: Double) {
        interval = .milliseconds(Int64(intervalSeconds * 1000))
    }

    /// Counts a written result that started `lateMs` after its slot.
    func note(ok: Bool, lateMs: Int64) {
        lock.withLock {
            written += 1
            if !ok { failed += 1 }
            lateMaxMs = max(lateMaxMs, lateMs)
        }
    }

    /// The beat's line; resets the per-beat figures.
    func beat(checks: Int) -> String {
        lock.withLock {
            defer {
                writtenAtLast = written
                failedAtLast = failed
                lateMaxMs = 0
            }
            let late = String(format: "%.1f", Double(lateMaxMs) / 1000)
            return "heartbeat probe: checks=\(checks) out=\(written) (+\(written - writtenAtLast)) "
                + "failed=\(failed) (+\(failed - failedAtLast)) late_max=\(late)s"
        }
    }
}
