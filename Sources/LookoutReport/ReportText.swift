import Foundation
import LookoutCore

/// ReportText formats figures for people: durations, percentages and local times in the report's zone, the same way
/// in every format.
public struct ReportText: Sendable {
    public let zone: TimeZone
    public let singleDay: Bool
    /// The range holds a daylight-saving change: times carry their UTC offset, so the repeated hour is unambiguous.
    public let showsOffset: Bool
    private let calendar: Calendar

    public init(zone: TimeZone, singleDay: Bool, showsOffset: Bool = false) {
        self.zone = zone
        self.singleDay = singleDay
        self.showsOffset = showsOffset
        var c = Calendar(identifier: .gregorian)
        c.timeZone = zone
        calendar = c
    }

    public init(_ report: DailyReport) {
        let zone = TimeZone(identifier: report.range.timezone) ?? TimeZone(identifier: "UTC")!
        var changes = false
        if let from = Timestamp(rfc3339: report.range.from), let to = Timestamp(rfc3339: report.range.to) {
            let a = Date(timeIntervalSince1970: Double(from.milliseconds) / 1000)
            let b = Date(timeIntervalSince1970: Double(to.milliseconds - 1) / 1000)
            changes = zone.secondsFromGMT(for: a) != zone.secondsFromGMT(for: b)
        }
        self.init(zone: zone, singleDay: !report.range.label.contains(" to "), showsOffset: changes)
    }

    /// The caveat of a report whose checks were observed for less than 90% of its range (read before the day
    /// ended, or over a monitor that ran part of it): how long, and when, every figure rests on. Nil otherwise.
    public func partialCaveat(_ report: DailyReport) -> String? {
        let o = report.overall
        guard o.isPartial(rangeHours: report.range.hours) else { return nil }
        guard o.observedMs > 0 else { return "No check was observed in this range: there are no figures to read." }
        let hours = report.range.hours.rounded() == report.range.hours ? "\(Int(report.range.hours))h" : String(format: "%.1fh", report.range.hours)
        return "Partial: checks were observed for \(ReportText.duration(o.observedMs)) of \(hours), "
            + "from \(time(o.dataFrom)) to \(time(o.dataThrough)); every figure here rests on that."
    }

    /// `BREACH` with what it rests on when the report is partial.
    public func breachLabel(_ report: DailyReport) -> String {
        report.overall.isPartial(rangeHours: report.range.hours)
            ? "BREACH (on \(ReportText.duration(report.overall.observedMs)) observed)" : "BREACH"
    }

    /// `Data through 14:32:10`: the last moment a result covers, in event time (a replay prints the same).
    public func dataThrough(_ report: DailyReport) -> String? {
        report.overall.dataThrough.map { "data through \(dateTime($0))" }
    }

    /// `1 site`, `3 sites`.
    public static func count(_ number: Int, _ noun: String) -> String { number == 1 ? "1 \(noun)" : "\(number) \(noun)s" }

    /// `99.306%`, or `no data`.
    public static func percent(_ percentage: Double?) -> String {
        guard let percentage else { return "no data" }
        return String(format: "%.3f%%", percentage)
    }

    /// `2h 05m`, `10m 00s`, `45s`, `0s`; days for long spans.
    public static func duration(_ ms: Int64?) -> String {
        guard let ms else { return "-" }
        let s = ms / 1000
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        if s >= 172_800 { return "\(s / 86_400)d \(two(s % 86_400 / 3600))h" }
        if s >= 3600 { return "\(s / 3600)h \(two(s % 3600 / 60))m" }
        if s >= 60 { return "\(s / 60)m \(two(s % 60))s" }
        if ms > 0 && ms < 1000 { return "\(ms)ms" }
        return "\(s)s"
    }

    /// A client's window time nobody agreed: `30m 00s (down 10m 00s)`, or `0s`.
    public static func unagreed(_ adherence: AdherenceFigure) -> String {
        guard let ms = adherence.unagreedMaintenanceMs else { return "0s" }
        let down = adherence.downInsideUnagreedMs ?? 0
        return duration(ms) + (down > 0 ? " (down \(duration(down)))" : "")
    }

    /// ` Of the window time, 30m 00s was on demand, outside the agreed windows (down time in it: 10m 00s, counted
    /// outside).`, or nothing on a day without on-demand windows or silences.
    public static func unagreedSentence(_ adherence: [AdherenceFigure]) -> String {
        let ms = adherence.reduce(Int64(0)) { $0 + ($1.unagreedMaintenanceMs ?? 0) }
        guard ms > 0 else { return "" }
        let down = adherence.reduce(Int64(0)) { $0 + ($1.downInsideUnagreedMs ?? 0) }
        return " Of the window time, \(duration(ms)) was on demand, outside the agreed windows"
            + (down > 0 ? " (down time in it: \(duration(down)), counted as outside them)." : ".")
    }

    public static func latency(_ ms: Double?) -> String {
        guard let ms else { return "-" }
        return ms >= 100 ? "\(Int(ms.rounded())) ms" : String(format: "%.1f ms", ms)
    }

    /// A local time: `08:05` (or `08:05:30`) on a one-day report, with the date on longer ones.
    public func time(_ rfc3339: String?) -> String {
        guard let rfc3339, let t = Timestamp(rfc3339: rfc3339) else { return "-" }
        return time(t)
    }

    public func time(_ timestamp: Timestamp) -> String {
        let date = Date(timeIntervalSince1970: Double(timestamp.milliseconds) / 1000)
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        var s = "\(two(c.hour!)):\(two(c.minute!))"
        if c.second! != 0 { s += ":\(two(c.second!))" }
        if showsOffset {
            let offset = zone.secondsFromGMT(for: date) / 60
            s += " \(offset < 0 ? "-" : "+")\(two(abs(offset) / 60)):\(two(abs(offset) % 60))"
        }
        return singleDay ? s : "\(c.year!)-\(two(c.month!))-\(two(c.day!)) \(s)"
    }

    /// A local date and time, always with the date: for the report's header.
    public func dateTime(_ rfc3339: String) -> String {
        ReportText(zone: zone, singleDay: false, showsOffset: showsOffset).time(rfc3339)
    }

    /// The client summary's sentence about interruptions and slow periods (maintenance-only incidents excluded).
    public static func clientIncidentSentence(_ report: DailyReport) -> String {
        let real = report.incidents.filter { !$0.maintenanceOnly }
        let down = real.filter { $0.kind != "slow" }.count, slow = real.filter { $0.kind == "slow" }.count
        var s = down == 1 ? "1 service interruption" : "\(down) service interruptions"
        if slow > 0 { s += slow == 1 ? " and 1 period of slow responses" : " and \(slow) periods of slow responses" }
        if down > 0, let mttr = report.overall.mttrMs { s += "; service was restored on average in \(duration(mttr))" }
        return s
    }

    public static let clientFootnote = "Figures are measured by our monitoring checks; planned maintenance is not counted against availability."

    /// Escapes text for a Markdown table cell.
    public static func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }
}
