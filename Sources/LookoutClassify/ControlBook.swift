import LookoutCore

/// ControlBook is the silences and on-demand maintenance windows `classify` has read from control lines: which one
/// holds a check at an instant, in event time. It is a value with no I/O; `ClassifyStateStore` keeps it as the
/// windows' own control lines, so a restart keeps every active silence.
public struct ControlBook: Sendable, Equatable {
    public private(set) var windows: [ControlEvent.Window] = []

    public init(windows: [ControlEvent.Window] = []) { self.windows = windows }

    public var isEmpty: Bool { windows.isEmpty }

    /// The window holding the check at `time` (start inclusive, end exclusive); the one ending last if several do.
    public func active(check: String, site: String, client: String?, at time: Timestamp) -> MaintenanceCalendar.Active? {
        var found: ControlEvent.Window?
        for w in windows where w.start <= time && time < w.end && w.matchers.matches(check: check, site: site, client: client) {
            if found == nil || w.end > found!.end { found = w }
        }
        return found.map { MaintenanceCalendar.Active(name: $0.name, start: $0.start, end: $0.end) }
    }

    /// Adds a window; false when one of that kind and id is already known (a repeated line changes nothing).
    public mutating func add(_ window: ControlEvent.Window) -> Bool {
        guard !windows.contains(where: { $0.kind == window.kind && $0.id == window.id }) else { return false }
        windows.append(window)
        return true
    }

    /// Ends a window at `time` (or keeps its earlier end); false when no window of that kind has the id.
    public mutating func end(kind: ControlEvent.Window.Kind, id: String, at time: Timestamp) -> Bool {
        guard let k = windows.firstIndex(where: { $0.kind == kind && $0.id == id }) else { return false }
        windows[k].end = max(windows[k].start, min(windows[k].end, time))
        return true
    }

    /// Forgets windows that ended more than a day of event time before `time`: late results cannot reach them.
    public mutating func prune(before time: Timestamp) -> Bool {
        let before = windows.count
        windows.removeAll { $0.end < time - .hours(24) }
        return windows.count != before
    }

    /// The windows active at `time`, for `classify silences`.
    public func active(at time: Timestamp) -> [ControlEvent.Window] {
        windows.filter { ($0.start <= time && time < $0.end) || $0.start > time }
    }
}
