import Foundation
import Logging
import LookoutCore

/// ProbeLiveness is probe's liveness log (`--heartbeat SECONDS`): results written and how many failed, in total
/// and since the last beat, and how late runs started behind their schedule, the probe's "lag behind its input".
/// A growing `late_max` means the checks no longer fit the concurrency limits; no beat at all means a hung probe.
public final class ProbeLiveness: Sendable {
    /// Results written and failed, in total and at the last beat, and the latest start since the last beat.
    private struct State {
        var written = 0, failed = 0
        var writtenAtLast = 0, failedAtLast = 0
        var lateMaxMs: Int64 = 0
    }
    private let state = Locked(State())
    public let interval: TimeSpan

    public init(intervalSeconds: Double) {
        interval = .milliseconds(Int64(intervalSeconds * 1000))
    }

    /// Counts a written result that started `lateMs` after its slot.
    func note(ok: Bool, lateMs: Int64) {
        state.withLock { state in
            state.written += 1
            if !ok { state.failed += 1 }
            state.lateMaxMs = max(state.lateMaxMs, lateMs)
        }
    }

    /// The beat's line; resets the per-beat figures.
    func beat(checks: Int) -> String {
        state.withLock { state in
            defer {
                state.writtenAtLast = state.written
                state.failedAtLast = state.failed
                state.lateMaxMs = 0
            }
            let late = String(format: "%.1f", Double(state.lateMaxMs) / 1000)
            return "heartbeat probe: checks=\(checks) out=\(state.written) (+\(state.written - state.writtenAtLast)) "
                + "failed=\(state.failed) (+\(state.failed - state.failedAtLast)) late_max=\(late)s"
        }
    }
}
