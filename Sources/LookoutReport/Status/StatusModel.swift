import LookoutCore

/// ComponentStatus is what a status page says about a site or check now, worst first.
public enum ComponentStatus: String, Codable, Sendable, Comparable, CaseIterable {
    case down, degraded, flapping, maintenance, nodata, up

    public static func < (lhs: ComponentStatus, rhs: ComponentStatus) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// The words a page shows beside the symbol: status is never told by colour alone.
    public var label: String {
        switch self {
        case .down: "Down"
        case .degraded: "Degraded"
        case .flapping: "Intermittent"
        case .maintenance: "Maintenance"
        case .nodata: "No data"
        case .up: "Operational"
        }
    }

    public var symbol: String {
        switch self {
        case .down: "✖"
        case .degraded: "▲"
        case .flapping: "◆"
        case .maintenance: "⚒"
        case .nodata: "?"
        case .up: "✔"
        }
    }

    /// Atlassian Statuspage's component status.
    public var statuspage: String {
        switch self {
        case .down: "major_outage"
        case .degraded: "degraded_performance"
        case .flapping: "partial_outage"
        case .maintenance: "under_maintenance"
        case .nodata, .up: "operational"
        }
    }
}

/// StatusDay is one local day of a component's availability, counted as `report` counts it.
public struct StatusDay: Codable, Sendable, Equatable {
    public var day: String
    public var availability: Double?
    public var observedMs: Int64
    public var maintenanceMs: Int64
    public var downMs: Int64
    public var degradedMs: Int64
}

/// StatusComponent is a site, or a check shown on its own, with its current status and its days.
public struct StatusComponent: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var site: String
    /// The check id when the component is a check marked public; nil for a site.
    public var check: String?
    public var status: ComponentStatus
    /// When the newest result of the component was seen.
    public var lastResultAt: String?
    public var availability: Double?
    public var days: [StatusDay]
    /// The last 24 hours, as spans of one state each.
    public var strip: [StripSpan]
}

/// StatusUpdate is one line of an incident's timeline, with its plain-language sentence.
public struct StatusUpdate: Codable, Sendable, Equatable {
    public var event: String
    public var at: String
    public var body: String
}

/// StatusIncident is one incident as the pages show it.
public struct StatusIncident: Codable, Sendable, Equatable {
    /// A stable public id: a hash of the incident id, which names a check no client page may show.
    public var publicID: String
    public var id: String
    public var client: String
    public var site: String
    public var siteName: String
    public var check: String
    public var state: String
    public var severity: String
    public var opened: String
    public var updated: String
    public var resolved: String?
    public var durationMs: Int64
    public var maintenanceOnly: Bool
    public var sentence: String
    public var reason: String
    public var updates: [StatusUpdate]
    /// Whether route sent any message for it, and through which sinks.
    public var alerted: Bool
    public var deliveredTo: [String]
    /// The browser check's screenshot, on open incidents only; the team board's alone (no client page reads it).
    public var screenshot: StatusScreenshot? = nil
}

/// StatusMaintenance is one coming (or current) occurrence of a site's maintenance window.
public struct StatusMaintenance: Codable, Sendable, Equatable {
    public var site: String
    public var siteName: String
    public var name: String
    public var start: String
    public var end: String
    public var inProgress: Bool
}

/// StatusClient is everything one client's page shows.
public struct StatusClient: Codable, Sendable, Equatable {
    public var name: String
    public var folder: String
    public var title: String
    public var contact: String?
    public var timeZone: String
    public var status: ComponentStatus
    public var components: [StatusComponent]
    public var openIncidents: [StatusIncident]
    public var pastIncidents: [StatusIncident]
    public var maintenances: [StatusMaintenance]
    /// Whether the client has a page (its tier is shown, or the config says so); the board lists every client.
    public var published: Bool
}

/// MonitorHealth is how alive the monitor itself looks from the log: a stale board says so.
public struct MonitorHealth: Codable, Sendable, Equatable {
    public var lastResultAt: String?
    public var lastLineAt: String?
    public var stale: Bool
    public var silentMs: Int64?
    /// Following (`--follow`): how long, by this host's clock, report has read no new line, once that passes
    /// `status.stale_after`. Event time cannot tell that the whole chain stopped (nothing arrives to move it); this can.
    public var readerSilentMs: Int64?
    public var results: Int
    public var incidentLines: Int
    public var deliveryLines: Int
    public var linesRejected: Int
}

/// StatusSnapshot is the whole status site at one event time: the board and every client's page.
public struct StatusSnapshot: Codable, Sendable, Equatable {
    public var title: String
    /// Event time's "now": the newest event time read.
    public var updatedAt: String
    public var timeZone: String
    public var clients: [StatusClient]
    public var monitor: MonitorHealth
    /// Each client's error budget this month at "now" (team board only); nil when no client has an SLA target.
    public var budgets: [ErrorBudget.Figure]? = nil
}
