import Foundation
import LookoutCore
import LookoutMetrics

/// ProbeMetrics is the probe's `GET /metrics` (docs/metrics.md): per check, what blackbox_exporter says of a probe
/// (success, duration, HTTP status, body size, certificate expiry), and the probe's own health.
public final class ProbeMetrics: Sendable {
    public static let success = MetricFamily("lookout_check_success", .gauge,
        "Whether the check's latest run succeeded (1) or failed (0); a degraded run succeeded (blackbox's probe_success).")
    public static let degraded = MetricFamily("lookout_check_degraded", .gauge,
        "Whether the check's latest run worked but was degraded (slow, body size, warning thresholds).")
    /// From 5 ms (a loopback answer) to a minute (the longest sensible timeout); a slower run lands in +Inf.
    public static let durationBuckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]
    public static let duration = MetricFamily("lookout_check_duration_seconds", .histogram(durationBuckets),
        "How long check runs took (the result's latency_ms), in seconds.")
    public static let lastRun = MetricFamily("lookout_check_last_run_timestamp_seconds", .gauge,
        "When the check's latest run started, in Unix seconds.")
    public static let runs = MetricFamily("lookout_check_runs_total", .counter,
        "Check runs by outcome (up, degraded, down).")
    public static let httpStatus = MetricFamily("lookout_check_http_status_code", .gauge,
        "HTTP status of the check's latest run; 0 when no response came (http and health checks).")
    public static let bodySize = MetricFamily("lookout_check_body_size_bytes", .gauge,
        "Body size of the check's latest response, in bytes.")
    public static let certificateExpiry = MetricFamily("lookout_check_certificate_expiry_timestamp_seconds", .gauge,
        "When the leaf certificate the check last saw expires (not_after), in Unix seconds (tls checks).")
    public static let pings = MetricFamily("lookout_pings_total", .counter,
        "Heartbeat pings accepted, by signal (success, start, fail).")
    public static let lastPing = MetricFamily("lookout_heartbeat_last_ping_timestamp_seconds", .gauge,
        "When the check's latest heartbeat ping arrived, in Unix seconds.")
    public static let pingsRejected = MetricFamily("lookout_pings_rejected_total", .counter,
        "Heartbeat requests refused, by reason (unknown_token, bad_signal, body_too_large, store_error).")
    public static let actionLinks = MetricFamily("lookout_action_links_total", .counter,
        "One-tap action link requests (docs/actions.md), by action and outcome (shown, done, forged, expired, used, refused, error).")
    public static let results = MetricFamily("lookout_probe_results_total", .counter,
        "Result lines the probe made.")
    public static let lastResult = MetricFamily("lookout_probe_last_result_timestamp_seconds", .gauge,
        "Event time of the newest result the probe made, in Unix seconds.")
    public static let checks = MetricFamily("lookout_probe_checks", .gauge,
        "Checks configured (every check the config holds, whichever this process runs).")

    /// Kinds that speak HTTP: a run without a response reports status 0, as blackbox does.
    static let httpKinds: Set<String> = ["http", "health"]

    public let registry: MetricsRegistry

    /// `checks`: the labels of each configured check (`CheckLabels.table`); a check missing there gets no series.
    public init(checks: [String: [(String, String)]] = [:]) {
        registry = MetricsRegistry(checks: checks)
        registry.set(ProbeMetrics.checks, to: Double(checks.count))
    }

    /// Takes the labels of the config's checks, at start and on reload; series of removed checks go.
    public func configure(_ config: Config, location: String?) {
        let table = CheckLabels.table(config: config, location: location)
        registry.setChecks(table)
        registry.set(ProbeMetrics.checks, to: Double(table.count))
    }

    /// Records one check run; called by the runner for every result it makes.
    public func record(_ result: ResultEvent) {
        let check = result.check
        let at = Double(result.at.milliseconds) / 1000
        registry.increment(ProbeMetrics.results)
        registry.set(ProbeMetrics.lastResult, to: at)
        registry.set(ProbeMetrics.success, check: check, to: result.ok ? 1 : 0)
        registry.set(ProbeMetrics.degraded, check: check, to: result.ok && result.degraded ? 1 : 0)
        registry.set(ProbeMetrics.lastRun, check: check, to: at)
        let outcome = !result.ok ? "down" : result.degraded ? "degraded" : "up"
        registry.increment(ProbeMetrics.runs, check: check, extra: [("outcome", outcome)])
        if let ms = result.latencyMs { registry.observe(ProbeMetrics.duration, check: check, ms / 1000) }
        if result.status != nil || ProbeMetrics.httpKinds.contains(result.kind ?? "") {
            registry.set(ProbeMetrics.httpStatus, check: check, to: Double(result.status ?? 0))
        }
        if let bytes = result.bytes { registry.set(ProbeMetrics.bodySize, check: check, to: Double(bytes)) }
        if let text = result.details?["not_after"]?.stringValue, let notAfter = Timestamp(rfc3339: text) {
            registry.set(ProbeMetrics.certificateExpiry, check: check, to: Double(notAfter.milliseconds) / 1000)
        }
    }

    /// Records an accepted heartbeat ping.
    public func ping(check: String, signal: String, at: Timestamp) {
        registry.increment(ProbeMetrics.pings, check: check, extra: [("signal", signal)])
        registry.set(ProbeMetrics.lastPing, check: check, to: Double(at.milliseconds) / 1000)
    }

    /// Records a refused heartbeat request.
    public func rejectPing(reason: String) {
        registry.increment(ProbeMetrics.pingsRejected, labels: [("reason", reason)])
    }

    /// Records a request to a one-tap action link.
    public func actionLink(action: String, outcome: String) {
        registry.increment(ProbeMetrics.actionLinks, labels: [("action", action), ("outcome", outcome)])
    }

    /// The exposition text.
    public func render() -> String { registry.render() }
}
