import Foundation
import LookoutCore

/// ReportBuilder turns the accumulated tallies into a `DailyReport`: site figures from the union of their checks'
/// spans, tier SLAs, the noise budget and window adherence. Pure: the same tallies give the same report.
public struct ReportBuilder {
    public var accumulator: ReportAccumulator
    public var linesRead: Int
    public var linesRejected: Int
    /// `--client`: only this client's sites (matched by `client` or by site id), in customer words.
    public var client: String?

    public init(accumulator: ReportAccumulator, linesRead: Int, linesRejected: Int, client: String? = nil) {
        self.accumulator = accumulator
        self.linesRead = linesRead
        self.linesRejected = linesRejected
        self.client = client
    }

    /// The sites a `--client` value selects: those whose `client` equals it, or the site with that id.
    public static func sites(forClient client: String, in config: Config) -> [Site] {
        config.sites.filter { $0.client == client || $0.id == client }
    }

    /// One `--client` value per customer, in config order: each distinct `client`, and the id of each site that has
    /// none (it is its own customer). What `pipelines/daily-report` makes one page for each of.
    public static func clients(in config: Config) -> [String] {
        var seen = Set<String>()
        return config.sites.map(\.clientKey).filter { seen.insert($0).inserted }
    }

    /// Percent with three decimals, truncated (never rounded up to a figure that was not reached).
    static func percent(_ part: Int64, of whole: Int64) -> Double? {
        guard whole > 0 else { return nil }
        return Double(part * 100_000 / whole) / 1000
    }

    static func rfc(_ ms: Int64) -> String { Timestamp(milliseconds: ms).rfc3339 }

    public func build() -> DailyReport {
        accumulator.finish()
        let config = accumulator.config, range = accumulator.range
        let from = range.from.milliseconds, to = range.to.milliseconds
        let forClient = client != nil
        let siteList = client.map { ReportBuilder.sites(forClient: $0, in: config) } ?? config.sites
        let siteIDs = Set(siteList.map(\.id))
        var tallyByCheck: [String: CheckTally] = [:]
        for t in accumulator.tallies { tallyByCheck[t.id] = t }

        let incidentsInRange = accumulator.incidentOrder.compactMap { accumulator.incidents[$0] }.filter {
            siteIDs.contains($0.site) && !(forClient && $0.isBudget) && $0.since.milliseconds < to && ($0.resolvedAt?.milliseconds ?? Int64.max) > from
        }.sorted { ($0.since, $0.id) < ($1.since, $1.id) }
        func mttr(_ list: [IncidentRecord]) -> Int64? {
            let resolved = list.filter {
                $0.isOutage && !$0.isMaintenanceOnly && $0.durationMs != nil
                    && $0.resolvedAt!.milliseconds >= from && $0.resolvedAt!.milliseconds < to
            }
            guard !resolved.isEmpty else { return nil }
            return resolved.reduce(Int64(0)) { $0 + $1.durationMs! } / Int64(resolved.count)
        }

        var sites: [SiteFigure] = []
        var siteSets: [String: SiteTimes] = [:]
        var siteObserved: [IntervalSet] = []
        for site in siteList {
            let tallies = site.checks.compactMap { tallyByCheck[$0.id] }
            let spans = SiteSpans(tallies)
            let time = spans.figures(from: from, to: to)
            siteObserved.append(spans.observed)
            // Down inside an unagreed window, check by check (another check's agreed window at the same time is not it).
            let downInUnagreed = IntervalSet.union(tallies.map { $0.downInMaintenance.intersecting($0.unagreedMaintenance) })
            siteSets[site.id] = SiteTimes(nonMaint: time.observedMs - time.maintenanceMs, down: time.downMs,
                                          downInMaint: time.downInMaintenanceMs, maint: time.maintenanceMs,
                                          unagreed: IntervalSet.union(tallies.map(\.unagreedMaintenance)).total,
                                          downInUnagreed: downInUnagreed.total)
            let siteIncidents = incidentsInRange.filter { $0.site == site.id }
            let target = config.tier(named: site.tier)?.sla
            var checks: [CheckFigure] = []
            for check in site.checks {
                guard let t = tallyByCheck[check.id] else { continue }
                let own = siteIncidents.filter { $0.check == check.id }
                checks.append(checkFigure(t, name: check.name, incidents: own, mttr: mttr(own)))
            }
            sites.append(SiteFigure(
                id: site.id, name: site.name, client: site.client, tier: forClient ? nil : site.tier, target: target,
                meetsTarget: target.flatMap { t in time.availability.map { $0 >= t } }, time: time,
                incidents: siteIncidents.count, mttrMs: mttr(siteIncidents),
                strip: spans.strip(from: from, to: to),
                checks: checks))
        }

        let nonMaintTotal = siteSets.values.reduce(Int64(0)) { $0 + $1.nonMaint }
        let downTotal = siteSets.values.reduce(Int64(0)) { $0 + $1.down }
        // The sites' observed time, already unioned above (and inside the range: spans are clipped to it).
        let observedAll = IntervalSet.union(siteObserved)
        let overall = OverallFigure(
            availability: ReportBuilder.percent(nonMaintTotal - downTotal, of: nonMaintTotal), sites: sites.count,
            checks: sites.reduce(0) { $0 + $1.checks.count }, incidents: incidentsInRange.count,
            outages: incidentsInRange.filter { $0.isOutage && !$0.isMaintenanceOnly }.count, mttrMs: mttr(incidentsInRange),
            downMs: downTotal, maintenanceMs: siteSets.values.reduce(Int64(0)) { $0 + $1.maint },
            observedMs: observedAll.total,
            dataFrom: observedAll.intervals.first.map { Timestamp(milliseconds: $0.start).rfc3339 },
            dataThrough: observedAll.intervals.last.map { Timestamp(milliseconds: $0.end).rfc3339 })

        let allChecks = sites.flatMap { s in s.checks.map { (s, $0) } }
        let certificates: [CertificateFigure] = siteList.flatMap { site in
            site.checks.compactMap { c -> CertificateFigure? in
                guard let cert = tallyByCheck[c.id]?.certificate,
                      cert.daysLeft <= Double(config.report.certificateWarningDays) else { return nil }
                return CertificateFigure(site: site.id, check: c.id, daysLeft: cert.daysLeft, notAfter: cert.notAfter,
                                         seenAt: ReportBuilder.rfc(cert.at))
            }
        }.sorted { ($0.daysLeft, $0.check) < ($1.daysLeft, $1.check) }
        let heartbeats = siteList.flatMap { site in
            site.checks.compactMap { c -> HeartbeatFigure? in
                guard let t = tallyByCheck[c.id], t.heartbeatsMissed > 0 else { return nil }
                return HeartbeatFigure(site: site.id, check: c.id, missed: t.heartbeatsMissed,
                                       times: t.missedHeartbeatTimes.map(ReportBuilder.rfc))
            }
        }
        let hosts = siteList.flatMap { site in
            site.checks.compactMap { c -> HostFigure? in
                guard let t = tallyByCheck[c.id], t.kind == "host", t.results > 0 else { return nil }
                let top = t.failedAssertions.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.prefix(5)
                return HostFigure(site: site.id, check: c.id, results: t.results, overThreshold: t.overThreshold,
                                  assertions: top.map { AssertionCount(assertion: $0.key, count: $0.value) })
            }
        }

        var adherence: [AdherenceFigure] = []
        var clientOrder: [String] = []
        var bySite: [String: [Site]] = [:]
        for site in siteList {
            let key = site.client ?? site.name
            if bySite[key] == nil { clientOrder.append(key) }
            bySite[key, default: []].append(site)
        }
        for key in clientOrder {
            let members = bySite[key]!
            func total(_ figure: (SiteTimes) -> Int64) -> Int64 { members.reduce(Int64(0)) { $0 + (siteSets[$1.id].map(figure) ?? 0) } }
            // Down time in a window nobody agreed (on demand, a silence) is down time outside the agreed windows.
            let unagreedDown = total(\.downInUnagreed)
            let inside = total(\.downInMaint) - unagreedDown
            let outside = total(\.down) + unagreedDown
            let unagreed = total(\.unagreed)
            let ids = Set(members.map(\.id))
            let overruns = incidentsInRange.filter { ids.contains($0.site) && $0.firstMaintenance != nil && !$0.isMaintenanceOnly }.count
            adherence.append(AdherenceFigure(client: key, sites: members.map(\.id), downInsideWindowsMs: inside,
                                             downOutsideWindowsMs: outside, maintenanceMs: total(\.maint), overruns: overruns,
                                             insideShare: ReportBuilder.percent(inside, of: inside + outside),
                                             unagreedMaintenanceMs: unagreed > 0 ? unagreed : nil,
                                             downInsideUnagreedMs: unagreed > 0 ? unagreedDown : nil))
        }

        let siteNames = Dictionary(uniqueKeysWithValues: config.sites.map { ($0.id, $0.name) })
        let incidents = incidentsInRange.map { r in
            IncidentFigure(
                id: r.id, site: r.site, siteName: siteNames[r.site] ?? r.site, check: r.check,
                kind: ReportBuilder.incidentKind(r, forClient: forClient), severity: forClient ? nil : r.maxSeverity.rawValue,
                start: r.since.rfc3339, end: r.resolvedAt?.rfc3339, durationMs: r.durationMs, ongoing: r.resolvedAt == nil,
                cause: r.reason, maintenance: r.firstMaintenance, maintenanceOnly: r.isMaintenanceOnly)
        }

        let tiers: [TierFigure]? = forClient ? nil : tierFigures(config: config, sites: sites, siteSets: siteSets)
        let noise: NoiseFigure? = forClient ? nil : noiseFigure(checks: allChecks.map(\.1), tallies: tallyByCheck,
                                                                incidents: incidentsInRange)
        let unknown: [UnknownCheckFigure]? = forClient ? nil : accumulator.unknownChecks
            .sorted { $0.key < $1.key }.map { UnknownCheckFigure(check: $0.key, results: $0.value) }
        let gaps = forClient ? [] : monitorGaps(config: config, rangeEnd: to)
        let late = forClient ? [] : lateNotifications(config: config, from: from, to: to)
        let footer = FooterFigure(
            linesRead: linesRead, linesRejected: linesRejected, results: accumulator.resultLines,
            incidentLines: accumulator.incidentLines, deliveryLines: accumulator.deliveryLines,
            unclassifiedResults: accumulator.tallies.reduce(0) { $0 + $1.unclassified },
            outOfOrderResults: accumulator.tallies.reduce(0) { $0 + $1.outOfOrder }, generator: "lookout report \(Stage.version)")
        let clientName = client.map { c in siteList.first(where: { $0.client == c })?.client ?? siteList.first?.name ?? c }
        return DailyReport(
            title: config.report.title, audience: forClient ? .client : .team, client: clientName,
            range: RangeFigure(label: range.label, from: range.from.rfc3339, to: range.to.rfc3339,
                               timezone: config.timeZone.identifier, hours: Double(range.length) / 3_600_000),
            overall: overall, tiers: tiers, sites: sites, incidents: incidents, noise: noise, adherence: adherence,
            certificates: certificates, heartbeats: heartbeats, hosts: forClient ? nil : hosts,
            unknownChecks: unknown, monitorGaps: gaps.isEmpty ? nil : gaps,
            lateNotifications: late.isEmpty ? nil : late, budgets: forClient ? nil : budgets(asOf: accumulator.budgetAsOf), footer: footer)
    }

    /// Each client's error budget (ErrorBudget) from the month's spans, as of `asOf`; nil when no client has an SLA
    /// target. Call after `finish()`.
    func budgets(asOf: Int64) -> [ErrorBudget.Figure]? {
        let config = accumulator.config
        let clients = ErrorBudget.clients(in: config)
        guard !clients.isEmpty else { return nil }
        var spansByCheck: [String: SpanAttribution] = [:]
        for (k, t) in accumulator.tallies.enumerated() { if let s = accumulator.budgetSpan(k) { spansByCheck[t.id] = s } }
        let sitesByClient = ErrorBudget.sitesByClient(in: config)
        return clients.map { client, _ in
            let sites = sitesByClient[client, default: []].map { site, target in
                let down = ErrorBudget.siteDown(site.checks.compactMap { spansByCheck[$0.id] })
                return ErrorBudget.SiteDowntime(site: site.id, target: target, down: down,
                                                calendar: MaintenanceCalendar(windows: site.maintenance, clock: LocalClock(site.timeZone)))
            }
            return ErrorBudget.figure(client: client, sites: sites, asOf: asOf, clock: LocalClock(config.timeZone),
                                      thresholds: config.classify.budgetWarning)
        }
    }

    /// Openings announced later than `report.late_notification`, or never: what the classified log cannot show
    /// when route, or one of its sinks, was down.
    private func lateNotifications(config: Config, from: Int64, to: Int64) -> [LateNotificationFigure] {
        let after = config.report.lateNotification.milliseconds
        return accumulator.notifications.late(fromMs: from, toMs: to, afterMs: after, logEndMs: accumulator.latestEventMs).map { p in
            let record = accumulator.incidents[p.incident]
            return LateNotificationFigure(
                incident: p.incident, site: record?.site ?? "", check: record?.check ?? "", sink: p.sink,
                due: ReportBuilder.rfc(p.dueMs), sent: p.firstSentMs.map(ReportBuilder.rfc),
                delayMs: p.firstSentMs.map { $0 - p.dueMs },
                outcome: p.firstSentMs != nil ? "late" : p.failure?.outcome.rawValue ?? "unsent",
                error: p.failure?.error)
        }
    }

    /// Silences longer than twice the most frequent check's interval (at least two minutes): no check can have
    /// been running then, so the monitor itself was down.
    private func monitorGaps(config: Config, rangeEnd: Int64) -> [PeriodFigure] {
        guard let every = config.allChecks.map(\.every.milliseconds).min() else { return [] }
        let minimum = max(2, Int((2 * every + 59_999) / 60_000))
        return accumulator.activity.gaps(minimumMinutes: minimum, rangeEndMs: rangeEnd).map {
            PeriodFigure(from: ReportBuilder.rfc($0.fromMs), to: ReportBuilder.rfc($0.toMs), durationMs: $0.toMs - $0.fromMs)
        }
    }

    private func checkFigure(_ t: CheckTally, name: String?, incidents: [IncidentRecord], mttr: Int64?) -> CheckFigure {
        let range = accumulator.range
        let time = SiteSpans([t]).figures(from: range.from.milliseconds, to: range.to.milliseconds)
        let latency: LatencyFigure? = t.latency.count == 0 ? nil : LatencyFigure(
            count: t.latency.count, p50: ReportBuilder.round1(t.latency.percentile(50)!),
            p95: ReportBuilder.round1(t.latency.percentile(95)!), p99: ReportBuilder.round1(t.latency.percentile(99)!),
            min: ReportBuilder.round1(t.latency.min), max: ReportBuilder.round1(t.latency.max))
        return CheckFigure(
            id: t.id, name: name, kind: t.kind, time: time, results: t.results, failures: t.failures, blips: t.blips,
            maintenanceBlips: t.maintenanceBlips, incidents: incidents.count, mttrMs: mttr, latency: latency,
            sparkline: t.sparkline.means.map { $0.map(ReportBuilder.round1) },
            flapping: t.flapping.intervals.map { PeriodFigure(from: ReportBuilder.rfc($0.start), to: ReportBuilder.rfc($0.end), durationMs: $0.end - $0.start) },
            flappingMs: t.flapping.total, heartbeatsMissed: t.heartbeatsMissed, overThreshold: t.overThreshold,
            lastError: t.lastError)
    }

    static func round1(_ v: Double) -> Double { (v * 10).rounded() / 10 }

    static func incidentKind(_ r: IncidentRecord, forClient: Bool) -> String {
        if forClient {
            if r.isMaintenanceOnly { return "maintenance" }
            switch r.state {
            case "degraded": return "slow"
            case "flapping": return "intermittent"
            default: return "interruption"
            }
        }
        switch r.state {
        case "degraded": return "degraded"
        case "flapping": return "flapping"
        case IncidentEvent.budgetState: return "budget"
        default: return "outage"
        }
    }

    private func tierFigures(config: Config, sites: [SiteFigure],
                             siteSets: [String: SiteTimes]) -> [TierFigure] {
        var out: [TierFigure] = []
        for tier in config.tiers {
            let members = sites.filter { $0.tier == tier.name }
            guard !members.isEmpty else { continue }
            let nonMaint = members.reduce(Int64(0)) { $0 + (siteSets[$1.id]?.nonMaint ?? 0) }
            let down = members.reduce(Int64(0)) { $0 + (siteSets[$1.id]?.down ?? 0) }
            let measured = ReportBuilder.percent(nonMaint - down, of: nonMaint)
            let breaches = members.compactMap { s -> SiteBreach? in
                guard let target = tier.sla, let a = s.time.availability, a < target else { return nil }
                return SiteBreach(site: s.id, name: s.name, availability: a)
            }.sorted { ($0.availability, $0.site) < ($1.availability, $1.site) }
            let breached = tier.sla.map { t in measured.map { $0 < t } ?? false } ?? false
            out.append(TierFigure(tier: tier.name, target: tier.sla, measured: measured, breached: breached || !breaches.isEmpty,
                                  sites: members.count, breaches: breaches))
        }
        // Breaches first; otherwise the config's order.
        return out.enumerated().sorted { a, b in
            a.element.breached != b.element.breached ? a.element.breached : a.offset < b.offset
        }.map(\.element)
    }

    private func noiseFigure(checks: [CheckFigure], tallies: [String: CheckTally], incidents: [IncidentRecord]) -> NoiseFigure {
        var sinks: [String: SinkFigure] = [:]
        var dead: [DeadLetterFigure] = []
        // A grouped post carries many deliveries but is one message, and a delivery repeated after a crash carries
        // the same key: count each message once, critical if any delivery it carried was.
        var counted: [String: Bool] = [:]
        var deadKeys = Set<String>()
        for d in accumulator.deliveries {
            var s = sinks[d.sink] ?? SinkFigure(sink: d.sink, sent: 0, critical: 0, retries: 0, dead: 0)
            switch d.outcome {
            case .sent:
                let incident = accumulator.incidents[d.incident]
                let critical = (incident?.severityByEvent[d.event] ?? incident?.maxSeverity) == .critical
                if let id = d.message ?? d.key {
                    let slot = d.sink + "\u{0}" + id
                    if let wasCritical = counted[slot] {
                        if critical && !wasCritical { s.critical += 1; counted[slot] = true }
                    } else {
                        s.sent += 1
                        if critical { s.critical += 1 }
                        counted[slot] = critical
                    }
                } else {
                    s.sent += 1
                    if critical { s.critical += 1 }
                }
            case .retrying: s.retries += 1
            case .dead:
                if let key = d.key, !deadKeys.insert(d.sink + "\u{0}" + key).inserted { break }
                s.dead += 1
                dead.append(DeadLetterFigure(at: d.at.rfc3339, sink: d.sink, incident: d.incident, event: d.event,
                                             attempt: d.attempt, error: d.error))
            }
            sinks[d.sink] = s
        }
        let list = sinks.values.sorted { $0.sink < $1.sink }
        return NoiseFigure(
            sinks: list, messagesSent: list.reduce(0) { $0 + $1.sent }, criticalSent: list.reduce(0) { $0 + $1.critical },
            blipsAbsorbed: checks.reduce(0) { $0 + $1.blips }, maintenanceBlips: checks.reduce(0) { $0 + $1.maintenanceBlips },
            failuresInMaintenance: checks.reduce(0) { $0 + (tallies[$1.id]?.failuresInMaintenance ?? 0) },
            incidentsHeldInMaintenance: incidents.filter { $0.firstMaintenance != nil }.count,
            incidentsWithoutAlert: incidents.filter { $0.maxSeverity == .none && !$0.isMaintenanceOnly }.count,
            deadLetters: dead.sorted { ($0.at, $0.sink) < ($1.at, $1.sink) })
    }
}

/// SiteTimes are a site's time totals in the range, in milliseconds: what tiers and adherence add up per client.
struct SiteTimes {
    /// Observed outside any window.
    var nonMaint: Int64
    /// Down outside any window.
    var down: Int64
    /// Down inside a window, agreed or not.
    var downInMaint: Int64
    /// In any window.
    var maint: Int64
    /// In a window nobody agreed with the client (on demand, a silence).
    var unagreed: Int64
    /// Down inside such a window.
    var downInUnagreed: Int64
}
