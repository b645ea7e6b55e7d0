import Foundation
import LookoutCore

/// IncidentText renders the words every sink shares: what broke, where, since when, for how long.
public enum IncidentText {
    /// `45s`, `25m`, `1h 5m`, `2d 3h`.
    public static func duration(_ span: TimeSpan) -> String {
        let s = max(span.milliseconds / 1000, 0)
        switch s {
        case ..<60: return "\(s)s"
        case ..<3600: return "\(s / 60)m"
        case ..<86_400: return s % 3600 / 60 == 0 ? "\(s / 3600)h" : "\(s / 3600)h \(s % 3600 / 60)m"
        default: return s % 86_400 / 3600 == 0 ? "\(s / 86_400)d" : "\(s / 86_400)d \(s % 86_400 / 3600)h"
        }
    }

    /// `2026-03-02 10:04 UTC`: minutes are what people read; the exact instant is in the event.
    public static func time(_ t: Timestamp) -> String {
        let text = t.rfc3339
        return "\(text.prefix(10)) \(text.dropFirst(11).prefix(5)) UTC"
    }

    /// The time in the site's zone (`2026-06-21 09:02 BST`), which is how the client and the agency read clocks.
    public static func time(_ t: Timestamp, _ d: OutboxDelivery) -> String {
        guard let zone = d.site?.timeZone, !["UTC", "GMT", "Etc/UTC", "Etc/GMT"].contains(zone.identifier) else { return time(t) }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_GB")  // GMT/BST, CET/CEST rather than GMT+1
        f.timeZone = zone
        f.dateFormat = "yyyy-MM-dd HH:mm zzz"
        return f.string(from: Date(timeIntervalSince1970: TimeInterval(t.milliseconds) / 1000))
    }

    public static func siteName(_ d: OutboxDelivery) -> String { d.site?.name ?? d.incident.siteName ?? d.incident.site }
    public static func siteURL(_ d: OutboxDelivery) -> String? { d.site?.url ?? d.incident.url }
    public static func client(_ d: OutboxDelivery) -> String? { d.site?.client }

    /// `down`, `degraded`, `flapping`: the incident's kind of trouble in words.
    public static func trouble(_ e: IncidentEvent) -> String { e.state ?? "down" }

    /// What failed: the failed assertions as written in config, else the error, else classify's reason.
    public static func cause(_ e: IncidentEvent) -> String {
        if let failed = e.failed, !failed.isEmpty { return failed.joined(separator: ", ") }
        if let error = e.error, !error.isEmpty { return error }
        return e.reason
    }

    /// How long the incident has lasted at this event (the resolve carries it; otherwise event time minus since).
    public static func lasted(_ d: OutboxDelivery) -> TimeSpan {
        if d.event == .resolved, let ms = d.incident.durationMs { return .milliseconds(ms) }
        return d.incident.at - d.incident.since
    }

    /// One line a person reads first: `ACME Ltd (acme-home) is down: failed: [STATUS] == 200`.
    public static func headline(_ d: OutboxDelivery) -> String {
        let e = d.incident
        let who = "\(siteName(d)) (\(e.check))"
        switch d.event {
        case .opened: return "\(who) is \(trouble(e)): \(cause(e))"
        case .updated: return "\(who) still \(trouble(e)) after \(duration(lasted(d))): \(cause(e))"
        case .resolved: return "\(who) recovered after \(duration(lasted(d)))"
        }
    }

    /// The body of a customer-facing ticket or comment.
    public static func ticketBody(_ d: OutboxDelivery) -> String {
        let e = d.incident
        let name = siteName(d)
        let link = siteURL(d).map { " (\($0))" } ?? ""
        switch d.event {
        case .opened:
            return """
                Our monitoring found \(name)\(link) \(trouble(e)) since \(time(e.since, d)).
                Check: \(e.check)
                What failed: \(cause(e))
                We are investigating and will update this ticket until it is resolved.
                Incident: \(e.id)
                """
        case .updated:
            return "Still investigating: \(name) has been \(trouble(e)) for \(duration(lasted(d))) (since \(time(e.since, d))). What failed: \(cause(e))."
        case .resolved:
            return "Resolved: \(name) is back up since \(time(e.at, d)), after \(duration(lasted(d))) of trouble. Cause: \(cause(e)). We are closing this ticket; reply if you still see problems."
        }
    }

    public static func subject(_ d: OutboxDelivery) -> String {
        "[\(d.incident.severity.rawValue)] \(siteName(d)) is \(trouble(d.incident)) (\(d.incident.check))"
    }

    /// Cuts text to `limit` characters, marking the cut.
    public static func clip(_ text: String, _ limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
    }
}
