import LookoutCore

/// CheckTally accumulates one check's figures while the log streams past, in memory that does not grow with the
/// number of results (see docs/report.md, "How time is attributed").
///
/// Each result's state holds from its `at` until the next result of the same check, but never longer than the cap
/// (twice the check's interval): past that the check was not observed. Failing time is held aside until the
/// failing run ends: it becomes down time when the run confirms into `down`, and stays up time (a blip) otherwise.
public struct CheckTally: Sendable, Codable {
    public let id: String
    public var siteID: String?
    public var kind: String?
    var kindFromResults = false
    public let capMs: Int64
    let from: Int64, to: Int64

    /// The spans of time (observed, maintenance, down, degraded, flapping), attributed as classify's budget does.
    public private(set) var spans: SpanAttribution
    public var observed: IntervalSet { spans.observed }
    public var maintenance: IntervalSet { spans.maintenance }
    /// Down outside maintenance windows: what the SLA figure counts.
    public var down: IntervalSet { spans.down }
    /// Down inside a maintenance window: excluded from the SLA, shown for window adherence.
    public var downInMaintenance: IntervalSet { spans.downInMaintenance }
    /// Maintenance time in windows nobody agreed with the client (on-demand windows and silences).
    public var unagreedMaintenance: IntervalSet { spans.unagreedMaintenance }
    /// The names of the site's windows from the config: the agreed ones. Any other name on a result is on demand.
    public var agreedWindows: Set<String> = []
    public var degraded: IntervalSet { spans.degraded }
    public var flapping: IntervalSet { spans.flapping }
    /// Failing runs outside maintenance that recovered without confirming.
    public var blips: Int { spans.blips }
    /// Failing runs that started inside a maintenance window and never confirmed.
    public var maintenanceBlips: Int { spans.maintenanceBlips }
    /// A failing run still open at the end of the log: counted as up, neither blip nor outage.
    public var unconfirmedAtEnd: Int { spans.unconfirmedAtEnd }
    public var outOfOrder: Int { spans.outOfOrder }
    var hasPrevious: Bool { spans.hasPrevious }
    var previousAt: Int64 { spans.previousAt }
    var previousState: SampleState { spans.previousState }
    var previousInMaintenance: Bool { spans.previousInMaintenance }

    public private(set) var results = 0
    public private(set) var failures = 0
    public private(set) var failuresInMaintenance = 0
    public private(set) var unclassified = 0
    public private(set) var heartbeatsMissed = 0
    public private(set) var missedHeartbeatTimes: [Int64] = []
    public private(set) var overThreshold = 0
    public private(set) var failedAssertions: [String: Int] = [:]
    public var latency = LatencyHistogram()
    public var sparkline: Sparkline
    public var certificate: CertificateSeen?
    public var lastError: String?

    public static let missedHeartbeatTimesKept = 20

    public init(id: String, siteID: String?, kind: String?, capMs: Int64, range: ReportRange) {
        self.id = id
        self.siteID = siteID
        self.kind = kind
        self.capMs = capMs
        from = range.from.milliseconds
        to = range.to.milliseconds
        sparkline = Sparkline(from: from, to: to)
        spans = SpanAttribution(capMs: capMs, from: from, to: to)
    }

    @inline(__always) func inRange(_ t: Int64) -> Bool { t >= from && t < to }

    /// Takes one result. Results older than the previous one of this check (out of order across locations) count
    /// in the tallies but not in the timeline.
    /// `unagreed`: the window holding the result is not one of the agreed ones.
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
        spans.ingest(at: time, state: state, inMaintenance: inMaintenance, unagreed: unagreed)
    }

    /// Records a failing assertion of a host check (`failed`), for "hosts over thresholds".
    public mutating func countFailedAssertion(_ text: String) {
        if failedAssertions[text] != nil || failedAssertions.count < 50 { failedAssertions[text, default: 0] += 1 }
    }

    /// Closes the last result's span at the end of the log.
    public mutating func finish() { spans.finish() }
}

/// ResultKind is the result kinds the report treats specially.
public enum ResultKind: Sendable {
    case other, tls, heartbeat, host
}

/// CertificateSeen is the latest certificate expiry a tls check reported.
public struct CertificateSeen: Sendable, Equatable, Codable {
    public var at: Int64
    public var daysLeft: Double
    public var notAfter: String?
}

/// Sparkline keeps the mean latency of each of 96 equal slots of the range (15 minutes on a 24-hour day).
public struct Sparkline: Sendable, Codable {
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
