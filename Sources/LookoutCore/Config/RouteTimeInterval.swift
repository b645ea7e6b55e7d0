import Foundation

/// RouteTimeInterval is a named set of daily or weekly times of day (`routing.time_intervals`) in which a route is
/// active (`active_time_intervals`) or muted (`mute_time_intervals`), as Alertmanager's time intervals: office hours
/// to the team channel, the rest of the week to the on-call phone.
public struct RouteTimeInterval: Sendable, Equatable {
    public var name: String
    public var windows: [MaintenanceWindow]
    public var timeZone: TimeZone

    public init(name: String, windows: [MaintenanceWindow], timeZone: TimeZone) {
        self.name = name; self.windows = windows; self.timeZone = timeZone
    }

    /// Whether `time` (event time) falls in one of the interval's times, start inclusive and end exclusive, read on the
    /// local calendar of the interval's zone (so 08:00 stays 08:00 across a daylight-saving change).
    public func contains(_ time: Timestamp) -> Bool {
        MaintenanceCalendar(windows: windows, clock: LocalClock(timeZone)).active(at: time) != nil
    }

    /// `NAME: {timezone: ZONE, daily: "HH:MM-HH:MM" or a list, weekly: "mon-fri HH:MM-HH:MM" or a list}`.
    static func parse(name: String, node: ConfigNode, defaultZone: TimeZone) throws -> RouteTimeInterval {
        let m = try node.mapping(allowing: ["timezone", "daily", "weekly"])
        let zone = try m["timezone"].map(TimeZone.parse) ?? defaultZone
        var windows: [MaintenanceWindow] = []
        func range(_ item: ConfigNode, _ text: String) throws -> LocalTimeRange {
            guard let r = LocalTimeRange(parsing: text), r.start < r.end else {
                throw item.error("time interval \"\(name)\" needs a range such as \"08:00-18:00\" that ends after it starts (got \"\(text)\"); for a night write 18:00-24:00 and 00:00-08:00")
            }
            return r
        }
        for item in try m["daily"]?.list() ?? [] {
            windows.append(MaintenanceWindow(name: name, schedule: .daily(try range(item, try item.string())), file: item.file, line: item.line))
        }
        for item in try m["weekly"]?.list() ?? [] {
            let text = try item.string()
            let parts = text.split(separator: " ", maxSplits: 1).map(String.init)
            guard parts.count == 2, let days = Weekday.parseSet(parts[0]) else {
                throw item.error("time interval \"\(name)\" needs days and a range such as \"mon-fri 08:00-18:00\" (got \"\(text)\")")
            }
            windows.append(MaintenanceWindow(name: name, schedule: .weekly(days, try range(item, parts[1])), file: item.file, line: item.line))
        }
        guard !windows.isEmpty else { throw node.error("time interval \"\(name)\" needs daily: or weekly: times") }
        return RouteTimeInterval(name: name, windows: windows, timeZone: zone)
    }
}
