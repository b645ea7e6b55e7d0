import Logging
import LookoutCore

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
        /// `,"site":"acme","tier":"enhanced","maintenance":` ready to append. Held by the slot itself, not in an
        /// array: appending an array's bytes retains and releases it, a cache miss on its count per line.
        let prefix: UnsafeBufferPointer<UInt8>
        let site: Site
        var dirty = false
        /// What the metrics last said of this check (`--metrics-listen`): changed gauges only are set.
        var shownState = ""
        var shownOpen: Bool?
        /// Whether the check's site has an SLA target, so its results feed the client's error budget.
        var budgeted = false

        init(id: String, tracker: CheckTracker, policy: CheckPolicy, calendar: MaintenanceCalendar, site: Site) {
            self.id = id; self.tracker = tracker; self.policy = policy; self.calendar = calendar; self.site = site
            var p: [UInt8] = Array(",\"site\":".utf8)
            JSONText.appendQuoted(site.id, to: &p)
            p.append(contentsOf: ",\"tier\":".utf8)
            JSONText.appendQuoted(site.tier, to: &p)
            p.append(contentsOf: ",\"maintenance\":".utf8)
            let owned = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: p.count)
            _ = owned.initialize(from: p)
            prefix = UnsafeBufferPointer(owned)
        }

        deinit { prefix.deallocate() }
    }

    /// The configured checks, found by id through `index` (from the line's bytes, without building a String).
    private let slots: [Slot]
    private let index: ByteKeyIndex
    private var dirty: [Slot] = []
    private var unknownChecks: Set<String> = []
    private let store: ClassifyStateStore?
    private let logger: Logger
    private static let unknownSuffix = Array(",\"site\":null,\"tier\":null,\"maintenance\":null,\"state\":\"unknown\",\"severity\":\"none\"}".utf8)
    public private(set) var summary = ClassifySummary()
    /// Silences and on-demand windows from control lines; `controlsDirty` once they changed since the last commit.
    public private(set) var controls = ControlBook()
    private var controlsDirty = false
    private let config: Config
    /// `classify --metrics-listen`: the state gauges and the stage's counts; nil when nobody scrapes.
    public var metrics: ClassifyMetrics?
    /// The newest event time of any result handled.
    public private(set) var latestEventMs: Int64?
    /// Each client's error budget and its warning incident (docs/classify.md, "Error-budget warnings").
    let budget: BudgetWatch

    /// `store`: where trackers persist (their saved state is loaded here); nil keeps state in memory only.
    public init(config: Config, store: ClassifyStateStore? = nil, logger: Logger = Logger(label: "classify")) throws {
        self.store = store
        self.logger = logger
        let saved = try store?.load(logger: logger) ?? [:]
        controls = try store?.loadControls(logger: logger) ?? ControlBook()
        self.config = config
        var slots: [Slot] = []
        for site in config.sites {
            guard let tier = config.tier(named: site.tier) else { continue }
            let calendar = MaintenanceCalendar(windows: site.maintenance, clock: LocalClock(site.timeZone))
            for check in site.checks {
                let settings = check.classify ?? config.classify
                let policy = CheckPolicy(check: check, tier: tier, settings: settings)
                var tracker = CheckTracker(flapWindow: settings.flapping.window)
                // A tracker saved under another flap window starts its history afresh rather than misreading it.
                if let s = saved[check.id], s.history.window == settings.flapping.window { tracker = s }
                slots.append(Slot(id: check.id, tracker: tracker, policy: policy, calendar: calendar, site: site))
            }
        }
        budget = BudgetWatch(config: config, saved: try store?.loadBudget() ?? [:]) { logger.warning("\($0)") }
        for slot in slots { slot.budgeted = budget.watches(slot.id) }
        self.slots = slots
        index = ByteKeyIndex(slots.map { $0.id })
    }

    /// Handles one line: results are classified, every other valid line passes through unchanged.
    public func handle(_ object: ScannedObject, writer: LineWriter) throws {
        guard try object.isEventType(EventKeys.result) else {
            if ControlEvent.types.contains(try object.eventType()) {
                try apply(ControlEvent(object))
                try writer.write(object.bytes)
            } else {
                try EventPassThrough.handle(object, writer: writer)
            }
            return
        }
        try classify(object, head: ResultHead(object), writer: writer)
    }

    /// `handle`, with a result's head already read on the reading thread (`StageLoop.runPipelined`), if it has one.
    public func handle(_ object: ScannedObject, ahead: ResultHead?, writer: LineWriter) throws {
        guard let ahead else { return try handle(object, writer: writer) }
        try classify(object, head: ahead, writer: writer)
    }

    private func classify(_ object: ScannedObject, head: ResultHead, writer: LineWriter) throws {
        summary.results += 1
        let found = object.unescapedStringBody(head.checkField).map { index.index(of: $0) } ?? index.index(of: head.check)
        guard let found else {
            try writeUnknown(object, head: head, writer: writer)
            return
        }
        let slot = slots[found]
        var obs = Observation(at: head.at, ok: head.ok, degraded: head.degraded, location: head.location)
        if !head.ok || head.degraded {
            obs.error = try object.optionalString(EventKeys.error)
            obs.failed = try object.optionalStrings(EventKeys.failed)
        }
        var window = slot.calendar.active(at: head.at)
        if window == nil, !controls.isEmpty {
            window = controls.active(check: slot.id, site: slot.site.id, client: slot.site.client, at: head.at)
        }
        let verdict = slot.tracker.observe(obs, policy: slot.policy, maintenance: window)
        markDirty(slot)
        if verdict.late { summary.lateResults += 1 }

        // Built straight into the writer's buffer: a line built elsewhere would be copied there once more.
        let prefix = slot.prefix, classified = head.classified
        try writer.writeLine { line in
            Classifier.startLine(object, classified: classified, into: &line)
            line.append(contentsOf: prefix)
            if let window { JSONText.appendQuoted(window.name, to: &line) } else { line.append(contentsOf: "null".utf8) }
            Classifier.appendState(verdict.state, to: &line)
            Classifier.appendSeverity(verdict.severity, to: &line)
            line.append(UInt8(ascii: "}"))
        }

        for action in verdict.actions {
            summary.count(action, tier: slot.site.tier)
            guard case .incident(let change) = action else { continue }
            var event = incidentEvent(change, slot: slot)
            if change.event != .resolved { event.screenshot = Classifier.screenshot(of: object) }
            try writer.write(event.encoded())
            metrics?.incident(change.event)
        }
        if slot.budgeted, !verdict.late {
            let (figure, warning) = budget.observe(check: slot.id, at: head.at.milliseconds,
                                                   state: SampleState(state: verdict.state.rawValue, ok: head.ok),
                                                   inMaintenance: window != nil)
            if let warning {
                try writer.write(warning.encoded())
                metrics?.incident(warning.event)
            }
            if let figure { metrics?.budget(figure) }
        }
        if latestEventMs ?? .min < head.at.milliseconds { latestEventMs = head.at.milliseconds }
        if let metrics { show(slot, state: window != nil ? "maintenance" : verdict.state.rawValue, metrics: metrics) }
    }

    /// Updates the check's gauges when what they say changed.
    private func show(_ slot: Slot, state: String, metrics: ClassifyMetrics) {
        if slot.shownState != state {
            metrics.state(check: slot.id, state)
            slot.shownState = state
        }
        let open = slot.tracker.hasOpenIncident
        if slot.shownOpen != open {
            metrics.incidentOpen(check: slot.id, open)
            slot.shownOpen = open
        }
    }

    /// Commits the state of every check touched since the last commit; called at each input batch's end, before
    /// the batch's lines are flushed, so no line ever announces a state a crash could lose.
    public func commit() throws { try commit(position: nil) }

    /// Commits as `commit()` does, with the stage's input and output position in the same transaction.
    public func commit(position: StreamPosition?) throws {
        guard let store, !dirty.isEmpty || position != nil || controlsDirty || budget.hasChanges else { return }
        try store.save(dirty.map { ($0.id, $0.tracker) }, position: position, controls: controlsDirty ? controls : nil,
                       budget: budget.takeChanges())
        controlsDirty = false
        for slot in dirty { slot.dirty = false }
        dirty.removeAll(keepingCapacity: true)
    }

    // MARK: - Control lines

    /// Applies a person's control line in event time, or refuses it (the stage reports it with its line number):
    /// a window over the configured maximum or matching no check, an ack of an incident that is not open, a note
    /// on an incident classify never had, an end of a window it does not know.
    func apply(_ control: ControlEvent) throws(EventError) {
        try ControlRules.validate(control, config: config)
        switch control {
        case .window(let w):
            if controls.add(w) { controlsDirty = true }
            if controls.prune(before: w.at) { controlsDirty = true }
        case .end(let e):
            guard controls.end(kind: e.kind, id: e.id, at: e.at) else {
                throw EventError("no \(e.kind == .silence ? "silence" : "on-demand maintenance window") with id \"\(e.id)\"")
            }
            controlsDirty = true
        case .ack(let a):
            guard let slot = slot(ofIncident: a.incident), slot.tracker.openIncidentID == a.incident else {
                throw EventError("unknown incident \"\(a.incident)\": no open incident has that id")
            }
            _ = slot.tracker.acknowledge(incident: a.incident, by: a.by)
            markDirty(slot)
        case .note(let n):
            guard let slot = slot(ofIncident: n.incident), let since = Int64(n.incident.split(separator: "/").last ?? ""),
                  slot.tracker.openIncidentID == n.incident || since <= slot.tracker.latest else {
                throw EventError("unknown incident \"\(n.incident)\"")
            }
        }
    }

    /// The slot of the check an incident id (`<check>/<since ms>`) names.
    private func slot(ofIncident id: String) -> Slot? {
        guard let cut = id.lastIndex(of: "/") else { return nil }
        return index.index(of: String(id[..<cut])).map { slots[$0] }
    }

    /// Queues the slot for the next commit, once.
    @inline(__always) private func markDirty(_ slot: Slot) {
        if store != nil, !slot.dirty { slot.dirty = true; dirty.append(slot) }
    }

    /// The tracker of a check, for tests and tools.
    public func tracker(for check: String) -> CheckTracker? { index.index(of: check).map { slots[$0].tracker } }

    // MARK: - Writing

    /// Appends the line to `line` without its closing brace, dropping classification members a previous run
    /// wrote (`classified`, as `ResultHead` found) so a re-classified log never holds them twice.
    private static func startLine(_ o: ScannedObject, classified: Bool, into line: inout [UInt8]) {
        if classified {
            var w = JSONObjectWriter(copying: o, except: ResultEvent.classificationKeys)
            line.append(contentsOf: w.finish().dropLast())
            return
        }
        var end = o.bytes.count - 1
        while end > 0, o.bytes[end] != UInt8(ascii: "}") { end -= 1 }
        line.append(contentsOf: UnsafeBufferPointer(rebasing: o.bytes[..<end]))
    }

    /// `,"state":"up","severity":` for the state, from a literal (no array to retain).
    private static func appendState(_ s: ResultState, to line: inout [UInt8]) {
        let member: StaticString = switch s {
        case .up: ",\"state\":\"up\",\"severity\":"
        case .failing: ",\"state\":\"failing\",\"severity\":"
        case .down: ",\"state\":\"down\",\"severity\":"
        case .degraded: ",\"state\":\"degraded\",\"severity\":"
        case .flapping: ",\"state\":\"flapping\",\"severity\":"
        case .recovering: ",\"state\":\"recovering\",\"severity\":"
        case .unknown: ",\"state\":\"unknown\",\"severity\":"
        }
        line.append(contentsOf: UnsafeBufferPointer(start: member.utf8Start, count: member.utf8CodeUnitCount))
    }

    private static func appendSeverity(_ s: Severity, to line: inout [UInt8]) {
        switch s {
        case .none: line.append(contentsOf: "\"none\"".utf8)
        case .info: line.append(contentsOf: "\"info\"".utf8)
        case .warning: line.append(contentsOf: "\"warning\"".utf8)
        case .critical: line.append(contentsOf: "\"critical\"".utf8)
        }
    }

    private func writeUnknown(_ o: ScannedObject, head: ResultHead, writer: LineWriter) throws {
        summary.unknownResults += 1
        if unknownChecks.insert(head.check).inserted {
            logger.warning("unknown check \"\(head.check)\": not in the config; its results pass through with state unknown")
        }
        try writer.writeLine { line in
            Classifier.startLine(o, classified: head.classified, into: &line)
            line.append(contentsOf: Classifier.unknownSuffix)
        }
    }

    /// The screenshot a failed browser run left (`details.screenshot`), read only for a line that writes an
    /// incident: the picture of the page at the moment the incident opened or changed.
    static func screenshot(of result: ScannedObject) -> String? {
        guard let field = result.field(EventKeys.details), field.kind == .object else { return nil }
        return result.value(field)["screenshot"]?.stringValue
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
        e.ackedBy = c.ackedBy
        return e
    }
}
