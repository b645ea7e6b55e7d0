import Foundation
import LookoutCore

/// HeartbeatSchedule says when a job is expected to ping: every period, or on a cron schedule in a zone; grace is
/// how late a ping may be before the job counts as down (and, after `/start`, the longest allowed run).
public struct HeartbeatSchedule: Sendable, Equatable {
    public enum Expectation: Sendable, Equatable {
        case every(TimeSpan)
        case cron(CronSchedule, TimeZone)
    }

    public var expectation: Expectation
    public var grace: TimeSpan

    public init(expectation: Expectation, grace: TimeSpan) {
        self.expectation = expectation
        self.grace = grace
    }

    /// When the ping after one at `last` is due (before grace).
    public func due(after last: Timestamp) -> Timestamp {
        switch expectation {
        case .every(let period): return last + period
        case .cron(let cron, let zone): return cron.next(after: last, in: zone) ?? last + .days(366)
        }
    }
}

extension TimeSpan {
    public static func days(_ days: Int64) -> TimeSpan { .hours(days * 24) }
}
