/// SampleState is a classified result's `state`, as far as time attribution cares.
public enum SampleState: UInt8, Sendable, Codable {
    case up, degraded, down, failing, flappingUp, flappingDown, recovering
    /// No `state` (the log was not classified) or `unknown` (a check the config does not know): no time is counted.
    case unclassified

    /// Down for availability: a confirmed outage, or a failing result while the check flaps.
    public var isDown: Bool { self == .down || self == .flappingDown }
    public var isFlapping: Bool { self == .flappingUp || self == .flappingDown }

    /// The state of a result's `state` member and `ok` (a flapping check is down while its results fail).
    public init(state: String, ok: Bool) {
        switch state {
        case "up": self = .up
        case "degraded": self = .degraded
        case "down": self = .down
        case "failing": self = .failing
        case "flapping": self = ok ? .flappingUp : .flappingDown
        case "recovering": self = .recovering
        default: self = .unclassified
        }
    }
}

/// SpanAttribution turns one check's classified results, in time order, into spans of time: observed, maintenance,
/// down (outside windows and inside them), degraded, flapping. It is the report's rule (docs/report.md, "How time is
/// attributed"), shared so that classify counts an error budget exactly as the report does:
///
/// Each result's state holds from its `at` until the next result of the same check, but never longer than the cap
/// (twice the check's interval): past that the check was not observed. Failing time is held aside until the
/// failing run ends: it becomes down time when the run confirms into `down`, and stays up time (a blip) otherwise.
public struct SpanAttribution: Sendable, Codable, Equatable {
    public let capMs: Int64
    /// Spans are clipped to `[from, to)`.
    public let from: Int64, to: Int64

    public private(set) var observed = IntervalSet()
    public private(set) var maintenance = IntervalSet()
    /// Down outside maintenance windows: what the SLA figure counts.
    public private(set) var down = IntervalSet()
    /// Down inside a maintenance window: excluded from the SLA, shown for window adherence.
    public private(set) var downInMaintenance = IntervalSet()
    /// Maintenance time in windows nobody agreed with the client: on-demand windows and silences from control lines
    /// (`classify maintenance|silence`), which classify names `maintenance:<id>` and `silence:<id>`.
    public private(set) var unagreedMaintenance = IntervalSet()
    public private(set) var degraded = IntervalSet()
    public private(set) var flapping = IntervalSet()

    /// Failing runs outside maintenance that recovered without confirming.
    public private(set) var blips = 0
    /// Failing runs that started inside a maintenance window and never confirmed.
    public private(set) var maintenanceBlips = 0
    /// A failing run still open at the end of the log: counted as up, neither blip nor outage.
    public private(set) var unconfirmedAtEnd = 0
    public private(set) var outOfOrder = 0

    public private(set) var hasPrevious = false
    public private(set) var previousAt: Int64 = 0
    public private(set) var previousState = SampleState.unclassified
    public private(set) var previousInMaintenance = false
    public private(set) var previousUnagreed = false
    private var pending = IntervalSet()
    private var pendingInMaintenance = IntervalSet()
    private var pendingStart: Int64 = 0
    private var pendingStartInMaintenance = false
    private var flapStart: Int64?

    public init(capMs: Int64, from: Int64, to: Int64) {
        self.capMs = capMs
        self.from = from
        self.to = to
    }

    @inline(__always) func inRange(_ t: Int64) -> Bool { t >= from && t < to }

    /// Takes one result; false when it is older than the previous one (it then does not move the timeline).
    /// `unagreed`: the window holding it is not one the site's config names.
    @discardableResult
    public mutating func ingest(at time: Int64, state: SampleState, inMaintenance: Bool, unagreed: Bool = false) -> Bool {
        if hasPrevious {
            guard time >= previousAt else { outOfOrder += 1; return false }
            attribute(previousAt, Swift.min(time, previousAt + capMs), previousState, previousInMaintenance, previousUnagreed)
        }
        if previousState == .failing && state != .failing && hasPrevious { settleFailingRun(confirmed: state.isDown) }
        if state == .failing && !(hasPrevious && previousState == .failing) {
            pendingStart = time
            pendingStartInMaintenance = inMaintenance
        }
        if state.isFlapping, flapStart == nil { flapStart = time }
        if !state.isFlapping, let s = flapStart {
            addClipped(&flapping, s, time)
            flapStart = nil
        }
        hasPrevious = true
        previousAt = time
        previousState = state
        previousInMaintenance = inMaintenance
        previousUnagreed = inMaintenance && unagreed
        return true
    }

    /// Closes the last result's span at the end of the log.
    public mutating func finish() {
        guard hasPrevious else { return }
        let end = previousAt + capMs
        attribute(previousAt, end, previousState, previousInMaintenance, previousUnagreed)
        if previousState == .failing {
            if inRange(pendingStart) { unconfirmedAtEnd += 1 }
            pending = IntervalSet(); pendingInMaintenance = IntervalSet()
        }
        if let s = flapStart { addClipped(&flapping, s, end); flapStart = nil }
        hasPrevious = false
    }

    /// Forgets spans that end before `time` (classify keeps only what its budget windows still need).
    public mutating func forget(before time: Int64) {
        for keyPath in [\SpanAttribution.observed, \.maintenance, \.down, \.downInMaintenance, \.unagreedMaintenance, \.degraded,
                        \.flapping] {
            self[keyPath: keyPath].remove(before: time)
        }
    }

    private mutating func settleFailingRun(confirmed: Bool) {
        if confirmed {
            down.formUnion(pending)
            downInMaintenance.formUnion(pendingInMaintenance)
        } else if inRange(pendingStart) {
            if pendingStartInMaintenance { maintenanceBlips += 1 } else { blips += 1 }
        }
        pending = IntervalSet()
        pendingInMaintenance = IntervalSet()
    }

    private mutating func attribute(_ a0: Int64, _ b0: Int64, _ state: SampleState, _ inMaintenance: Bool, _ unagreed: Bool) {
        guard state != .unclassified else { return }
        let a = Swift.max(a0, from), b = Swift.min(b0, to)
        guard a < b else { return }
        observed.add(a, b)
        if inMaintenance {
            maintenance.add(a, b)
            if unagreed { unagreedMaintenance.add(a, b) }
            if state.isDown { downInMaintenance.add(a, b) } else if state == .failing { pendingInMaintenance.add(a, b) }
        } else if state.isDown {
            down.add(a, b)
        } else if state == .failing {
            pending.add(a, b)
        } else if state == .degraded {
            degraded.add(a, b)
        }
    }

    private func addClipped(_ set: inout IntervalSet, _ a: Int64, _ b: Int64) {
        set.add(Swift.max(a, from), Swift.min(b, to))
    }
}
