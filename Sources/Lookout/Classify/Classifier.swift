import Logging

/// Classifier is the `classify` stage: it enriches every result line with its site, tier, maintenance window,
/// state and severity, and writes incident lines for the transitions each check's `CheckTracker` decides.
///
/// It is the hot path of a replay, so a result line is never fully decoded: only its `ResultHead` is read, and the
/// original bytes are copied with the classification members appended.
public final class Classifier {
    /// Slot is one configured check: its tracker and everything needed to write its lines, prepared once.
    final class Slot {
        let id: String
        var tracker: CheckTracker
        let policy: CheckPolicy
        let calendar: MaintenanceCalendar
        /// `,"site":"acme","tier":"enhanced","maintenance":` ready to append.
        let prefix: [UInt8]
        let site: Site
        var dirty = false

        init(id: String, tracker: CheckTracker, policy: CheckPolicy, calendar: MaintenanceCalendar, site: Site) {
            self.id = id; self.tracker = tracker; self.policy = policy; self.calendar = calendar; self.site = site
            var p: [UInt8] = Array(",\"site\":".utf8)
            JSONText.appendQuoted(site.id, to: &p)
            p.append(contentsOf: ",\"tier\":".utf8)
            JSONText.appendQuoted(site.tier, to: &p)
            p.append(contentsOf: ",\"maintenance\":".utf8)
            prefix = p
        }
    }

    private var slots: [String: Slot] = [:]
    private var dirty: [Slot] = []
    private var unknownChecks: Set<String> = []
    private let store: ClassifyStateStore?
    private let logger: Logger
    private var scratch: [UInt8] = []
    private let stateMembers: [[UInt8]]
    private static let unknownSuffix = Array(",\"site\":null,\"tier\":null,\"maintenance\":null,\"state\":\"unknown\",\"severity\":\"none\"}".utf8)
    public private(set) var summary = ClassifySummary()

    /// `store`: where trackers persist (their saved state is loaded here); nil keeps state in memory only.
    public init(config: Config, store: ClassifyStateStore? = nil, logger: Logger = Logger(label: "classify")) throws {
        self.store = store
        self.logger = logger
        let saved = try store?.load(logger: logger) ?? [:]
        stateMembers = ResultState.allCases.map(\.member)
        for site in config.sites {
            guard let tier = config.tier(named: site.tier) else { continue }
            let calendar = MaintenanceCalendar(windows: site.maintenance, clock: LocalClock(site.timeZone))
            for check in site.checks {
                let settings = check.classify ?? config.classify
                let policy = CheckPolicy(check: check, tier: tier, settings: settings)
                var tracker = CheckTracker(flapWindow: settings.flapping.window)
                // A tracker saved under another flap window starts its history afresh rather than misreading it.
                if let s = saved[check.id], s.history.window == settings.flapping.window { tracker = s }
                slots[check.id] = Slot(id: check.id, tracker: tracker, policy: policy, calendar: calendar, site: site)
            }
        }
        scratch.reserveCapacity(4096)
    }

    /// Handles one line: results are classified, every other valid line passes through unchanged.
    public func handle(_ o: ScannedObject, writer: LineWriter) throws {
        guard try o.eventType() == "result" else {
            try EventPassThrough.handle(o, writer: writer)
            return
        }
        let head = try ResultHead(o)
        summary.results += 1
        guard let slot = slots[head.check] else {
            try writeUnknown(o, check: head.check, writer: writer)
            return
        }
        var obs = Observation(at: head.at, ok: head.ok, degraded: head.degraded, location: head.location)
        if !head.ok || head.degraded {
            obs.error = try o.optionalString(EventKeys.error)
            obs.failed = try o.optionalStrings(EventKeys.failed)
        }
        let window = slot.calendar.active(at: head.at)
        let verdict = slot.tracker.observe(obs, policy: slot.policy, maintenance: window)
        if store != nil, !slot.dirty { slot.dirty = true; dirty.append(slot) }
        if verdict.late { summary.lateResults += 1 }

        startLine(o)
        scratch.append(contentsOf: slot.prefix)
        if let window { JSONText.appendQuoted(window.name, to: &scratch) } else { scratch.append(contentsOf: "null".utf8) }
        scratch.append(contentsOf: stateMembers[stateIndex(verdict.state)])
        appendSeverity(verdict.severity)
        scratch.append(UInt8(ascii: "}"))
        try writer.write(scratch)

        for action in verdict.actions {
            summary.count(action, tier: slot.site.tier)
            guard case .incident(let change) = action else { continue }
            try writer.write(incidentEvent(change, slot: slot).encoded())
        }
    }

    /// Commits the state of every check touched since the last commit; called at each input batch's end, before
    /// the batch's lines are flushed, so no line ever announces a state a crash could lose.
    public func commit() throws { try commit(position: nil) }

    /// Commits as `commit()` does, with the stage's input and output position in the same transaction.
    public func commit(position: StreamPosition?) throws {
        guard let store, !dirty.isEmpty || position != nil else { return }
        try store.save(dirty.map { ($0.id, $0.tracker) }, position: position)
        for slot in dirty { slot.dirty = false }
        dirty.removeAll(keepingCapacity: true)
    }

    /// The tracker of a check, for tests and tools.
    public func tracker(for check: String) -> CheckTracker? { slots[check]?.tracker }

    // MARK: - Writing

    /// Puts the line into `scratch` without its closing brace, dropping classification members a previous run
    /// wrote so a re-classified log never holds them twice.
    private func startLine(_ o: ScannedObject) {
        scratch.removeAll(keepingCapacity: true)
        if hasClassificationMembers(o) {
            var w = JSONObjectWriter(copying: o, except: ResultEvent.classificationKeys)
            scratch.append(contentsOf: w.finish().dropLast())
            return
        }
        var end = o.bytes.count - 1
        while end > 0, o.bytes[end] != UInt8(ascii: "}") { end -= 1 }
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: o.bytes[..<end]))
    }

    private func hasClassificationMembers(_ o: ScannedObject) -> Bool {
        for f in o.fields {
            let len = f.keyEnd - f.keyStart
            guard f.keyEscaped || (len >= 4 && len <= 11) else { continue }
            let c = o.bytes[f.keyStart]
            guard f.keyEscaped || c == UInt8(ascii: "s") || c == UInt8(ascii: "t") || c == UInt8(ascii: "m") else { continue }
            if ResultEvent.classificationKeys.contains(where: { o.keyEquals(f, $0) }) { return true }
        }
        return false
    }

    private func stateIndex(_ s: ResultState) -> Int {
        switch s {
        case .up: 0
        case .failing: 1
        case .down: 2
        case .degraded: 3
        case .flapping: 4
        case .recovering: 5
        case .unknown: 6
        }
    }

    private func appendSeverity(_ s: Severity) {
        switch s {
        case .none: scratch.append(contentsOf: "\"none\"".utf8)
        case .info: scratch.append(contentsOf: "\"info\"".utf8)
        case .warning: scratch.append(contentsOf: "\"warning\"".utf8)
        case .critical: scratch.append(contentsOf: "\"critical\"".utf8)
        }
    }

    private func writeUnknown(_ o: ScannedObject, check: String, writer: LineWriter) throws {
        summary.unknownResults += 1
        if unknownChecks.insert(check).inserted {
            logger.warning("unknown check \"\(check)\": not in the config; its results pass through with state unknown")
        }
        startLine(o)
        scratch.append(contentsOf: Classifier.unknownSuffix)
        try writer.write(scratch)
    }

    private func incidentEvent(_ c: IncidentChange, slot: Slot) -> IncidentEvent {
        var e = IncidentEvent(id: c.id, event: c.event, check: slot.id, site: slot.site.id, tier: slot.site.tier,
                              severity: c.severity, at: c.at, since: c.since, reason: c.reason, maintenance: c.maintenance)
        e.state = c.kind.rawValue
        e.durationMs = c.durationMs
        e.error = c.error
        e.failed = c.failed
        e.siteName = slot.site.name
        e.url = slot.site.url
        return e
    }
}
