import Foundation
import LookoutCore

/// ReportAccumulator reads a classified log line by line and keeps per-check tallies, incidents and deliveries,
/// in memory bounded by the number of checks and incidents, never by the number of results.
public final class ReportAccumulator {
    public let config: Config
    public let range: ReportRange
    public private(set) var tallies: [CheckTally] = []
    private var index: [String: Int] = [:]
    public private(set) var incidents: [String: IncidentRecord] = [:]
    public private(set) var incidentOrder: [String] = []
    public private(set) var deliveries: [DeliveryRecord] = []
    public private(set) var resultLines = 0
    public private(set) var incidentLines = 0
    public private(set) var deliveryLines = 0
    /// Results of checks the config does not know, by check id.
    public private(set) var unknownChecks: [String: Int] = [:]
    /// When any result arrived: the report's "was the monitor itself running?" figure.
    public private(set) var activity: ResultActivity
    /// Which openings route was to announce, and when it did: the report's "was route delivering?" figure.
    private(set) var notifications: NotificationTracker
    /// The latest event time of any line read, in or out of the range: how far the log runs.
    private(set) var latestEventMs: Int64 = .min
    /// Whether the check's site has an SLA target (by tally index): its spans feed the client's error budget.
    private var budgeted: [Bool] = []
    /// Those checks' spans since the month's start (and the 6 h before the range's end), when the range starts later;
    /// empty when it starts there or before (a month's report, the status site): the tallies' own spans are those.
    private var budgetSpans: [SpanAttribution?] = []
    private var finished = false
    /// The sites whose status pages a line changed since this was last emptied: a check's change of state or of
    /// maintenance, an incident line, a delivery or a public note of one of the site's incidents. Kept only when set
    /// (the status follower sets it, to rewrite only those clients' pages); nil otherwise, and in a copy.
    public var changedSites: Set<String>?
    /// What changed since the status state was last saved (`takeUnsaved()`), so a save writes only that. Kept only
    /// when set (the status follower with `--state`); nil otherwise, and in a copy.
    public var unsaved: Unsaved?

    /// Unsaved is what a save must write beside the figures every save writes: the tallies (by index) that took a
    /// result, the incidents merged or noted, and the incidents and deliveries past those already saved.
    public struct Unsaved: Sendable, Equatable {
        public var tallies: Set<Int> = []
        public var incidents: Set<String> = []
        /// How many of `incidentOrder` and of `deliveries` the state holds: the rest are new.
        public var incidentsSaved = 0, deliveriesSaved = 0

        public init(incidentsSaved: Int = 0, deliveriesSaved: Int = 0) {
            self.incidentsSaved = incidentsSaved
            self.deliveriesSaved = deliveriesSaved
        }
    }

    /// What changed since the last take, and starts a new one: everything is then saved.
    public func takeUnsaved() -> Unsaved? {
        guard let taken = unsaved else { return nil }
        unsaved = Unsaved(incidentsSaved: incidentOrder.count, deliveriesSaved: deliveries.count)
        return taken
    }

    public init(config: Config, range: ReportRange) {
        self.config = config
        self.range = range
        activity = ResultActivity(range: range)
        notifications = NotificationTracker(config: config)
        let end = range.to.milliseconds
        // From the month's start (and the 6 h before the end); a longer range (the status site's) keeps all of it.
        let budgetFrom = min(range.from.milliseconds, ErrorBudget.month(containing: end - 1, clock: LocalClock(config.timeZone)).start,
                             end - ErrorBudget.longWindowMs)
        let ownBudgetSpans = budgetFrom < range.from.milliseconds
        for site in config.sites {
            let budgeted = config.tier(named: site.tier)?.sla != nil
            for check in site.checks {
                index[check.id] = tallies.count
                tallies.append(CheckTally(id: check.id, siteID: site.id, kind: check.kindName,
                                          capMs: check.every.milliseconds * 2, range: range))
                tallies[tallies.count - 1].agreedWindows = Set(site.maintenance.map(\.name))
                self.budgeted.append(budgeted)
                if ownBudgetSpans {
                    budgetSpans.append(budgeted ? SpanAttribution(capMs: check.every.milliseconds * 2, from: budgetFrom, to: end) : nil)
                }
            }
        }
    }

    /// A copy to build from while this one goes on reading (`finish()` closes spans, so the live one must not be).
    public func copy() -> ReportAccumulator {
        let c = ReportAccumulator(config: config, range: range, tallies: tallies, index: index, activity: activity,
                                  notifications: notifications)
        c.incidents = incidents; c.incidentOrder = incidentOrder; c.deliveries = deliveries
        c.resultLines = resultLines; c.incidentLines = incidentLines; c.deliveryLines = deliveryLines
        c.unknownChecks = unknownChecks; c.latestEventMs = latestEventMs
        c.finished = finished; c.budgeted = budgeted; c.budgetSpans = budgetSpans
        return c
    }

    private init(config: Config, range: ReportRange, tallies: [CheckTally], index: [String: Int],
                 activity: ResultActivity, notifications: NotificationTracker) {
        self.config = config; self.range = range; self.tallies = tallies; self.index = index
        self.activity = activity; self.notifications = notifications
    }

    /// Saved is everything read so far, as `report --status-site --follow --state` keeps it between runs; what the
    /// config gives (the checks' order, the router, which sites have an SLA target) is rebuilt from it at load.
    public struct Saved: Codable {
        var tallies: [CheckTally]
        var incidents: [String: IncidentRecord]
        var incidentOrder: [String]
        var deliveries: [DeliveryRecord]
        var resultLines: Int, incidentLines: Int, deliveryLines: Int
        var unknownChecks: [String: Int]
        var activity: ResultActivity
        var notifications: NotificationTracker.Saved
        var latestEventMs: Int64
        var budgetSpans: [SpanAttribution?]
    }

    /// What was read so far; only of a live accumulator (`finish()` not called).
    public var saved: Saved {
        precondition(!finished, "a finished accumulator has closed its spans: save the live one")
        return Saved(tallies: tallies, incidents: incidents, incidentOrder: incidentOrder, deliveries: deliveries,
                     resultLines: resultLines, incidentLines: incidentLines, deliveryLines: deliveryLines,
                     unknownChecks: unknownChecks, activity: activity, notifications: notifications.saved,
                     latestEventMs: latestEventMs, budgetSpans: budgetSpans)
    }

    /// SavedMismatch: the saved figures were counted for other checks (the config's sites or checks changed).
    public struct SavedMismatch: Error, CustomStringConvertible {
        public var description: String
    }

    /// Goes on from `saved`, counted with a config whose checks were the same (same ids in the same order, same
    /// site, interval and agreed windows, same range); throws `SavedMismatch` otherwise.
    public convenience init(config: Config, range: ReportRange, saved: Saved) throws {
        self.init(config: config, range: range)
        func skeleton(_ t: CheckTally) -> String {
            "\(t.id)|\(t.siteID ?? "")|\(t.capMs)|\(t.from)|\(t.to)|\(t.agreedWindows.sorted())"
        }
        let expected = tallies.map(skeleton), found = saved.tallies.map(skeleton)
        guard expected == found else {
            let differing = zip(expected, found).first { $0 != $1 }.map { " (first: \($0.1) now \($0.0))" } ?? ""
            throw SavedMismatch(description: "the saved figures are of \(found.count) checks, the config has \(expected.count)\(differing)")
        }
        guard saved.budgetSpans.count == budgetSpans.count else {
            throw SavedMismatch(description: "the saved error-budget spans do not match the config's sites")
        }
        tallies = saved.tallies
        incidents = saved.incidents; incidentOrder = saved.incidentOrder; deliveries = saved.deliveries
        resultLines = saved.resultLines; incidentLines = saved.incidentLines; deliveryLines = saved.deliveryLines
        unknownChecks = saved.unknownChecks; activity = saved.activity
        notifications = NotificationTracker(config: config, saved: saved.notifications)
        latestEventMs = saved.latestEventMs; budgetSpans = saved.budgetSpans
    }

    /// Takes one validated line; throws `EventError` for a line that breaks the contract (it is then set aside).
    public func consume(_ object: ScannedObject) throws(EventError) {
        switch try object.eventType() {
        case "result": try consumeResult(object)
        case "incident":
            let e = try IncidentEvent(object)
            incidentLines += 1
            latestEventMs = max(latestEventMs, e.at.milliseconds)
            notifications.incident(e)
            changedSites?.insert(e.site)
            if incidents[e.id] == nil {
                incidents[e.id] = IncidentRecord(e)
                incidentOrder.append(e.id)
            } else {
                incidents[e.id]!.merge(e)
                unsaved?.incidents.insert(e.id)
            }
        case "delivery":
            let d = try DeliveryEvent(object)
            deliveryLines += 1
            latestEventMs = max(latestEventMs, d.at.milliseconds)
            notifications.delivery(d)
            if changedSites != nil, let site = incidents[d.incident]?.site { changedSites!.insert(site) }
            guard d.at >= range.from, d.at < range.to else { return }
            deliveries.append(DeliveryRecord(incident: d.incident, event: d.event.rawValue, sink: d.sink,
                                             outcome: d.outcome, attempt: d.attempt, at: d.at, error: d.error,
                                             key: d.key, message: d.message))
        case "note":
            // A public note is an update for the client's status page; an internal one stays with the team's tools.
            guard case .note(let note) = try ControlEvent(object), note.visibility == .public else { return }
            latestEventMs = max(latestEventMs, note.at.milliseconds)
            guard let site = incidents[note.incident]?.site else { return }
            incidents[note.incident]!.publicNotes.append(IncidentRecord.PublicNote(at: note.at, text: note.text))
            changedSites?.insert(site)
            unsaved?.incidents.insert(note.incident)
        default:
            break
        }
    }

    /// The spans a check's error budget is counted from (by tally index); nil when its site has no SLA target.
    public func budgetSpan(_ index: Int) -> SpanAttribution? {
        guard budgeted[index] else { return nil }
        return budgetSpans.isEmpty ? tallies[index].spans : budgetSpans[index]
    }

    /// Closes every check's last span. Call once, after the last line.
    public func finish() {
        guard !finished else { return }
        finished = true
        for k in tallies.indices { tallies[k].finish() }
        for k in budgetSpans.indices { budgetSpans[k]?.finish() }
    }

    /// The event time budgets are taken at: the range's end, or the end of the minute of the newest event when the
    /// log stops before it (today's report), so burn rates are over the last hours that have data. The status board
    /// takes its budgets at its own "now" instead (StatusBuilder).
    public var budgetAsOf: Int64 {
        let end = range.to.milliseconds
        guard latestEventMs != .min, latestEventMs < end else { return end }
        return min(end, (latestEventMs / 60_000 + 1) * 60_000)
    }

    private func consumeResult(_ o: ScannedObject) throws(EventError) {
        // One decoder, one verdict: the line is checked member by member exactly as classify and route check it
        // (a `status: "200"` or `degraded: "no"` report once counted is refused here too), and only a line that
        // passes counts as a result.
        let head = try ResultHead(o)
        resultLines += 1
        let checkField = head.checkField, at = head.at.milliseconds, ok = head.ok, degraded = head.degraded
        var state = SampleState.unclassified, inMaintenance = false, maintenanceField: JSONField?
        var latency: Double?, kind = ResultKind.other, kindField: JSONField?
        var errorField: JSONField?, failedField: JSONField?, detailsField: JSONField?
        for f in o.fields {
            let len = f.keyEnd - f.keyStart
            guard !f.keyEscaped, len >= 2, len <= 11 else { continue }
            switch o.bytes[f.keyStart] {
            case UInt8(ascii: "d") where o.keyEquals(f, "details"):
                detailsField = f
            case UInt8(ascii: "s") where o.keyEquals(f, "state"):
                guard f.kind == .string || f.kind == .null else { throw EventError("field \"state\" must be a string") }
                if f.kind == .string { state = SampleState(state: o.string(f), ok: ok) }
            case UInt8(ascii: "m") where o.keyEquals(f, "maintenance"):
                guard f.kind == .string || f.kind == .null else { throw EventError("field \"maintenance\" must be a string or null") }
                inMaintenance = f.kind == .string
                if inMaintenance { maintenanceField = f }
            case UInt8(ascii: "l") where o.keyEquals(f, "latency_ms"):
                guard f.kind == .number || f.kind == .null else { throw EventError("field \"latency_ms\" must be a number") }
                if f.kind == .number { latency = o.double(f) }
            case UInt8(ascii: "k") where o.keyEquals(f, "kind"):
                if let body = o.unescapedStringBody(f) { kind = ReportAccumulator.resultKind(body); kindField = f }
            case UInt8(ascii: "e") where o.keyEquals(f, "error"):
                errorField = f
            case UInt8(ascii: "f") where o.keyEquals(f, "failed"):
                failedField = f
            default: continue
            }
        }
        if at > latestEventMs { latestEventMs = at }
        activity.note(at)
        let check = o.string(checkField)
        let k: Int
        if let found = index[check] {
            k = found
        } else {
            // A check the config does not know: listed apart, no time counted (classify marked it unknown).
            if at >= range.from.milliseconds && at < range.to.milliseconds { unknownChecks[check, default: 0] += 1 }
            return
        }
        // The result's own kind (http, tls, heartbeat, host...) names the check better than its config key.
        if !tallies[k].kindFromResults, let kindField {
            tallies[k].kind = o.string(kindField)
            tallies[k].kindFromResults = true
        }
        // A window the config does not name (an on-demand window or a silence) was not agreed with the client.
        let unagreed = maintenanceField.map { !tallies[k].agreedWindows.contains(o.string($0)) } ?? false
        let before = changedSites == nil ? nil : (tallies[k].previousState, tallies[k].previousInMaintenance)
        tallies[k].ingest(at: at, state: state, inMaintenance: inMaintenance, unagreed: unagreed, ok: ok, degradedFlag: degraded,
                          latencyMs: latency, kind: kind)
        if let before, before != (tallies[k].previousState, tallies[k].previousInMaintenance), let site = tallies[k].siteID {
            changedSites!.insert(site)
        }
        unsaved?.tallies.insert(k)
        if !budgetSpans.isEmpty, budgetSpans[k] != nil { budgetSpans[k]!.ingest(at: at, state: state, inMaintenance: inMaintenance) }
        guard at >= range.from.milliseconds && at < range.to.milliseconds else { return }
        if !ok, let errorField, errorField.kind == .string { tallies[k].lastError = o.string(errorField) }
        if kind == .host, !ok || degraded, let failedField, failedField.kind == .array, case .array(let items) = o.value(failedField) {
            for case .string(let s) in items { tallies[k].countFailedAssertion(s) }
        }
        if kind == .tls, let detailsField, detailsField.kind == .object {
            let details = o.value(detailsField)
            if let days = details["days_left"]?.doubleValue {
                let notAfter = details["not_after"]?.stringValue ?? details["expires_at"]?.stringValue
                if tallies[k].certificate == nil || tallies[k].certificate!.at <= at {
                    tallies[k].certificate = CertificateSeen(at: at, daysLeft: days, notAfter: notAfter)
                }
            }
        }
    }

    static func resultKind(_ b: UnsafeBufferPointer<UInt8>) -> ResultKind {
        switch b.count {
        case 3 where b[0] == UInt8(ascii: "t") && b[1] == UInt8(ascii: "l") && b[2] == UInt8(ascii: "s"): .tls
        case 4 where b.elementsEqual("host".utf8): .host
        case 9 where b.elementsEqual("heartbeat".utf8): .heartbeat
        default: .other
        }
    }
}
