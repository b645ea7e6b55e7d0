import LookoutCore

/// CheckTracker is one check's confirmation state machine: it folds results, in event time, into the check's state
/// and returns the incident transitions they cause. It does no I/O and reads no clock, so it is tested with tables
/// and persisted as a value (`CheckTracker+State.swift`).
public struct CheckTracker: Sendable, Equatable {
    /// LocationState is the newest result seen from one location (`""` when results carry none).
    struct LocationState: Sendable, Equatable {
        var name: String
        var lastAt: Int64
        var outcome: Outcome
    }

    /// Outcome is a result (or, with several locations, the quorum's view) reduced to what confirmation needs.
    enum Outcome: UInt8, Sendable {
        case up, degraded, fail
        /// Some locations fail, but fewer than the quorum: not an outage.
        case partial
    }

    /// OpenIncident is the incident a check has open, at most one at a time.
    struct OpenIncident: Sendable, Equatable {
        var id: String
        var kind: IncidentKind
        var since: Int64
        /// The window it is held in (severity none); nil once it alerts.
        var maintenance: String?
        var severity: Severity
        var lastNotified: Int64
        var error: String?
        var failed: [String]?
        /// Who acknowledged it (an `ack` line): no more reminders, shown on its next line.
        var ackedBy: String? = nil
    }

    /// The newest event time seen for this check: the tracker's "now".
    var latest: Int64 = .min
    var locations: [LocationState] = []
    var failStreak = 0
    var failSince: Int64 = 0
    /// Degraded or failing results in a row: what confirms a degradation.
    var troubleStreak = 0
    var troubleSince: Int64 = 0
    var okStreak = 0
    var upStreak = 0
    /// When the current run of working (or fully normal) results began: where an incident's duration ends.
    var okSince: Int64 = 0
    var upSince: Int64 = 0
    /// A failure is running that has not opened an incident: it becomes a blip if it ends so.
    var inBlip = false
    var history: FlapHistory
    var flapping = false
    var incident: OpenIncident?
    /// When the last incident resolved: a new one never starts before it, so ids stay unique.
    var lastClosed: Int64 = .min
    var lastOutcome: Outcome = .up
    var lastError: String?
    var lastFailed: [String]?

    public init(flapWindow: Int = 21) { history = FlapHistory(window: flapWindow) }

    public var hasOpenIncident: Bool { incident != nil }
    public var isFlapping: Bool { flapping }
    /// The id of the open incident, if any.
    public var openIncidentID: String? { incident?.id }

    /// Records an ack of the open incident `id`; false when that incident is not the one open.
    public mutating func acknowledge(incident id: String, by: String) -> Bool {
        guard incident?.id == id else { return false }
        incident!.ackedBy = by
        return true
    }

    // MARK: - Observing

    public mutating func observe(_ obs: Observation, policy: CheckPolicy, maintenance: MaintenanceCalendar.Active?) -> Verdict {
        let at = obs.at.milliseconds
        // Too old to count, or not newer than what its location already reported (a duplicate or a replayed line).
        let name = obs.location ?? ""
        if latest != .min, at < latest - policy.settings.outOfOrder.milliseconds
            || locations.contains(where: { $0.name == name && at <= $0.lastAt }) {
            var v = currentVerdict()
            v.late = true
            return v
        }
        latest = max(latest, at)
        let now = latest
        if !obs.ok || obs.degraded {
            lastError = obs.error
            lastFailed = obs.failed
        }
        let outcome = aggregate(obs, policy: policy)
        lastOutcome = outcome
        var actions: [ClassifierAction] = []

        switch outcome {
        case .fail:
            if failStreak == 0 { failSince = now }
            failStreak += 1
            if troubleStreak == 0 { troubleSince = now }
            troubleStreak += 1
            okStreak = 0; upStreak = 0
            if incident == nil { inBlip = true }
        case .degraded:
            endFailStreak(&actions)
            if troubleStreak == 0 { troubleSince = now }
            troubleStreak += 1
            countOK(now, up: false)
        case .partial:
            // The quorum says not down, but some location still fails: the blip goes on.
            failStreak = 0
            troubleStreak = 0
            countOK(now, up: true)
            if incident == nil { inBlip = true }
        case .up:
            endFailStreak(&actions)
            troubleStreak = 0
            countOK(now, up: true)
        }
        history.record(failed: outcome == .fail, at: now)
        updateFlapping(policy.settings.flapping)

        decide(now: now, policy: policy, maintenance: maintenance, actions: &actions)
        var v = currentVerdict()
        v.actions = actions
        return v
    }

    private mutating func countOK(_ now: Int64, up: Bool) {
        if okStreak == 0 { okSince = now }
        okStreak += 1
        if up {
            if upStreak == 0 { upSince = now }
            upStreak += 1
        } else {
            upStreak = 0
        }
    }

    /// A failure streak ends: a blip unless it opened an incident.
    private mutating func endFailStreak(_ actions: inout [ClassifierAction]) {
        failStreak = 0
        if inBlip && incident == nil { actions.append(.blip) }
        inBlip = false
    }

    /// Folds the result into its location's slot and returns what the quorum of recently reporting locations says.
    private mutating func aggregate(_ obs: Observation, policy: CheckPolicy) -> Outcome {
        let own: Outcome = !obs.ok ? .fail : (obs.degraded ? .degraded : .up)
        let name = obs.location ?? ""
        let at = obs.at.milliseconds
        if let k = locations.firstIndex(where: { $0.name == name }) {
            locations[k].lastAt = at
            locations[k].outcome = own
        } else {
            locations.append(LocationState(name: name, lastAt: at, outcome: own))
        }
        if locations.count == 1 { return locations[0].outcome }
        // Only locations heard from in the last two intervals vote; one that went silent long ago is dropped.
        let horizon = latest - 2 * policy.every.milliseconds
        locations.removeAll { $0.lastAt < latest - 10 * policy.every.milliseconds && $0.name != name }
        var reporting = 0, failing = 0, troubled = 0
        for l in locations where l.lastAt >= horizon {
            reporting += 1
            if l.outcome == .fail { failing += 1; troubled += 1 } else if l.outcome == .degraded { troubled += 1 }
        }
        if reporting == 0 { return own }
        let needed = policy.settings.quorum.needed(reporting: reporting)
        if failing >= needed { return .fail }
        if troubled >= needed { return .degraded }
        return failing > 0 ? .partial : .up
    }

    private mutating func updateFlapping(_ rule: ClassifySettings.FlappingRule) {
        let pct = history.percentChange
        if !flapping, pct >= rule.high { flapping = true } else if flapping, pct < rule.low { flapping = false }
    }

    private func downConfirmed(_ now: Int64, _ rule: ConfirmRule) -> Bool {
        failStreak >= rule.failures && now - failSince >= rule.duration.milliseconds
    }

    private func degradedConfirmed(_ now: Int64, _ rule: ConfirmRule) -> Bool {
        troubleStreak >= rule.failures && now - troubleSince >= rule.duration.milliseconds
    }

    // MARK: - Deciding

    private mutating func decide(now: Int64, policy: CheckPolicy, maintenance: MaintenanceCalendar.Active?,
                                 actions: inout [ClassifierAction]) {
        if flapping {
            inBlip = false
            if incident == nil {
                let since = max(history.oldestFailure ?? now, lastClosed + 1)
                open(.flapping, since: since, now: now, policy: policy, maintenance: maintenance,
                     reason: flappingReason(policy), actions: &actions)
            } else if incident!.kind != .flapping {
                // The open incident now waits for the check to be stable before it resolves.
                change(to: .flapping, now: now, policy: policy, reason: flappingReason(policy), actions: &actions)
            }
        } else if let inc = incident {
            switch inc.kind {
            case .degraded:
                if downConfirmed(now, policy.confirm) {
                    change(to: .down, now: now, policy: policy, reason: "down: \(problem) (was degraded)", actions: &actions)
                } else if upStreak >= policy.recover.successes {
                    resolve(now: now, endedAt: upSince, reason: "back to normal after \(duration(upSince - inc.since))",
                            actions: &actions)
                }
            case .down, .flapping:
                if inc.kind == .flapping, downConfirmed(now, policy.confirm) {
                    change(to: .down, now: now, policy: policy, reason: "down: \(problem) (stopped flapping)", actions: &actions)
                } else if okStreak >= policy.recover.successes {
                    if upStreak >= policy.recover.successes || lastOutcome == .partial {
                        let what = inc.kind == .flapping ? "stable and up again" : "up again"
                        resolve(now: now, endedAt: okSince, reason: "\(what) after \(duration(okSince - inc.since))",
                                actions: &actions)
                    } else if degradedConfirmed(now, policy.confirm) || lastOutcome == .degraded {
                        change(to: .degraded, now: now, policy: policy, reason: "degraded: responding again but \(problem)",
                               actions: &actions)
                    }
                }
            }
        } else if downConfirmed(now, policy.confirm) {
            open(.down, since: max(failSince, lastClosed + 1), now: now, policy: policy, maintenance: maintenance,
                 reason: "down: \(problem) (\(failStreak) \(failStreak == 1 ? "failure" : "failures") over \(duration(now - failSince)))", actions: &actions)
        } else if degradedConfirmed(now, policy.confirm) && lastOutcome == .degraded {
            open(.degraded, since: max(troubleSince, lastClosed + 1), now: now, policy: policy, maintenance: maintenance,
                 reason: "degraded: \(problem)", actions: &actions)
        }
        guard var inc = incident else { return }
        if lastOutcome == .fail || lastOutcome == .degraded {
            inc.error = lastError
            inc.failed = lastFailed
        }
        if let held = inc.maintenance {
            if let w = maintenance {
                if w.name != held { inc.maintenance = w.name }
                incident = inc
            } else if stillInTrouble(inc.kind) {
                // The window is over and the check is still in trouble: now it alerts, since the true start.
                inc.maintenance = nil
                incident = inc
                change(to: inc.kind, now: now, policy: policy,
                       reason: "maintenance window \(held) ended, still \(inc.kind == .degraded ? "degraded" : "down"): \(problem)",
                       actions: &actions, force: true)
                if case .incident(var c)? = actions.last {
                    c.leftMaintenance = true
                    actions[actions.count - 1] = .incident(c)
                }
            } else {
                incident = inc
            }
        } else {
            incident = inc
            if let every = policy.settings.reminder, inc.severity > .none, inc.ackedBy == nil, now - inc.lastNotified >= every.milliseconds {
                let reason = "still \(inc.kind.rawValue) after \(duration(now - inc.since)): \(problem)"
                emit(.updated, now: now, reason: reason, actions: &actions)
            }
        }
    }

    private func stillInTrouble(_ kind: IncidentKind) -> Bool {
        switch kind {
        case .down: lastOutcome == .fail
        case .degraded: lastOutcome == .fail || lastOutcome == .degraded
        case .flapping: flapping || lastOutcome == .fail
        }
    }

    private var problem: String {
        if let e = lastError, !e.isEmpty { return e }
        if let f = lastFailed, !f.isEmpty { return f.joined(separator: ", ") }
        return lastOutcome == .degraded ? "degraded results" : "failing results"
    }

    private func flappingReason(_ policy: CheckPolicy) -> String {
        let pct = Int(history.percentChange.rounded())
        return "flapping: \(history.changes) state changes in the last \(history.count) results (\(pct)% weighted)"
    }

    private mutating func open(_ kind: IncidentKind, since: Int64, now: Int64, policy: CheckPolicy,
                               maintenance: MaintenanceCalendar.Active?, reason: String, actions: inout [ClassifierAction]) {
        let held = maintenance?.name
        // Callers keep `since` after the last resolution (ids stay unique); it can never be after now, even when a
        // late result from another location reopens at the very instant the last incident resolved.
        let since = min(since, now)
        incident = OpenIncident(id: "\(policy.checkID)/\(since)", kind: kind, since: since, maintenance: held,
                                severity: held == nil ? policy.severity(of: kind) : .none, lastNotified: now,
                                error: lastError, failed: lastFailed)
        inBlip = false
        emit(.opened, now: now, reason: reason, actions: &actions)
    }

    /// Changes the open incident's kind; writes `updated` when its severity changes (or when forced).
    private mutating func change(to kind: IncidentKind, now: Int64, policy: CheckPolicy, reason: String,
                                 actions: inout [ClassifierAction], force: Bool = false) {
        guard var inc = incident else { return }
        let before = inc.severity
        inc.kind = kind
        inc.severity = inc.maintenance == nil ? policy.severity(of: kind) : .none
        incident = inc
        if force || inc.severity != before { emit(.updated, now: now, reason: reason, actions: &actions) }
    }

    /// `endedAt`: when the first of the recovering results came in, which is when the trouble really ended.
    private mutating func resolve(now: Int64, endedAt: Int64, reason: String, actions: inout [ClassifierAction]) {
        emit(.resolved, now: now, reason: reason, actions: &actions, endedAt: max(endedAt, incident?.since ?? endedAt))
        lastClosed = now
        incident = nil
        inBlip = false
    }

    private mutating func emit(_ event: IncidentEvent.Event, now: Int64, reason: String, actions: inout [ClassifierAction],
                               endedAt: Int64? = nil) {
        guard var inc = incident else { return }
        inc.lastNotified = now
        incident = inc
        actions.append(.incident(IncidentChange(
            event: event, id: inc.id, kind: inc.kind, severity: inc.severity, at: Timestamp(milliseconds: now),
            since: Timestamp(milliseconds: inc.since), reason: reason, maintenance: inc.maintenance,
            durationMs: event == .resolved ? (endedAt ?? now) - inc.since : nil,
            error: event == .resolved ? nil : inc.error, failed: event == .resolved ? nil : inc.failed,
            ackedBy: inc.ackedBy)))
    }

    /// `1m30s`, `10m`, `2h5m`: whole seconds, exact, so a reason never rounds 90 s down to "1m".
    private func duration(_ ms: Int64) -> String { TimeSpan.milliseconds(ms / 1000 * 1000).description }

    // MARK: - Reading

    /// The state and severity a result gets given where the check stands now.
    func currentVerdict() -> Verdict {
        let severity = incident?.severity ?? .none
        if flapping { return Verdict(state: .flapping, severity: severity, actions: []) }
        let state: ResultState
        switch (incident?.kind, lastOutcome) {
        case (nil, .up): state = .up
        case (nil, .degraded): state = .degraded
        case (nil, _): state = .failing
        case (.down?, .fail), (.flapping?, .fail): state = .down
        case (.down?, _), (.flapping?, _): state = .recovering
        case (.degraded?, .fail), (.degraded?, .partial): state = .failing
        case (.degraded?, .degraded): state = .degraded
        case (.degraded?, .up): state = .recovering
        }
        return Verdict(state: state, severity: severity, actions: [])
    }
}

// Trackers are persisted as JSON; a severity is stored by its name.
extension Severity {}
