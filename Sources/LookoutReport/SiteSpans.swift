import LookoutCore

/// SiteSpans are a site's spans as the report counts a site (docs/report.md, "How time is attributed"): observed or
/// in a window when any of its checks is, down when any is down outside a window, degraded when neither down nor in
/// a window. Of one check, they are that check's figures. The report and the status site both read them.
struct SiteSpans {
    var observed: IntervalSet
    var maintenance: IntervalSet
    /// Down outside every window.
    var down: IntervalSet
    /// Down inside a window.
    var downInMaintenance: IntervalSet
    /// Degraded, outside windows and down time.
    var degraded: IntervalSet

    init(_ tallies: [CheckTally]) {
        // One check's sets are already sorted and merged: only several need the union's sort.
        func union(_ part: KeyPath<CheckTally, IntervalSet>) -> IntervalSet {
            tallies.count == 1 ? tallies[0][keyPath: part] : IntervalSet.union(tallies.map { $0[keyPath: part] })
        }
        observed = union(\.observed)
        maintenance = union(\.maintenance)
        down = union(\.down).subtracting(maintenance)
        downInMaintenance = union(\.downInMaintenance)
        degraded = union(\.degraded).subtracting(maintenance).subtracting(down)
    }

    private init(observed: IntervalSet, maintenance: IntervalSet, down: IntervalSet, downInMaintenance: IntervalSet,
                 degraded: IntervalSet) {
        self.observed = observed; self.maintenance = maintenance; self.down = down
        self.downInMaintenance = downInMaintenance; self.degraded = degraded
    }

    /// The time figures of `[from, to)`, from the totals inside it (nothing is copied to count them).
    func figures(from: Int64, to: Int64) -> TimeFigures {
        let observedMs = observed.total(from: from, to: to), maintenanceMs = maintenance.total(from: from, to: to)
        let downMs = down.total(from: from, to: to), nonMaint = observedMs - maintenanceMs
        return TimeFigures(availability: ReportBuilder.percent(nonMaint - downMs, of: nonMaint), observedMs: observedMs,
                           maintenanceMs: maintenanceMs, downMs: downMs,
                           downInMaintenanceMs: downInMaintenance.total(from: from, to: to),
                           degradedMs: degraded.total(from: from, to: to), unobservedMs: to - from - observedMs)
    }

    /// The parts inside `[from, to)`.
    func clipped(_ from: Int64, _ to: Int64) -> SiteSpans {
        SiteSpans(observed: observed.clipped(from, to), maintenance: maintenance.clipped(from, to), down: down.clipped(from, to),
                  downInMaintenance: downInMaintenance.clipped(from, to), degraded: degraded.clipped(from, to))
    }

    /// Consecutive spans over `[from, to)`, each in one state; maintenance shows over anything else. The sets must
    /// lie inside the range (a report's do; `clipped` otherwise).
    func strip(from: Int64, to: Int64) -> [StripSpan] {
        let whole = IntervalSet([(from, to)])
        let up = observed.subtracting(maintenance).subtracting(down).subtracting(degraded)
        var spans: [(Int64, Int64, String)] = []
        for (set, state) in [(whole.subtracting(observed), "nodata"), (maintenance, "maintenance"), (down, "down"),
                             (degraded.subtracting(down), "degraded"), (up, "up")] {
            for i in set.intervals { spans.append((i.start, i.end, state)) }
        }
        spans.sort { $0.0 < $1.0 }
        return spans.map {
            StripSpan(from: ReportBuilder.rfc($0.0), to: ReportBuilder.rfc($0.1), state: $0.2, fromOffsetMs: $0.0 - from,
                      toOffsetMs: $0.1 - from)
        }
    }
}
