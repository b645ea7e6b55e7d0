import LookoutCore

/// SampleState is a classified result's `state`, as far as time attribution cares.
public enum SampleState: UInt8, Sendable {
    case up, degraded, down, failing, flappingUp, flappingDown, recovering
    /// No `state` (the log was not classified) or `unknown` (a check the config does not know): no time is counted.
    case unclassified

    /// Down for availability: a confirmed outage, or a failing result while the check flaps.
    var isDown: Bool { self == .down || self == .flappingDown }
    var isFlapping: Bool { self == .flappingUp || self == .flappingDown }
}

/// CheckTally accumulates one check's figures while the log streams past, in memory that does not grow with the
/// number of results (see docs/report.md, "How time is attributed").
///
/// Each result's state holds from its `at` until the next result of the same check, but never longer than the cap
/// (twice the check's interval): past that the check was not observed. Failing time is held aside until the
/// failing run ends: it becomes down time when the run confirms into `down`, and stays up time (a blip) otherwise.
public struct CheckTally: Sendable {
    public let id: String
    public var siteID: String?
    public var kind: String?
    var kindFromResults = false
    public let capMs: Int64
    let from: Int64, to: Int64

    public private(set) var observed = IntervalSet()
    public private(set) var maintenance = IntervalSet()
    /// Down outside maintenance windows: what the SLA figure counts.
    public private(set) var down = IntervalSet()
    /// Down inside a maintenance window: excluded from the SLA, shown for window adherence.
    public private(set) var downInMaintenance = IntervalSet()
    /// Maintenance time in windows nobody agreed with the client: on-demand windows and silences from control lines
    /// (`classify maintenance|silence`), which classify names `maintenance:<id>` and `silence:<id>`.
    public private(set) var unagreedMaintenance = IntervalSet()
    /// The names of the site's windows from the config: the agreed ones. Any other name on a result is on demand.
    public var agreedWindows: Set<String> = []
    public private(set) var degraded = IntervalSet()

    public private(set) var results = 0
    public private(set) var failures = 0
    public private(set) var failuresInMaintenance = 0
    /// Failing runs outside maintenance that recovered without confirming.
    public private(set) var blips = 0
    /// Failing runs that started inside a maintenance window and never confirmed.
    public private(set) var maintenanceBlips = 0
    /// A failing run still open at the end of the log: counted as up, neither blip nor outage.
    public private(set) var unconfirmedAtEnd = 0
    public private(set) var outOfOrder = 0
    public private(set) var unclassified = 0
    public private(set) var heartbeatsMissed = 0
    public private(set) var missedHeartbeatTimes: [Int64] = []
    public private(set) var overThreshold = 0
    public private(set) var failedAssertions: [String: Int] = [:]
    public private(set) var flapping = IntervalSet()
    public var latency = LatencyHistogram()
    public var sparkline: Sparkline
    public var certificate: CertificateSeen?
    public var lastError: String?

    private(set) var hasPrevious = false
    private(set) var previousAt: Int64 = 0
    private(set) var previousState = SampleState.unclassified
    private(set) var previousInMaintenance = false
    private(set) var previousUnagreed = false
    private var pending = IntervalSet()
    private var pendingInMaintenance = IntervalSet()
    private var pendingStart: Int64 = 0
    private var pendingStartInMaintenance = false
    private var flapStart: Int64?

    public static let missedHeartbeatTimesKept = 20

    public init(id: String, siteID: String?, kind: String?, capMs: Int64, range: ReportRange) {
        self.id = id
        self.siteID = siteID
        self.kind = kind
        self.capMs = capMs
        from = range.from.milliseconds
        to = range.to.milliseconds
        sparkline = Sparkline(from: from, to: to)
    }

    @inline(__always) func inRange(_ t: Int64) -> Bool { t >= from && t < to }

    /// Takes one result. Results older than the previous one of this check (out of order across locations) count
    /// in the tallies but not in the timeline. `unagreed`: the window holding it is not one of the agreed ones.
    public mutating func ingest(at time: Int64, state: SampleState, inMaintenance: Bool, unagreed: Bool = false, ok: Bool,
                                degradedFlag: Bool, latencyMs: Double?, kind: ResultKind) {
        let counted = inRange(time)
        if counted {
            results += 1
            if state == .unclassified { unclassified += 1 }
            if !ok {
                failures += 1
                if inMaintenance { failuresInMaintenance += 1 }
                if kind == .heartbeat {
                    heartbeatsMissed += 1
                    if missedHeartbeatTimes.count < CheckTally.missedHeartbeatTimesKept { missedHeartbeatTimes.append(time) }
                }
            }
            if kind == .host, !ok || degradedFlag { overThreshold += 1 }
            if ok, let latencyMs {
                latency.record(latencyMs)
                sparkline.record(time, latencyMs)
            }
        }
        if hasPrevious {
            guard time >= previousAt else { outOfOrder += 1; return }
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
    }

    /// Records a failing assertion of a host check (`failed`), for "hosts over thresholds".
    public mutating func countFailedAssertion(_ text: String) {
        if failedAssertions[text] != nil || failedAssertions.count < 50 { failedAssertions[text, default: 0] += 1 }
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

/// ResultKind is the result kinds the report treats specially.
public enum ResultKind: Sendable {
    case other, tls, heartbeat, host
}

/// CertificateSeen is the latest certificate expiry a tls check reported.
public struct CertificateSeen: Sendable, Equatable {
    public var at: Int64
    public var daysLeft: Double
    public var notAfter: String?
}

/// Sparkline keeps the mean latency of each of 96 equal slots of the range (15 minutes on a 24-hour day).
public struct Sparkline: Sendable {
    public static let slots = 96
    let from: Int64, to: Int64
    private var sums: [Double] = []
    private var counts: [UInt32] = []

    init(from: Int64, to: Int64) { self.from = from; self.to = to }

    mutating func record(_ t: Int64, _ ms: Double) {
        if sums.isEmpty {
            sums = Array(repeating: 0, count: Sparkline.slots)
            counts = Array(repeating: 0, count: Sparkline.slots)
        }
        let slot = Int((t - from) * Int64(Sparkline.slots) / Swift.max(1, to - from))
        guard slot >= 0, slot < Sparkline.slots else { return }
        sums[slot] += ms
        counts[slot] += 1
    }

    /// The mean of each slot, nil where no successful result fell.
    public var means: [Double?] {
        guard !sums.isEmpty else { return [] }
        return (0..<Sparkline.slots).map { counts[$0] == 0 ? nil : sums[$0] / Double(counts[$0]) }
    }
}
