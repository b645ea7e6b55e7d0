import LookoutCore
import LookoutMetrics

/// RouteMetrics is route's `GET /metrics` (`route --metrics-listen`, docs/metrics.md): each sink's outbox backlog and
/// dead letters, read from the outbox at scrape time, deliveries by outcome as they are recorded, and lines read.
///
/// Labels are bounded by the config: `sink` takes only the configured sink names, `outcome` and `state` three
/// values each. Series of every sink exist from the start (at 0), so a rate or an alert has a series before the
/// first failure.
public final class RouteMetrics: Sendable {
    /// The outcomes route writes on its delivery lines.
    public static let outcomes: [DeliveryEvent.Outcome] = [.sent, .retrying, .dead]
    /// The states of a pending delivery in the outbox.
    public static let states = ["queued", "in_flight", "retrying"]

    public static let outbox = MetricFamily("lookout_route_outbox_deliveries", .gauge,
        "Deliveries pending in the outbox, by sink and state: queued (not attempted yet), in_flight (attempt recorded, outcome not yet), retrying (failed, waiting for the next attempt).")
    public static let deliveries = MetricFamily("lookout_route_deliveries_total", .counter,
        "Delivery outcomes recorded by this process, by sink and outcome (sent, retrying, dead), one per delivery line.")
    public static let deadLetters = MetricFamily("lookout_route_dead_letters", .gauge,
        "Dead letters kept in the outbox for the sink (given up deliveries; kept for people to read, never pruned).")
    public static let oldestAge = MetricFamily("lookout_route_oldest_queued_age_seconds", .gauge,
        "Wall-clock age of the sink's oldest pending delivery (0 when none is pending).")
    public static let lastDelivery = MetricFamily("lookout_route_last_delivery_timestamp_seconds", .gauge,
        "Wall-clock time of the sink's latest delivery sent by this process, in Unix seconds (0 before the first).")
    public static let linesRead = MetricFamily("lookout_route_lines_read_total", .counter,
        "Input lines route read.")
    public static let linesRejected = MetricFamily("lookout_route_lines_rejected_total", .counter,
        "Input lines route refused as malformed (each reported with its line number).")

    public let registry = MetricsRegistry()
    /// The configured sink names, in config order, once each.
    public let sinks: [String]
    private let lastCounts = Locked((lines: 0, rejected: 0))

    public init(sinks: [String]) {
        var seen: Set<String> = []
        self.sinks = sinks.filter { seen.insert($0).inserted }
        for sink in self.sinks {
            for outcome in RouteMetrics.outcomes {
                registry.increment(RouteMetrics.deliveries, labels: [("sink", sink), ("outcome", outcome.rawValue)], by: 0)
            }
            registry.set(RouteMetrics.lastDelivery, labels: [("sink", sink)], to: 0)
        }
        registry.increment(RouteMetrics.linesRead, by: 0)
        registry.increment(RouteMetrics.linesRejected, by: 0)
    }

    /// `count` deliveries of `sink` ended an attempt with `outcome` at `at` (wall clock), once recorded in the outbox.
    public func recorded(sink: String, _ outcome: DeliveryEvent.Outcome, count: Int, at: Timestamp) {
        guard sinks.contains(sink) else { return }
        registry.increment(RouteMetrics.deliveries, labels: [("sink", sink), ("outcome", outcome.rawValue)], by: Double(count))
        if outcome == .sent { registry.set(RouteMetrics.lastDelivery, labels: [("sink", sink)], to: Double(at.milliseconds) / 1000) }
    }

    /// The reader's running totals at a batch's end; the counters advance by the difference.
    public func lines(read: Int, rejected: Int) {
        let (lines, rejects) = lastCounts.withLock { last in
            defer { last = (read, rejected) }
            return (read - last.lines, rejected - last.rejected)
        }
        registry.increment(RouteMetrics.linesRead, by: Double(max(0, lines)))
        registry.increment(RouteMetrics.linesRejected, by: Double(max(0, rejects)))
    }

    /// Sets the outbox gauges from `backlog` (ages against `now`, route's wall clock).
    public func update(_ backlog: [String: Outbox.Backlog], now: Timestamp) {
        for sink in sinks {
            let b = backlog[sink] ?? Outbox.Backlog()
            for (state, value) in [("queued", b.queued), ("in_flight", b.inFlight), ("retrying", b.retrying)] {
                registry.set(RouteMetrics.outbox, labels: [("sink", sink), ("state", state)], to: Double(value))
            }
            registry.set(RouteMetrics.deadLetters, labels: [("sink", sink)], to: Double(b.deadLetters))
            let age = b.oldestQueued.map { max(0, Double((now - $0).milliseconds) / 1000) } ?? 0
            registry.set(RouteMetrics.oldestAge, labels: [("sink", sink)], to: age)
        }
    }

    /// A scrape: the outbox read now, then the exposition. A failed read leaves the gauges as the last scrape set
    /// them; the counters are still right.
    public func render(outbox: Outbox, clock: any WallClock) async -> String {
        if let backlog = try? await outbox.backlog(sinks: sinks) { update(backlog, now: clock.now()) }
        return registry.render()
    }

    public func render() -> String { registry.render() }
}
