/// MaintenanceCalendar answers "is this site in a window at instant t, and until when?" for one site.
///
/// Windows are expanded one local day at a time and cached, so the common case, results arriving in time order,
/// costs two comparisons per result instead of a calendar computation.
public final class MaintenanceCalendar {
    public struct Active: Sendable, Equatable {
        public var name: String
        public var start: Timestamp
        public var end: Timestamp
        public init(name: String, start: Timestamp, end: Timestamp) { self.name = name; self.start = start; self.end = end }
    }

    public let windows: [MaintenanceWindow]
    private let clock: LocalClock
    private var cachedDay: LocalDay?
    private var cachedOccurrences: [Active] = []
    /// The last answer of `active(at:)` and the span of time over which it holds (no occurrence starts or ends
    /// inside it): a result in time order usually falls in it, and costs two comparisons.
    private var answer: Active?
    private var answerFrom = Timestamp(milliseconds: .max), answerUntil = Timestamp(milliseconds: .min)

    public init(windows: [MaintenanceWindow], clock: LocalClock) {
        self.windows = windows
        self.clock = clock
    }

    /// The window covering `time` (start inclusive, end exclusive); the one ending last if several overlap.
    public func active(at time: Timestamp) -> Active? {
        guard !windows.isEmpty else { return nil }
        if answerFrom <= time && time < answerUntil { return answer }
        let all = occurrences(on: time)
        // `occurrences` leaves the day holding `time` cached; within it the answer changes only where an occurrence
        // starts or ends.
        var from = cachedDay?.start ?? time, until = cachedDay?.end ?? time
        var found: Active?
        for o in all {
            if o.start <= time && time < o.end, found == nil || o.end > found!.end { found = o }
            if o.start <= time { from = max(from, o.start) } else { until = min(until, o.start) }
            if o.end <= time { from = max(from, o.end) } else { until = min(until, o.end) }
        }
        answer = found
        answerFrom = from
        answerUntil = until
        return found
    }

    /// Every occurrence of every window on the local day holding `time`, one-off windows included when they touch it.
    public func occurrences(on time: Timestamp) -> [Active] {
        if let d = cachedDay, d.start <= time, time < d.end { return cachedOccurrences }
        let day = clock.day(containing: time)
        var out: [Active] = []
        for w in windows {
            switch w.schedule {
            case .daily(let r):
                if let o = occurrence(w.name, r, day) { out.append(o) }
            case .weekly(let days, let r):
                if days.contains(day.weekday), let o = occurrence(w.name, r, day) { out.append(o) }
            case .oneOff(let from, let to):
                if from < day.end && to > day.start { out.append(Active(name: w.name, start: from, end: to)) }
            }
        }
        cachedDay = day
        cachedOccurrences = out
        return out
    }

    /// The end of the local day holding `time`: where the next day's occurrences start.
    public func dayEnd(containing time: Timestamp) -> Timestamp {
        if let d = cachedDay, d.start <= time, time < d.end { return d.end }
        return clock.day(containing: time).end
    }

    private func occurrence(_ name: String, _ r: LocalTimeRange, _ day: LocalDay) -> Active? {
        guard let s = clock.instant(year: day.year, month: day.month, day: day.day, minutes: r.start.minutes),
              let e = clock.instant(year: day.year, month: day.month, day: day.day, minutes: r.end.minutes), s < e
        else { return nil }
        return Active(name: name, start: s, end: e)
    }
}
