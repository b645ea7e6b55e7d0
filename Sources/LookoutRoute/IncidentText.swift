import Foundation
import LookoutCore

/// IncidentText renders the words every sink shares: what broke, where, since when, for how long.
public enum IncidentText {
    /// `45s`, `1m52s`, `1h5m`, `2d3h0m12s`.
    public static func duration(_ span: TimeSpan) -> String {
        // In whole seconds, written as classify writes the incident's own reason ("up again after 1m52s"), so a
        // message never says another duration than the incident it announces (it said "recovered after 1m").
        TimeSpan.milliseconds(max(span.milliseconds / 1000, 0) * 1000).description
    }

    /// `2026-03-02 10:04 UTC`: minutes are what people read; the exact instant is in the event.
    public static func time(_ timestamp: Timestamp) -> String {
        let text = timestamp.rfc3339
        return "\(text.prefix(10)) \(text.dropFirst(11).prefix(5)) UTC"
    }

    /// The time in the site's zone (`2026-06-21 09:02 BST`), which is how the client and the agency read clocks.
    public static func time(_ timestamp: Timestamp, _ delivery: OutboxDelivery) -> String {
        guard let zone = delivery.site?.timeZone, !["UTC", "GMT", "Etc/UTC", "Etc/GMT"].contains(zone.identifier) else { return time(timestamp) }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_GB")  // GMT/BST, CET/CEST rather than GMT+1
        f.timeZone = zone
        f.dateFormat = "yyyy-MM-dd HH:mm zzz"
        return f.string(from: Date(timeIntervalSince1970: TimeInterval(timestamp.milliseconds) / 1000))
    }

    public static func siteName(_ delivery: OutboxDelivery) -> String { delivery.site?.name ?? delivery.incident.siteName ?? delivery.incident.site }
    public static func siteURL(_ delivery: OutboxDelivery) -> String? { delivery.site?.url ?? delivery.incident.url }
    public static func client(_ delivery: OutboxDelivery) -> String? { delivery.site?.client }

    /// `down`, `degraded`, `flapping`: the incident's kind of trouble in words.
    public static func trouble(_ incident: IncidentEvent) -> String {
        incident.state == IncidentEvent.budgetState ? "burning its error budget" : incident.state ?? "down"
    }

    /// What failed: the failed assertions as written in config, else the error, else classify's reason.
    public static func cause(_ incident: IncidentEvent) -> String {
        if let failed = incident.failed, !failed.isEmpty { return failed.joined(separator: ", ") }
        if let error = incident.error, !error.isEmpty { return error }
        return incident.reason
    }

    /// How long the incident has lasted at this event (the resolve carries it; otherwise event time minus since).
    public static func lasted(_ delivery: OutboxDelivery) -> TimeSpan {
        if delivery.event == .resolved, let ms = delivery.incident.durationMs { return .milliseconds(ms) }
        return delivery.incident.at - delivery.incident.since
    }

    /// One line a person reads first: `ACME Ltd (acme-home) is down: failed: [STATUS] == 200`.
    public static func headline(_ delivery: OutboxDelivery) -> String {
        let incident = delivery.incident
        let who = "\(siteName(delivery)) (\(incident.check))"
        switch delivery.event {
        case .opened: return "\(who) is \(trouble(incident)): \(cause(incident))"
        case .updated: return "\(who) still \(trouble(incident)) after \(duration(lasted(delivery))): \(cause(incident))"
        case .resolved: return "\(who) recovered after \(duration(lasted(delivery)))"
        }
    }

    /// Said by a message sent again because the attempt before was in flight when route stopped (a crash), so
    /// nobody reads the repeat as a second incident.
    public static let repeated = "repeated after a restart"
    public static let repeatNote = "Repeated after a restart of our monitoring: you may have received this message already."

    /// `text`, with ` (repeated after a restart)` when the delivery may have been sent before.
    public static func marked(_ text: String, _ delivery: OutboxDelivery) -> String {
        delivery.repeatedAfterRestart ? "\(text) (\(repeated))" : text
    }

    /// The body of a customer-facing ticket, comment or mail (or, for an ack or note, the note's words); a repeat
    /// after a restart says so first.
    public static func ticketBody(_ delivery: OutboxDelivery) -> String {
        delivery.repeatedAfterRestart ? repeatNote + "\n\n" + plainTicketBody(delivery) : plainTicketBody(delivery)
    }

    static func plainTicketBody(_ delivery: OutboxDelivery) -> String {
        if let note = delivery.note { return note.body }
        let incident = delivery.incident
        let name = siteName(delivery)
        let link = siteURL(delivery).map { " (\($0))" } ?? ""
        switch delivery.event {
        case .opened:
            return """
                Our monitoring found \(name)\(link) \(trouble(incident)) since \(time(incident.since, delivery)).
                Check: \(incident.check)
                What failed: \(cause(incident))
                We are investigating and will update this ticket until it is resolved.
                Incident: \(incident.id)
                """
        case .updated:
            return "Still investigating: \(name) has been \(trouble(incident)) for \(duration(lasted(delivery))) (since \(time(incident.since, delivery))). What failed: \(cause(incident))."
        case .resolved:
            return "Resolved: \(name) is back up since \(time(incident.at, delivery)), after \(duration(lasted(delivery))) of trouble. Cause: \(cause(incident)). We are closing this ticket; reply if you still see problems."
        }
    }

    public static func subject(_ delivery: OutboxDelivery) -> String {
        "[\(delivery.incident.severity.rawValue)] \(siteName(delivery)) is \(trouble(delivery.incident)) (\(delivery.incident.check))"
    }

    /// Cuts text to `limit` characters, marking the cut.
    public static func clip(_ text: String, _ limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
    }
}
