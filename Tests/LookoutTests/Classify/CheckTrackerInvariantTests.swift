@testable import LookoutClassify
@testable import LookoutCore
import Testing

/// Invariants of the incident stream over many seeded random histories: whatever the results, incidents open once,
/// keep their id, alternate opened -> (updated)* -> resolved, never go back in time, and survive a restart at any
/// point.
@Suite struct CheckTrackerInvariantTests {
    @Test(arguments: 0..<1000)
    func incidentStreamIsWellFormed(seed: Int) {
        var rng = SplitMix64(seed: UInt64(seed))
        var policy = CheckTrackerTests.policy
        policy.settings.reminder = Bool.random(using: &rng) ? .minutes(3) : nil
        policy.settings.quorum = Bool.random(using: &rng) ? .majority : .atLeast(1)
        let locations = [nil, "lon", "fra", "nyc"].prefix(Int.random(in: 1...3, using: &rng))
        // Runs of a state, so outages, blips, flapping and degradations all happen.
        var t = CheckTracker()
        var open: String?
        var ids: Set<String> = []
        var lastAt = Int64.min
        var at: Int64 = 0
        var state = 0
        var window: (Int64, Int64)? = nil
        for step in 0..<600 {
            if Int.random(in: 0..<8, using: &rng) == 0 { state = Int.random(in: 0..<4, using: &rng) }
            if step % 150 == 0 { window = Bool.random(using: &rng) ? (at + 60_000, at + 1_800_000) : nil }
            let location = locations.randomElement(using: &rng)!
            let failed: Bool, degraded: Bool
            switch state {
            case 0: failed = Int.random(in: 0..<30, using: &rng) == 0; degraded = false
            case 1: failed = Int.random(in: 0..<10, using: &rng) != 0; degraded = false
            case 2: failed = Bool.random(using: &rng); degraded = false
            default: failed = false; degraded = Int.random(in: 0..<5, using: &rng) != 0
            }
            // Mostly in order, sometimes a little late, now and then very late.
            let jitter = Int64.random(in: 0..<10, using: &rng) == 0 ? -Int64.random(in: 0...120_000, using: &rng) : 0
            let obsAt = at + jitter
            var active: MaintenanceCalendar.Active?
            if let (s, e) = window, obsAt >= s, obsAt < e {
                active = .init(name: "w", start: Timestamp(milliseconds: s), end: Timestamp(milliseconds: e))
            }
            let v = t.observe(Observation(at: Timestamp(milliseconds: obsAt), ok: !failed, degraded: degraded,
                                          location: location, error: failed ? "e" : nil),
                              policy: policy, maintenance: active)
            for case .incident(let c) in v.actions {
                #expect(c.at.milliseconds >= lastAt, "seed \(seed): incident time went back")
                #expect(c.since <= c.at, "seed \(seed): since after at")
                lastAt = c.at.milliseconds
                switch c.event {
                case .opened:
                    #expect(open == nil, "seed \(seed): opened while \(open ?? "") is open")
                    #expect(!ids.contains(c.id), "seed \(seed): id \(c.id) reused")
                    open = c.id
                    ids.insert(c.id)
                case .updated:
                    #expect(open == c.id, "seed \(seed): update of an incident that is not open")
                case .resolved:
                    #expect(open == c.id, "seed \(seed): resolve of an incident that is not open")
                    #expect((c.durationMs ?? -1) >= 0, "seed \(seed): negative duration")
                    open = nil
                }
                if c.maintenance != nil { #expect(c.severity == .none, "seed \(seed): held incident with a severity") }
            }
            if v.late { #expect(v.actions.isEmpty, "seed \(seed): a late result acted") }
            #expect((open != nil) == t.hasOpenIncident, "seed \(seed): tracker and stream disagree")
            // A restart at a random point: the saved state must carry on exactly.
            if step % 97 == 41 {
                let restored = try? CheckTracker(stateJSON: String(decoding: t.stateJSON(), as: UTF8.self))
                #expect(restored == t, "seed \(seed): state did not survive a restart at step \(step)")
                if let restored { t = restored }
            }
            if open == nil { #expect(v.severity == .none || v.late, "seed \(seed): severity without an incident") }
            at += 30_000
        }
    }
}
