import LookoutCore
import Prometheus

/// MetricsRegistry is a stage's `/metrics`: swift-prometheus's registry plus the bookkeeping per-check series need.
/// A check's series are made on first use with the check's labels (`CheckLabels`) and dropped when a reload removes
/// the check or changes its labels, so the exposition never keeps a series for a check that is gone.
public final class MetricsRegistry: Sendable {
    /// Series is one registered series, kept to update it and to unregister it.
    public enum Series: Sendable {
        case counter(Counter)
        case gauge(Gauge)
        case histogram(ValueHistogram)
    }

    private struct Key: Hashable {
        var check: String
        var family: String
        var extra: [String]
    }

    private struct State {
        var labels: [String: [(String, String)]] = [:]
        var series: [Key: Series] = [:]
    }

    public let prometheus = PrometheusCollectorRegistry()
    private let state = Locked(State())

    public init(checks: [String: [(String, String)]] = [:]) {
        state.withLock { $0.labels = checks }
    }

    /// Replaces the label table (at start and on reload); series of checks removed or relabelled are unregistered.
    public func setChecks(_ table: [String: [(String, String)]]) {
        let dropped: [Series] = state.withLock { state in
            var dropped: [Series] = []
            for (key, series) in state.series where !key.check.isEmpty {
                if let new = table[key.check], let old = state.labels[key.check], new.elementsEqual(old, by: ==) { continue }
                dropped.append(series)
                state.series[key] = nil
            }
            state.labels = table
            return dropped
        }
        for series in dropped { unregister(series) }
    }

    /// The series of `family` for `check` (with `extra` labels after the check's own), made on first use; nil for a
    /// check the table does not hold.
    public func series(_ family: MetricFamily, check: String, extra: [(String, String)] = []) -> Series? {
        let key = Key(check: check, family: family.name, extra: extra.flatMap { [$0.0, $0.1] })
        return state.withLock { state -> Series? in
            if let found = state.series[key] { return found }
            guard let labels = state.labels[check] else { return nil }
            let made = make(family, labels: labels + extra)
            state.series[key] = made
            return made
        }
    }

    /// A series of the stage itself (no check labels): made on first use, never dropped.
    public func series(_ family: MetricFamily, labels: [(String, String)] = []) -> Series {
        let key = Key(check: "", family: family.name, extra: labels.flatMap { [$0.0, $0.1] })
        return state.withLock { state in
            if let found = state.series[key] { return found }
            let made = make(family, labels: labels)
            state.series[key] = made
            return made
        }
    }

    /// Sets a gauge of a check; nothing for a check the table does not hold.
    public func set(_ family: MetricFamily, check: String, extra: [(String, String)] = [], to value: Double) {
        if case .gauge(let g)? = series(family, check: check, extra: extra) { g.set(to: value) }
    }

    public func increment(_ family: MetricFamily, check: String, extra: [(String, String)] = [], by value: Double = 1) {
        if case .counter(let c)? = series(family, check: check, extra: extra) { c.increment(by: value) }
    }

    public func observe(_ family: MetricFamily, check: String, _ value: Double) {
        if case .histogram(let h)? = series(family, check: check) { h.record(value) }
    }

    public func set(_ family: MetricFamily, labels: [(String, String)] = [], to value: Double) {
        if case .gauge(let g) = series(family, labels: labels) { g.set(to: value) }
    }

    public func increment(_ family: MetricFamily, labels: [(String, String)] = [], by value: Double = 1) {
        if case .counter(let c) = series(family, labels: labels) { c.increment(by: value) }
    }

    /// The exposition, in the Prometheus text format 0.0.4.
    public func render() -> String { prometheus.emitToString() }

    private func make(_ family: MetricFamily, labels: [(String, String)]) -> Series {
        switch family.kind {
        case .counter: .counter(prometheus.makeCounter(name: family.name, labels: labels, help: family.help))
        case .gauge: .gauge(prometheus.makeGauge(name: family.name, labels: labels, help: family.help))
        case .histogram(let buckets):
            .histogram(prometheus.makeValueHistogram(name: family.name, labels: labels, buckets: buckets, help: family.help))
        }
    }

    private func unregister(_ series: Series) {
        switch series {
        case .counter(let c): prometheus.unregisterCounter(c)
        case .gauge(let g): prometheus.unregisterGauge(g)
        case .histogram(let h): prometheus.unregisterValueHistogram(h)
        }
    }
}
