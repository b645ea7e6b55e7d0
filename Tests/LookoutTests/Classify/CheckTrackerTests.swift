@testable import LookoutClassify
@testable import LookoutCore
import Testing

/// Table tests of the confirmation state machine, driven directly with observations in event time.
@Suite struct CheckTrackerTests {
    static let policy = CheckPolicy(checkID: "c", every: .seconds(30), confirm: ConfirmRule(failures: 3, duration: .seconds(90)),
                                    recover: RecoverRule(successes: 2), outage: .critical, degraded: .warning)

    /// Feeds a pattern ('.' ok, 'x' failed, 'd' degraded), one result every 30 s, and returns the states written on
    /// each result and the incident events in order.
    static func drive(_ pattern: String, policy: CheckPolicy = policy, tracker: inout CheckTracker,
                      window: (Int, Int)? = nil, start: Int64 = 0) -> (states: String, events: [IncidentChange], blips: Int) {
        var states: [String] = [], events: [IncidentChange] = [], blips = 0
        for (k, c) in pattern.enumerated() {
            let at = Timestamp(milliseconds: start + Int64(k) * 30_000)
            let obs = Observation(at: at, ok: c != "x", degraded: c == "d", error: c == "x" ? "refused" : (c == "d" ? "slow" : nil))
            var active: MaintenanceCalendar.Active?
            if let (from, to) = window, k >= from, k < to {
                active = .init(name: "w", start: Timestamp(milliseconds: Int64(from) * 30_000), end: Timestamp(milliseconds: Int64(to) * 30_000))
            }
            let v = tracker.observe(obs, policy: policy, maintenance: active)
            states.append(v.state.rawValue)
            for a in v.actions {
                switch a {
                case .blip: blips += 1
                case .incident(let e): events.append(e)
                }
            }
        }
        return (states.joined(separator: " "), events, blips)
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var pattern: String
        var events: [String]
        var blips: Int
        var testDescription: String { pattern }
    }

    static let cases: [Case] = [
        // Two failures never confirm; three failures over only 60 s do not either; four (90 s) do.
        Case(pattern: "..xx..", events: [], blips: 1),
        Case(pattern: "..xxx..", events: [], blips: 1),
        Case(pattern: "..xxxx..", events: ["opened down critical", "resolved down critical"], blips: 0),
        // One success in the middle restarts the count; the last run has not ended yet, so it is no blip yet.
        Case(pattern: "xxx.xxx.xxx", events: [], blips: 2),
        // Recovery needs two successes in a row.
        Case(pattern: "xxxxx.x..", events: ["opened down critical", "resolved down critical"], blips: 0),
        // Degraded confirms the same way, and an outage supersedes it.
        Case(pattern: "dddd..", events: ["opened degraded warning", "resolved degraded warning"], blips: 0),
        Case(pattern: "ddddxxxx..", events: ["opened degraded warning", "updated down critical", "resolved down critical"], blips: 0),
        // Down, then working but degraded: the incident steps down to a degraded one rather than resolving.
        Case(pattern: "xxxxdd..", events: ["opened down critical", "updated degraded warning", "resolved degraded warning"], blips: 0),
    ]

    @Test(arguments: cases)
    func confirmation(_ c: Case) {
        var t = CheckTracker()
        let r = Self.drive(c.pattern, tracker: &t)
        #expect(r.events.map { "\($0.event.rawValue) \($0.kind.rawValue) \($0.severity.rawValue)" } == c.events)
        #expect(r.blips == c.blips)
        #expect(!t.hasOpenIncident)
    }

    @Test func statesAlongAnOutage() {
        var t = CheckTracker()
        let r = Self.drive("..xxxxx..", tracker: &t)
        #expect(r.states == "up up failing failing failing down down recovering up")
    }

    @Test func incidentKeepsOneIdAndMeasuresTheOutage() {
        var t = CheckTracker()
        let r = Self.drive(".xxxxxxxxxx..", tracker: &t)
        #expect(r.events.count == 2)
        #expect(Set(r.events.map(\.id)) == ["c/30000"])
        #expect(r.events[0].since == Timestamp(milliseconds: 30_000))
        // First failure at 30 s, first success at 330 s: 5 minutes down.
        #expect(r.events[1].durationMs == 300_000)
        #expect(r.events[0].reason == "down: refused (4 failures over 1m30s)")
    }

    /// A check confirmed by one failure says so in the singular ("1 failures" before).
    @Test func oneFailureIsSaidInTheSingular() {
        var t = CheckTracker()
        var policy = Self.policy
        policy.confirm = ConfirmRule(failures: 1, duration: .seconds(0))
        let r = Self.drive(".x", policy: policy, tracker: &t)
        #expect(r.events.first?.reason == "down: refused (1 failure over 0s)")
    }

    @Test func outageInsideWindowIsHeldThenResolvesQuietly() {
        var t = CheckTracker()
        let r = Self.drive("xxxxx..", tracker: &t, window: (0, 10))
        #expect(r.events.map(\.severity) == [.none, .none])
        #expect(r.events.map(\.maintenance) == ["w", "w"])
    }

    @Test func outageOverrunningWindowIsRaisedWithItsTrueStart() {
        var t = CheckTracker()
        let r = Self.drive("xxxxxxxx..", tracker: &t, window: (0, 6))
        #expect(r.events.map { "\($0.event.rawValue) \($0.severity.rawValue)" } == ["opened none", "updated critical", "resolved critical"])
        #expect(r.events[1].at == Timestamp(milliseconds: 6 * 30_000))
        #expect(r.events[1].since == Timestamp(milliseconds: 0))
        #expect(r.events[1].maintenance == nil)
        #expect(r.events[1].leftMaintenance)
        #expect(!r.events[0].leftMaintenance)
    }

    @Test func recoveredBeforeTheWindowEndsIsNeverRaised() {
        var t = CheckTracker()
        let r = Self.drive("xxxxx.....", tracker: &t, window: (0, 6))
        #expect(r.events.map(\.event) == [.opened, .resolved])
        #expect(r.events.allSatisfy { $0.severity == .none })
    }

    @Test func flappingOpensOneIncidentAndResolvesWhenStable() {
        var t = CheckTracker()
        let r = Self.drive("...." + String(repeating: "x.", count: 20) + String(repeating: ".", count: 24), tracker: &t)
        #expect(r.events.map(\.event) == [.opened, .resolved])
        #expect(r.events.allSatisfy { $0.kind == .flapping })
        #expect(r.events[0].reason.hasPrefix("flapping: "))
        #expect(!t.isFlapping)
    }

    @Test func reminderRepeatsWhileOpen() {
        var policy = Self.policy
        policy.settings.reminder = .minutes(2)
        var t = CheckTracker()
        // Opens at 90 s; reminders at 210 s, 330 s (every 2 minutes of event time).
        let r = Self.drive("xxxxxxxxxxxx..", policy: policy, tracker: &t)
        #expect(r.events.map(\.event) == [.opened, .updated, .updated, .resolved])
        #expect(r.events[1].at == Timestamp(milliseconds: 210_000))
        #expect(r.events[2].at == Timestamp(milliseconds: 330_000))
        #expect(r.events[1].reason.hasPrefix("still down after"))
    }

    @Test func prospectSeverityNeverAlerts() {
        var policy = Self.policy
        policy.outage = .none
        policy.degraded = .none
        var t = CheckTracker()
        let r = Self.drive("xxxxxx..", policy: policy, tracker: &t)
        #expect(r.events.map(\.severity) == [.none, .none])
    }

    @Test func lateResultsChangeNothing() {
        var t = CheckTracker()
        _ = Self.drive("xxxxx", tracker: &t, start: 600_000)
        let before = t
        let v = t.observe(Observation(at: Timestamp(milliseconds: 0), ok: true), policy: Self.policy, maintenance: nil)
        #expect(v.late)
        #expect(v.state == .down)
        #expect(t == before)
    }

    @Test func duplicateResultsCountOnce() {
        var t = CheckTracker()
        var opened = 0
        for k in 0..<3 {
            // Each failure arrives twice (a replayed line): three distinct failures never confirm.
            for _ in 0..<2 {
                let v = t.observe(Observation(at: Timestamp(milliseconds: Int64(k) * 30_000), ok: false), policy: Self.policy, maintenance: nil)
                opened += v.actions.filter { if case .incident = $0 { true } else { false } }.count
            }
        }
        #expect(opened == 0)
        #expect(t.failStreak == 3)
    }

    @Test func slightlyLateResultFromAnotherLocationCounts() {
        var t = CheckTracker()
        _ = t.observe(Observation(at: Timestamp(seconds: 100), ok: true, location: "lon"), policy: Self.policy, maintenance: nil)
        let v = t.observe(Observation(at: Timestamp(seconds: 95), ok: true, location: "fra"), policy: Self.policy, maintenance: nil)
        #expect(!v.late)
        #expect(t.locations.count == 2)
        #expect(t.latest == 100_000)
    }

    @Test func quorumOfLocations() {
        var t = CheckTracker()
        var events: [IncidentChange] = []
        // lon fails throughout, fra is fine: never down.
        for k in 0..<20 {
            let at = Int64(k) * 30_000
            for (loc, ok) in [("lon", false), ("fra", true)] {
                let v = t.observe(Observation(at: Timestamp(milliseconds: at + (ok ? 5000 : 0)), ok: ok, location: loc),
                                  policy: Self.policy, maintenance: nil)
                if k > 0 { #expect(v.state == .failing || v.state == .up) }
                for case .incident(let e) in v.actions { events.append(e) }
            }
        }
        #expect(events.isEmpty)
        // With quorum 1 the same results confirm an outage.
        var policy = Self.policy
        policy.settings.quorum = .atLeast(1)
        var one = CheckTracker()
        for k in 0..<20 {
            for (loc, ok) in [("lon", false), ("fra", true)] {
                let v = one.observe(Observation(at: Timestamp(milliseconds: Int64(k) * 30_000 + (ok ? 5000 : 0)), ok: ok, location: loc),
                                    policy: policy, maintenance: nil)
                for case .incident(let e) in v.actions { events.append(e) }
            }
        }
        #expect(events.map(\.event) == [.opened])
    }

    @Test func silentLocationStopsVoting() {
        var t = CheckTracker()
        // fra reports once, then goes silent; after two intervals only lon votes, and lon alone can confirm.
        _ = t.observe(Observation(at: Timestamp(milliseconds: 0), ok: true, location: "fra"), policy: Self.policy, maintenance: nil)
        var opened = false
        for k in 0..<8 {
            let v = t.observe(Observation(at: Timestamp(milliseconds: Int64(k) * 30_000), ok: false, location: "lon"),
                              policy: Self.policy, maintenance: nil)
            for case .incident(let e) in v.actions where e.event == .opened { opened = true }
        }
        #expect(opened)
    }

    @Test func quorumNeeded() {
        #expect(ClassifySettings.Quorum.majority.needed(reporting: 1) == 1)
        #expect(ClassifySettings.Quorum.majority.needed(reporting: 2) == 2)
        #expect(ClassifySettings.Quorum.majority.needed(reporting: 3) == 2)
        #expect(ClassifySettings.Quorum.majority.needed(reporting: 4) == 3)
        #expect(ClassifySettings.Quorum.atLeast(3).needed(reporting: 4) == 3)
        #expect(ClassifySettings.Quorum.atLeast(3).needed(reporting: 2) == 2)
    }

    @Test(arguments: ["..xxxxx.x", "xxxxxx", "ddddd", "...." + String(repeating: "x.", count: 8), ""])
    func stateRoundTrips(_ pattern: String) throws {
        var t = CheckTracker()
        _ = Self.drive(pattern, tracker: &t, window: (2, 5))
        let text = String(decoding: t.stateJSON(), as: UTF8.self)
        let back = try CheckTracker(stateJSON: text)
        #expect(back == t)
    }

    @Test func stateWithLocationsAndErrorsRoundTrips() throws {
        var t = CheckTracker()
        _ = t.observe(Observation(at: Timestamp(seconds: 1), ok: false, location: "lon", error: "a \"quoted\" error", failed: ["status", "body"]),
                      policy: Self.policy, maintenance: nil)
        _ = t.observe(Observation(at: Timestamp(seconds: 2), ok: true, location: "fra"), policy: Self.policy, maintenance: nil)
        let back = try CheckTracker(stateJSON: String(decoding: t.stateJSON(), as: UTF8.self))
        #expect(back == t)
        #expect(back.locations.map(\.name) == ["lon", "fra"])
    }

    @Test(arguments: ["", "[]", "{\"version\":99}", "{\"version\":1}"])
    func unreadableStateIsRefused(_ text: String) {
        #expect(throws: CheckTracker.StateError.self) { try CheckTracker(stateJSON: text) }
    }
}
