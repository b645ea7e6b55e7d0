import LookoutCore

/// DailyReport holds every figure of a report, computed once by `ReportBuilder` and rendered by each format; its
/// JSON encoding is the `--format json` output.
public struct DailyReport: Codable, Sendable, Equatable {
    public enum Audience: String, Codable, Sendable { case team, client }

    public var title: String
    public var audience: Audience
    /// Set for `--client`: the client's name.
    public var client: String?
    public var range: RangeFigure
    public var overall: OverallFigure
    /// Team only: per tier, SLA target against measured, breaches first.
    public var tiers: [TierFigure]?
    public var sites: [SiteFigure]
    public var incidents: [IncidentFigure]
    public var noise: NoiseFigure?
    public var adherence: [AdherenceFigure]
    public var certificates: [CertificateFigure]
    public var heartbeats: [HeartbeatFigure]
    public var hosts: [HostFigure]?
    public var unknownChecks: [UnknownCheckFigure]?
    /// Team only, and only when there was one: spans with no result from any check (the monitor was not running).
    public var monitorGaps: [PeriodFigure]?
    /// Team only, and only when there was one: openings route announced late or not at all (route or a sink was down).
    public var lateNotifications: [LateNotificationFigure]?
    /// Team only, when a client has an SLA target: each client's error budget for the month, as of the range's end.
    public var budgets: [ErrorBudget.Figure]?
    public var footer: FooterFigure
}

/// LateNotificationFigure is one opening that reached a sink more than `report.late_notification` after its incident
/// line called for it, or not at all.
public struct LateNotificationFigure: Codable, Sendable, Equatable {
    public var incident: String
    public var site: String
    public var check: String
    public var sink: String
    /// When the incident line called for the announcement.
    public var due: String
    /// When it was first sent; nil when it never was.
    public var sent: String?
    public var delayMs: Int64?
    /// `late` (sent), `retrying` (still failing where the log ends), `dead` (given up), or `unsent` (no attempt in
    /// the log: route was not running, or its delivery file was not among the inputs).
    public var outcome: String
    public var error: String?

    /// The outcome in words, with the sink's last error when it never went out.
    var outcomeText: String { error.map { "\(outcome): \($0)" } ?? outcome }
}

public struct RangeFigure: Codable, Sendable, Equatable {
    public var label: String
    public var from: String
    public var to: String
    public var timezone: String
    public var hours: Double
}

public struct OverallFigure: Codable, Sendable, Equatable {
    /// Percent with three decimals, over every site's time outside maintenance; nil with no data.
    public var availability: Double?
    public var sites: Int
    public var checks: Int
    public var incidents: Int
    public var outages: Int
    public var mttrMs: Int64?
    public var downMs: Int64
    public var maintenanceMs: Int64
    /// Time in the range when some check of the report was observed (results within twice its interval).
    public var observedMs: Int64
    /// The first and last observed moment in the range: a report read before the day ends, or over a monitor that
    /// ran part of the day, says what its figures rest on. Nil with no data.
    public var dataFrom: String?
    public var dataThrough: String?

    /// Observed for less than 90% of the range: the figures describe part of it, which the headline says.
    public func isPartial(rangeHours: Double) -> Bool { Double(observedMs) < 0.9 * rangeHours * 3_600_000 }
}

/// TimeFigures is the time attribution of a check or a site (docs/report.md).
public struct TimeFigures: Codable, Sendable, Equatable {
    public var availability: Double?
    public var observedMs: Int64
    public var maintenanceMs: Int64
    public var downMs: Int64
    public var downInMaintenanceMs: Int64
    public var degradedMs: Int64
    public var unobservedMs: Int64
}

public struct TierFigure: Codable, Sendable, Equatable {
    public var tier: String
    public var target: Double?
    public var measured: Double?
    public var breached: Bool
    public var sites: Int
    /// Sites of this tier below the target, worst first.
    public var breaches: [SiteBreach]
}

public struct SiteBreach: Codable, Sendable, Equatable {
    public var site: String
    public var name: String
    public var availability: Double
}

public struct SiteFigure: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var client: String?
    public var tier: String?
    public var target: Double?
    public var meetsTarget: Bool?
    public var time: TimeFigures
    public var incidents: Int
    public var mttrMs: Int64?
    /// The availability strip: consecutive spans of up, degraded, down, maintenance or nodata.
    public var strip: [StripSpan]
    public var checks: [CheckFigure]
}

public struct StripSpan: Codable, Sendable, Equatable {
    public var from: String
    public var to: String
    public var state: String
    public var fromOffsetMs: Int64
    public var toOffsetMs: Int64
}

public struct CheckFigure: Codable, Sendable, Equatable {
    public var id: String
    public var name: String?
    public var kind: String?
    public var time: TimeFigures
    public var results: Int
    public var failures: Int
    public var blips: Int
    public var maintenanceBlips: Int
    public var incidents: Int
    public var mttrMs: Int64?
    public var latency: LatencyFigure?
    /// Mean latency per 1/96 of the range; null where no successful result fell.
    public var sparkline: [Double?]
    public var flapping: [PeriodFigure]
    public var flappingMs: Int64
    public var heartbeatsMissed: Int
    public var overThreshold: Int
    public var lastError: String?
}

public struct LatencyFigure: Codable, Sendable, Equatable {
    public var count: Int
    public var p50: Double
    public var p95: Double
    public var p99: Double
    public var min: Double
    public var max: Double
}

public struct PeriodFigure: Codable, Sendable, Equatable {
    public var from: String
    public var to: String
    public var durationMs: Int64
}

public struct IncidentFigure: Codable, Sendable, Equatable {
    public var id: String
    public var site: String
    public var siteName: String
    public var check: String
    /// `outage`, `degraded`, `flapping`; for clients `interruption`, `slow`, `maintenance`.
    public var kind: String
    public var severity: String?
    public var start: String
    public var end: String?
    public var durationMs: Int64?
    public var ongoing: Bool
    public var cause: String
    public var maintenance: String?
    public var maintenanceOnly: Bool
}

public struct NoiseFigure: Codable, Sendable, Equatable {
    public var sinks: [SinkFigure]
    public var messagesSent: Int
    public var criticalSent: Int
    public var blipsAbsorbed: Int
    public var maintenanceBlips: Int
    public var failuresInMaintenance: Int
    public var incidentsHeldInMaintenance: Int
    public var incidentsWithoutAlert: Int
    public var deadLetters: [DeadLetterFigure]
}

public struct SinkFigure: Codable, Sendable, Equatable {
    public var sink: String
    public var sent: Int
    public var critical: Int
    public var retries: Int
    public var dead: Int
}

public struct DeadLetterFigure: Codable, Sendable, Equatable {
    public var at: String
    public var sink: String
    public var incident: String
    public var event: String
    public var attempt: Int
    public var error: String?
}

public struct AdherenceFigure: Codable, Sendable, Equatable {
    public var client: String
    public var sites: [String]
    public var downInsideWindowsMs: Int64
    public var downOutsideWindowsMs: Int64
    public var maintenanceMs: Int64
    /// Incidents that began inside a window and were still open when it ended.
    public var overruns: Int
    /// Percent of downtime inside agreed windows; nil without downtime.
    public var insideShare: Double?
    /// Window time nobody agreed with the client: on-demand windows and silences from control lines (part of
    /// `maintenanceMs`); nil when there was none.
    public var unagreedMaintenanceMs: Int64? = nil
    /// Down time inside those windows, counted in `downOutsideWindowsMs`; nil when there were none.
    public var downInsideUnagreedMs: Int64? = nil
}

public struct CertificateFigure: Codable, Sendable, Equatable {
    public var site: String
    public var check: String
    public var daysLeft: Double
    public var notAfter: String?
    public var seenAt: String
}

public struct HeartbeatFigure: Codable, Sendable, Equatable {
    public var site: String
    public var check: String
    public var missed: Int
    public var times: [String]
}

public struct HostFigure: Codable, Sendable, Equatable {
    public var site: String
    public var check: String
    public var results: Int
    public var overThreshold: Int
    public var assertions: [AssertionCount]
}

public struct AssertionCount: Codable, Sendable, Equatable {
    public var assertion: String
    public var count: Int
}

public struct UnknownCheckFigure: Codable, Sendable, Equatable {
    public var check: String
    public var results: Int
}

public struct FooterFigure: Codable, Sendable, Equatable {
    public var linesRead: Int
    public var linesRejected: Int
    public var results: Int
    public var incidentLines: Int
    public var deliveryLines: Int
    public var unclassifiedResults: Int
    public var outOfOrderResults: Int
    public var generator: String
}
