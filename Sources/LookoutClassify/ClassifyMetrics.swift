import LookoutCore
import LookoutMetrics

/// ClassifyMetrics is classify's `GET /metrics` (`classify --metrics-listen`, docs/metrics.md): each check's state as
/// an enum-style gauge, open incidents, the stage's own health, and each client's error budget.
///
/// The state lives here and not in the probe because only classify knows it (confirmation, flapping, windows,
/// quorum across locations); a scrape of classify failing (`up == 0`) is then also the alert that nobody classifies.
public final class ClassifyMetrics: Sendable {
    /// Every value the state gauge takes: classify's result states, with `maintenance` for a result in a window.
    public static let states = ["up", "failing", "down", "degraded", "flapping", "recovering", "maintenance"]

    public static let state = MetricFamily("lookout_check_state", .gauge,
        "The check's state as classify decided it for its latest result: 1 for the current state, 0 for the others.")
    public static let incidentOpen = MetricFamily("lookout_check_incident_open", .gauge,
        "Whether the check has an incident open (1) or not (0).")
    public static let linesRead = MetricFamily("lookout_classify_lines_read_total", .counter,
        "Input lines classify read.")
    public static let linesRejected = MetricFamily("lookout_classify_lines_rejected_total", .counter,
        "Input lines classify refused as malformed (each reported with its line number).")
    public static let lateResults = MetricFamily("lookout_classify_late_results_total", .counter,
        "Results too old to count (older than classify.out_of_order behind the check's newest).")
    public static let lastEvent = MetricFamily("lookout_classify_last_event_timestamp_seconds", .gauge,
        "Event time of the newest result classify handled, in Unix seconds.")
    public static let incidents = MetricFamily("lookout_classify_incident_events_total", .counter,
        "Incident lines classify wrote, by event (opened, updated, resolved).")
    public static let budgetAllowed = MetricFamily("lookout_client_error_budget_allowed_seconds", .gauge,
        "The month's allowed downtime of the client: (1 - sla) x (the month's length - agreed maintenance).")
    public static let budgetUsed = MetricFamily("lookout_client_error_budget_used_seconds", .gauge,
        "Downtime of the client's sites so far this month, outside maintenance windows, as the report counts it.")
    public static let budgetRemaining = MetricFamily("lookout_client_error_budget_remaining_seconds", .gauge,
        "The month's allowed downtime minus the downtime used (negative once the budget is spent).")
    public static let burnRate = MetricFamily("lookout_client_error_budget_burn_rate", .gauge,
        "Error-budget burn rate over the window: the window's downtime share over (1 - sla); 1 spends the budget exactly by the month's end.")

    public let registry: MetricsRegistry
    private let lastCounts = Locked((lines: 0, rejected: 0, late: 0))

    public init(config: Config) {
        var table = CheckLabels.table(config: config)
        // Client series carry the client and its SLA target only: one label set per client with a target.
        for (client, target) in ErrorBudget.clients(in: config) {
            table["client:" + client] = [("client", client), ("sla", ErrorBudget.format(target))]
        }
        registry = MetricsRegistry(checks: table)
    }

    /// Sets the check's state gauge: 1 for `state`, 0 for every other value.
    public func state(check: String, _ state: String) {
        for s in ClassifyMetrics.states {
            registry.set(ClassifyMetrics.state, check: check, extra: [("state", s)], to: s == state ? 1 : 0)
        }
    }

    public func incidentOpen(check: String, _ open: Bool) {
        registry.set(ClassifyMetrics.incidentOpen, check: check, to: open ? 1 : 0)
    }

    public func incident(_ event: IncidentEvent.Event) {
        registry.increment(ClassifyMetrics.incidents, labels: [("event", event.rawValue)])
    }

    /// The stage's counts at a batch's end (running totals; the counters advance by the difference).
    public func batch(linesRead: Int, rejected: Int, lateResults: Int, lastEventMs: Int64?) {
        let (lines, rejects, late) = lastCounts.withLock { last in
            defer { last = (linesRead, rejected, lateResults) }
            return (linesRead - last.lines, rejected - last.rejected, lateResults - last.late)
        }
        registry.increment(ClassifyMetrics.linesRead, by: Double(max(0, lines)))
        registry.increment(ClassifyMetrics.linesRejected, by: Double(max(0, rejects)))
        registry.increment(ClassifyMetrics.lateResults, by: Double(max(0, late)))
        if let lastEventMs { registry.set(ClassifyMetrics.lastEvent, to: Double(lastEventMs) / 1000) }
    }

    /// The client's error budget as classify last computed it.
    public func budget(_ figure: ErrorBudget.Figure) {
        let key = "client:" + figure.client
        registry.set(ClassifyMetrics.budgetAllowed, check: key, to: Double(figure.allowedMs) / 1000)
        registry.set(ClassifyMetrics.budgetUsed, check: key, to: Double(figure.usedMs) / 1000)
        registry.set(ClassifyMetrics.budgetRemaining, check: key, to: Double(figure.remainingMs) / 1000)
        registry.set(ClassifyMetrics.burnRate, check: key, extra: [("window", "1h")], to: figure.burnRate1h ?? 0)
        registry.set(ClassifyMetrics.burnRate, check: key, extra: [("window", "6h")], to: figure.burnRate6h ?? 0)
    }

    public func render() -> String { registry.render() }
}
