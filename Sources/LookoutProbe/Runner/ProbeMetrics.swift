import Foundation
import LookoutCore

/// ProbeMetrics counts what the probe process does, for `GET /metrics` in the Prometheus text format.
public final class ProbeMetrics: Sendable {
    /// Series values by metric name, then by label text.
    private struct State {
        var counters: [String: [String: Double]] = [:]
        var gauges: [String: [String: Double]] = [:]
    }
    private let state = Locked(State())
    private static let help: [String: String] = [
        "lookout_pings_total": "Heartbeat pings accepted, by check and signal.",
        "lookout_pings_rejected_total": "Heartbeat requests refused, by reason.",
        "lookout_heartbeat_last_ping_timestamp_seconds": "Time of the latest ping, by check.",
        "lookout_check_runs_total": "Check runs, by check and outcome (up, degraded, down).",
        "lookout_check_latency_ms": "Latency of the latest run, by check.",
    ]

    public init() {}

    public func increment(_ name: String, _ labels: [(String, String)] = [], by value: Double = 1) {
        let key = ProbeMetrics.labelText(labels)
        state.withLock { $0.counters[name, default: [:]][key, default: 0] += value }
    }

    public func set(_ name: String, _ labels: [(String, String)] = [], to value: Double) {
        let key = ProbeMetrics.labelText(labels)
        state.withLock { $0.gauges[name, default: [:]][key] = value }
    }

    /// Counts one check run; called by the runner for every result it writes.
    public func record(_ result: ResultEvent) {
        let outcome = !result.ok ? "down" : result.degraded ? "degraded" : "up"
        increment("lookout_check_runs_total", [("check", result.check), ("outcome", outcome)])
        if let ms = result.latencyMs { set("lookout_check_latency_ms", [("check", result.check)], to: ms) }
    }

    /// The exposition text, series sorted so scrapes are stable.
    public func render() -> String {
        let (c, g) = state.withLock { ($0.counters, $0.gauges) }
        var out = ""
        for (kind, families) in [("counter", c), ("gauge", g)] {
            for name in families.keys.sorted() {
                if let help = ProbeMetrics.help[name] { out += "# HELP \(name) \(help)\n" }
                out += "# TYPE \(name) \(kind)\n"
                for (labels, value) in families[name]!.sorted(by: { $0.key < $1.key }) {
                    let v = value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
                    out += "\(name)\(labels) \(v)\n"
                }
            }
        }
        return out
    }

    static func labelText(_ labels: [(String, String)]) -> String {
        guard !labels.isEmpty else { return "" }
        let escaped = labels.map { k, v in
            "\(k)=\"\(v.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n"))\""
        }
        return "{" + escaped.joined(separator: ",") + "}"
    }
}
