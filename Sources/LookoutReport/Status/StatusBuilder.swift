import Foundation
import LookoutCore

/// StatusBuilder turns report's accumulator into a `StatusSnapshot`: per client and component the current status,
/// 90 local days of availability (report's own interval sets, clipped to each day, so each figure equals
/// `report --client X --day D`), open and past incidents with their timeline and deliveries, and the coming
/// maintenance windows. Pure: "now" is the newest event time read, never the wall clock.
public struct StatusBuilder {
    public static let days = 90
    public static let maintenancesShown = 5

    public var accumulator: ReportAccumulator
    public var linesRejected: Int

    /// Following: how long report has read no new line, by the wall clock (`MonitorHealth.readerSilentMs`).
    public var readerSilentMs: Int64?

    /// The clients whose own pages are to be written (nil: every client). The others are built for the board only,
    /// without their past incidents, the larger part of a client's build; the board is the same either way.
    public var pagesOf: Set<String>?

    public init(accumulator: ReportAccumulator, linesRejected: Int, readerSilentMs: Int64? = nil) {
        self.accumulator = accumulator
        self.linesRejected = linesRejected
        self.readerSilentMs = readerSilentMs
    }

    /// The range the status site reads with: wide enough for any log, as only day-clipped figures are used.
    public static let readingRange = ReportRange(from: Timestamp(milliseconds: 946_684_800_000),
                                                 to: Timestamp(milliseconds: 4_102_444_800_000),
                                                 label: "status", isSingleDay: false)

    /// The sites of a client, as `report --client` selects them.
    static func members(_ client: String, config: Config) -> [Site] { ReportBuilder.sites(forClient: client, in: config) }

    /// A check's newest result, taken before `finish()` closes the spans (and forgets it).
    struct Latest { var at: Int64, state: SampleState, inMaintenance: Bool, capMs: Int64 }

    public func build() -> StatusSnapshot {
        let config = accumulator.config
        var latest: [String: Latest] = [:]
        for t in accumulator.tallies where t.hasPrevious {
            latest[t.id] = Latest(at: t.previousAt, state: t.previousState, inMaintenance: t.previousInMaintenance, capMs: t.capMs)
        }
        accumulator.finish()
        let nowMs = max(accumulator.latestEventMs, accumulator.activity.latestMs ?? .min)
        let now = nowMs == .min ? 0 : nowMs
        let clock = LocalClock(config.timeZone)
        let today = clock.day(containing: Timestamp(milliseconds: now))
        var dayBounds: [LocalDay] = [today]
        while dayBounds.count < StatusBuilder.days {
            dayBounds.insert(clock.day(containing: Timestamp(milliseconds: dayBounds[0].start.milliseconds - 1)), at: 0)
        }
        var tallyByCheck: [String: CheckTally] = [:]
        for t in accumulator.tallies { tallyByCheck[t.id] = t }
        var sinksByIncident: [String: [String]] = [:]
        for d in accumulator.deliveries where d.outcome == .sent {
            if !(sinksByIncident[d.incident]?.contains(d.sink) ?? false) { sinksByIncident[d.incident, default: []].append(d.sink) }
        }
        let windowStart = dayBounds[0].start.milliseconds
        // The incidents the pages show (not budget warnings, not resolved before the 90 days), by site: looked up once
        // here, not once per client.
        var shownBySite: [String: [IncidentRecord]] = [:]
        for id in accumulator.incidentOrder {
            guard let r = accumulator.incidents[id], !r.isBudget, (r.resolvedAt?.milliseconds ?? .max) >= windowStart else { continue }
            shownBySite[r.site, default: []].append(r)
        }

        // Each day with its label, made once for every component.
        let days = dayBounds.map { (day: $0, label: $0.label) }
        var clients: [StatusClient] = []
        for name in ReportBuilder.clients(in: config) {
            let entry = config.status.client(named: name)
            let sites = StatusBuilder.members(name, config: config)
            let published = entry?.enabled ?? sites.contains { config.status.shows(tier: $0.tier) }
            var components: [StatusComponent] = []
            for site in sites {
                components.append(component(id: site.id, name: site.name, site: site, check: nil,
                                            tallies: site.checks.compactMap { tallyByCheck[$0.id] },
                                            latest: site.checks.compactMap { latest[$0.id] }, days: days, now: now))
                for checkID in entry?.publicChecks ?? [] {
                    guard let check = site.checks.first(where: { $0.id == checkID }), let t = tallyByCheck[checkID] else { continue }
                    components.append(component(id: check.id, name: check.name ?? check.id, site: site, check: check.id,
                                                tallies: [t], latest: latest[checkID].map { [$0] } ?? [], days: days, now: now))
                }
            }
            let withPast = pagesOf?.contains(name) ?? true
            let incidents = sites.flatMap { shownBySite[$0.id] ?? [] }
                .filter { withPast || $0.resolvedAt == nil }
                .map { incident($0, client: name, sites: sites, sinks: sinksByIncident[$0.id] ?? [], now: now) }
                .sorted { ($1.opened, $0.id) < ($0.opened, $1.id) }
            // An open incident the results do not show yet (the line came first) still makes its site down.
            for i in incidents where i.resolved == nil && !i.maintenanceOnly {
                guard let k = components.firstIndex(where: { $0.site == i.site && $0.check == nil }) else { continue }
                let s: ComponentStatus = i.state == "degraded" ? .degraded : i.state == "flapping" ? .flapping : .down
                if s < components[k].status { components[k].status = s }
            }
            let zone = sites.first?.timeZone ?? config.timeZone
            clients.append(StatusClient(
                name: name, folder: config.status.folder(for: name), title: entry?.title ?? "\(name) status",
                contact: entry?.contact, timeZone: zone.identifier,
                status: components.map(\.status).min() ?? .nodata, components: components,
                openIncidents: incidents.filter { $0.resolved == nil },
                pastIncidents: incidents.filter { $0.resolved != nil },
                maintenances: maintenances(sites, now: now), published: published))
        }
        let lastResult = accumulator.activity.latestMs
        let silent = lastResult.map { now - $0 }
        let readerSilent = readerSilentMs.flatMap { $0 > config.status.staleAfter.milliseconds ? $0 : nil }
        let monitor = MonitorHealth(
            lastResultAt: lastResult.map(ReportBuilder.rfc), lastLineAt: nowMs == .min ? nil : ReportBuilder.rfc(now),
            stale: lastResult == nil || silent! > config.status.staleAfter.milliseconds || readerSilent != nil, silentMs: silent,
            readerSilentMs: readerSilent,
            results: accumulator.resultLines, incidentLines: accumulator.incidentLines,
            deliveryLines: accumulator.deliveryLines, linesRejected: linesRejected)
        var snapshot = StatusSnapshot(title: config.status.title, updatedAt: ReportBuilder.rfc(now),
                                      timeZone: config.timeZone.identifier, clients: clients, monitor: monitor)
        if nowMs != .min {
            snapshot.budgets = ReportBuilder(accumulator: accumulator, linesRead: 0, linesRejected: 0).budgets(asOf: now + 1)
        }
        return snapshot
    }

    /// A site (the union of its checks, as report counts a site) or a single public check.
    private func component(id: String, name: String, site: Site, check: String?, tallies: [CheckTally],
                           latest: [Latest], days: [(day: LocalDay, label: String)], now: Int64) -> StatusComponent {
        let spans = SiteSpans(tallies)
        let dayFigures = days.map { d -> StatusDay in
            let f = spans.figures(from: d.day.start.milliseconds, to: d.day.end.milliseconds)
            return StatusDay(day: d.label, availability: f.availability, observedMs: f.observedMs,
                             maintenanceMs: f.maintenanceMs, downMs: f.downMs, degradedMs: f.degradedMs)
        }
        let whole = spans.figures(from: days[0].day.start.milliseconds, to: days[days.count - 1].day.end.milliseconds)
        let stripFrom = now - 86_400_000
        let strip = spans.clipped(stripFrom, now).strip(from: stripFrom, to: now)
        var status = ComponentStatus.nodata
        var last: Int64?
        for t in latest {
            last = max(last ?? .min, t.at)
            guard now - t.at <= t.capMs else { continue }
            let s = StatusBuilder.status(t.state, inMaintenance: t.inMaintenance)
            if status == .nodata || s < status { status = s }
        }
        return StatusComponent(id: id, name: name, site: site.id, check: check, status: status,
                               lastResultAt: last.map(ReportBuilder.rfc), availability: whole.availability,
                               days: dayFigures, strip: strip)
    }

    /// A check's status from its newest classified result.
    static func status(_ state: SampleState, inMaintenance: Bool) -> ComponentStatus {
        if inMaintenance { return .maintenance }
        switch state {
        case .down: return .down
        case .flappingUp, .flappingDown: return .flapping
        case .degraded, .recovering: return .degraded
        case .up, .failing: return .up  // a failing run is not confirmed yet: still up for the client
        case .unclassified: return .nodata
        }
    }

    private func incident(_ r: IncidentRecord, client: String, sites: [Site], sinks: [String], now: Int64) -> StatusIncident {
        let siteName = sites.first { $0.id == r.site }?.name ?? r.site
        let state = r.state ?? "down"
        let end = r.resolvedAt?.milliseconds ?? now
        // The incident's own steps and the team's public notes, in time order (a note stays after a step at the
        // same moment).
        let stepUpdates = r.steps.map { step in
            (at: step.at, update: StatusUpdate(event: step.event.rawValue, at: step.at.rfc3339,
                                               body: StatusBuilder.updateSentence(step, siteName: siteName)))
        }
        let noteUpdates = r.publicNotes.map { note in
            (at: note.at, update: StatusUpdate(event: "note", at: note.at.rfc3339, body: Redactor.shared.redact(note.text)))
        }
        var merged = stepUpdates
        for note in noteUpdates {
            let index = merged.firstIndex { $0.at > note.at } ?? merged.endIndex
            merged.insert(note, at: index)
        }
        let updates = merged.map(\.update)
        return StatusIncident(
            publicID: StatusBuilder.publicID(r.id), id: r.id, client: client, site: r.site, siteName: siteName,
            check: r.check, state: state, severity: r.maxSeverity.rawValue, opened: r.since.rfc3339,
            updated: (r.steps.last?.at ?? r.since).rfc3339, resolved: r.resolvedAt?.rfc3339,
            durationMs: r.durationMs ?? max(0, end - r.since.milliseconds), maintenanceOnly: r.isMaintenanceOnly,
            sentence: StatusBuilder.sentence(r, siteName: siteName, now: now),
            reason: Redactor.shared.redact(r.reason), updates: updates, alerted: !sinks.isEmpty, deliveredTo: sinks,
            screenshot: r.resolvedAt == nil ? r.screenshot.map { StatusScreenshot(source: $0) } : nil)
    }

    /// What went wrong, in a client's words.
    static func problem(_ state: String?) -> String {
        switch state {
        case "degraded": "was responding slowly"
        case "flapping": "was intermittently unavailable"
        default: "was unavailable"
        }
    }

    /// One sentence for an incident: what happened, since when, and whether it is over.
    static func sentence(_ r: IncidentRecord, siteName: String, now: Int64) -> String {
        if r.isMaintenanceOnly { return "\(siteName) was interrupted during planned maintenance." }
        if let resolved = r.resolvedAt {
            let d = ReportText.duration(r.durationMs ?? resolved.milliseconds - r.since.milliseconds)
            return "\(siteName) \(problem(r.state)) for \(d); it has been working normally since."
        }
        let d = ReportText.duration(max(0, now - r.since.milliseconds))
        return "\(siteName) \(problem(r.state).replacingOccurrences(of: "was ", with: "is ")) (for \(d) so far); we are working on it."
    }

    static func updateSentence(_ step: IncidentStep, siteName: String) -> String {
        switch step.event {
        case .opened: "We are investigating: \(siteName) \(problem(step.state).replacingOccurrences(of: "was ", with: "is "))."
        case .updated: "Update: \(siteName) \(problem(step.state).replacingOccurrences(of: "was ", with: "is ")); we are still working on it."
        case .resolved: "Resolved: \(siteName) is working normally again."
        }
    }

    /// A short stable id (FNV-1a of the incident id): incident ids name checks, which a client page may not show.
    static func publicID(_ id: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in id.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// The next occurrences of the sites' windows (the current one first, if one is on), each in its site's zone.
    private func maintenances(_ sites: [Site], now: Int64) -> [StatusMaintenance] {
        var out: [StatusMaintenance] = []
        for site in sites where !site.maintenance.isEmpty {
            let clock = LocalClock(site.timeZone)
            let calendar = MaintenanceCalendar(windows: site.maintenance, clock: clock)
            var day = clock.day(containing: Timestamp(milliseconds: now))
            var found: [StatusMaintenance] = []
            // Weekly windows come at least once in eight days; one-off ones are listed when within 35 days.
            for _ in 0..<35 where found.count < StatusBuilder.maintenancesShown {
                for o in calendar.occurrences(on: day.start) where o.end.milliseconds > now
                    && !found.contains(where: { $0.name == o.name && $0.start == o.start.rfc3339 }) {
                    found.append(StatusMaintenance(site: site.id, siteName: site.name, name: o.name, start: o.start.rfc3339,
                                                   end: o.end.rfc3339, inProgress: o.start.milliseconds <= now))
                }
                day = clock.day(containing: day.end)
            }
            out += found
        }
        return Array(out.sorted { ($0.start, $0.site) < ($1.start, $1.site) }.prefix(StatusBuilder.maintenancesShown))
    }
}
