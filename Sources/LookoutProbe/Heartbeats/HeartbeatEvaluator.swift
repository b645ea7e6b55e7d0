/// HeartbeatEvaluator decides a heartbeat check's result from its pings and the time: a pure function, so every
/// rule here is a table test.
///
/// - No ping yet: up until period + grace after monitoring started, then down ("no ping since monitoring started").
/// - Last signal a success: down once its next due time plus grace has passed ("no ping since ...").
/// - Last signal a failure (`/fail` or a non-zero exit code): down, with the tail of the body in `details`.
/// - Last signal `/start` with nothing after it: running; down once grace (the longest allowed run) has passed.
public enum HeartbeatEvaluator {
    /// How much of a failing job's output is kept in the result.
    public static let bodyTailBytes = 1000

    public static func evaluate(schedule: HeartbeatSchedule, lastSuccess: Ping?, lastSignal: Ping?,
                                monitoringSince: Timestamp, now: Timestamp) -> ProbeOutcome {
        var outcome = ProbeOutcome(ok: true)
        if let last = lastSuccess { outcome.details.append(JSONMember(key: "last_ping", value: .string(last.at.rfc3339))) }
        switch lastSignal?.kind {
        case nil:
            let deadline = schedule.due(after: monitoringSince) + schedule.grace
            if now >= deadline {
                outcome.fail("heartbeat", because: "no ping since monitoring started at \(monitoringSince.rfc3339)")
            }
        case .fail?:
            let ping = lastSignal!
            let code = ping.exitCode.map { " (exit code \($0))" } ?? ""
            outcome.fail("heartbeat", because: "job reported failure\(code) at \(ping.at.rfc3339)")
            if let code = ping.exitCode { outcome.details.append(JSONMember(key: "exit_code", value: .int(Int64(code)))) }
            if !ping.body.isEmpty { outcome.details.append(JSONMember(key: "output_tail", value: .string(tail(ping.body)))) }
        case .start?:
            let started = lastSignal!.at
            outcome.details.append(JSONMember(key: "running_since", value: .string(started.rfc3339)))
            if now >= started + schedule.grace {
                outcome.fail("heartbeat", because: "started at \(started.rfc3339) and not finished within \(schedule.grace)")
            }
        case .success?:
            let last = lastSignal!.at
            let deadline = schedule.due(after: last) + schedule.grace
            outcome.details.append(JSONMember(key: "next_due", value: .string(schedule.due(after: last).rfc3339)))
            if now >= deadline { outcome.fail("heartbeat", because: "no ping since \(last.rfc3339)") }
        }
        return outcome
    }

    /// The last bytes of a body as text, cut at a character boundary.
    static func tail(_ body: [UInt8]) -> String {
        let text = String(decoding: body.suffix(bodyTailBytes), as: UTF8.self)
        return text.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "\u{FFFD}", with: "")
    }
}

import Foundation
import LookoutCore
