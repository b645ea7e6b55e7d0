import Foundation
@testable import LookoutCore
@testable import LookoutReport
import Testing

@Suite struct IncidentRecordTests {
    static func event(_ kind: IncidentEvent.Event, _ minute: Int64, severity: Severity, state: String?,
                      reason: String, maintenance: String? = nil, duration: Int64? = nil) -> IncidentEvent {
        var e = IncidentEvent(id: "c/0", event: kind, check: "c", site: "s", tier: "t", severity: severity,
                              at: Timestamp(milliseconds: minute * 60_000), since: Timestamp(milliseconds: 0),
                              reason: reason, maintenance: maintenance)
        e.state = state
        e.durationMs = duration
        return e
    }

    /// classify's degraded-then-down sequence: one incident, an outage, with the update's cause.
    @Test func degradationThatBecomesAnOutage() {
        var r = IncidentRecord(Self.event(.opened, 2, severity: .warning, state: "degraded", reason: "degraded: slow"))
        r.merge(Self.event(.updated, 6, severity: .critical, state: "down", reason: "down: connection refused (was degraded)"))
        r.merge(Self.event(.resolved, 9, severity: .critical, state: "down", reason: "up again", duration: 420_000))
        #expect(r.isOutage)
        #expect(r.reason == "down: connection refused (was degraded)")
        #expect(r.maxSeverity == .critical)
        #expect(r.durationMs == 420_000)
        #expect(r.severityByEvent == ["opened": .warning, "updated": .critical, "resolved": .critical])
        #expect(!r.isMaintenanceOnly)
    }

    @Test func anOutageKeptInsideAWindowIsMaintenanceOnly() {
        var r = IncidentRecord(Self.event(.opened, 2, severity: .none, state: "down", reason: "down", maintenance: "morning"))
        r.merge(Self.event(.resolved, 9, severity: .none, state: "down", reason: "up", maintenance: "morning"))
        #expect(r.isMaintenanceOnly)
        #expect(r.firstMaintenance == "morning")
    }

    @Test func anOverrunIsRaisedAndCountsForMTTR() {
        var r = IncidentRecord(Self.event(.opened, 2, severity: .none, state: "down", reason: "down", maintenance: "morning"))
        r.merge(Self.event(.updated, 5, severity: .critical, state: "down", reason: "still down after the window"))
        r.merge(Self.event(.resolved, 9, severity: .critical, state: "down", reason: "up"))
        #expect(!r.isMaintenanceOnly)
        #expect(r.reason == "down")  // same state: the opening cause stays
        #expect(r.durationMs == Int64(9 * 60_000))  // no duration_ms given: resolved at - since
    }
}

/// A day cut out of a longer log gives the same figures as a log of just that day.
@Suite struct ReportWindowingTests {
    @Test func longerLogGivesTheSameDay() throws {
        let config = try ReportFixture.config()
        let range = try ReportRange.day("2026-11-25", clock: LocalClock(config.timeZone))
        let day = try String(contentsOfFile: ReportFixture.path("day.in.ndjson"), encoding: .utf8)
        func results(dayOffset: Int) -> String {
            (0..<288).map { k in
                let at = Timestamp(milliseconds: range.from.milliseconds + Int64(dayOffset) * 86_400_000 + Int64(k) * 300_000)
                return #"{"v":1,"type":"result","check":"acme-server","at":"\#(at.rfc3339)","ok":false,"kind":"host","site":"acme","tier":"enhanced","maintenance":null,"state":"down","severity":"critical"}"#
            }.joined(separator: "\n")
        }
        // The day before and after: acme-server down all the time. Only the spans touching the day may count:
        // none here, since the day's own first and last results close them at its bounds.
        let before = results(dayOffset: -1) + "\n"
        let long = before + day + results(dayOffset: 1)
        let a = ReportFixture.report(ndjson: day, config: config, range: range)
        let b = ReportFixture.report(ndjson: long, config: config, range: range)
        #expect(a.sites == b.sites)
        #expect(a.incidents == b.incidents)
        #expect(a.overall == b.overall)
    }
}
