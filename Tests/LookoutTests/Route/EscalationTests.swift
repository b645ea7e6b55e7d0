import Foundation
@testable import LookoutCommands
@testable import LookoutCore
@testable import LookoutRoute
import Testing

/// Escalation: an incident nobody acknowledged or resolved within a step's `after` (event time) reaches the step's
/// sinks, once, and whoever heard of it hears of its end. Pure decisions first, then the outbox on a real SQLite file.
@Suite struct EscalationTests {
    static let yaml = """
        tiers:
          enhanced: {outage: critical, degraded: warning, ticket: true}
        routing:
          sinks:
            chat: {kind: stdout}
            oncall: {kind: stdout}
            manager: {kind: stdout}
          routes:
            - severity: critical
              sinks: [chat]
              escalate:
                - {after: 10m, sinks: [oncall]}
                - {after: 1h, sinks: [manager, oncall]}
            - {severity: warning, sinks: [chat]}
        """

    static func config() throws -> Config { try Config.parse(yaml: yaml, file: "escalation.yaml", environment: [:]) }

    static func router() throws -> IncidentRouter {
        let config = try config()
        return IncidentRouter(config: try #require(config.routing), tiers: config.tiers)
    }

    static func event(_ event: IncidentEvent.Event, id: String = "acme-home/1000", severity: Severity = .critical, at: Int64,
                      maintenance: String? = nil, ackedBy: String? = nil) -> IncidentEvent {
        var e = IncidentEvent(id: id, event: event, check: String(id.prefix { $0 != "/" }), site: "acme", tier: "enhanced",
                              severity: severity, at: Timestamp(seconds: at), since: Timestamp(seconds: 1), reason: "r",
                              maintenance: maintenance)
        e.ackedBy = ackedBy
        return e
    }

    @Test func stepsOfEveryMatchingRouteMergeInOrderOfDelay() throws {
        let steps = try Self.router().escalationSteps(Self.event(.opened, at: 0))
        #expect(steps == [EscalationStep(after: .minutes(10), sinks: ["oncall"]),
                          EscalationStep(after: .hours(1), sinks: ["manager", "oncall"])])
        #expect(try Self.router().escalationSteps(Self.event(.opened, severity: .warning, at: 0)).isEmpty)
    }

    /// Minutes after the opening -> the sinks that hear of it at that moment (each step once).
    @Test(arguments: [
        ([5], [[String]()]),
        ([10], [["oncall"]]),
        ([9, 10, 11, 59], [[], ["oncall"], [], []]),
        ([60], [["oncall", "manager", "oncall"]]),   // both steps due at once; oncall's key repeats and the outbox drops it
        ([10, 60, 120], [["oncall"], ["manager", "oncall"], []]),
    ])
    func stepsFireOnceEachWhenTheirTimeComes(minutes: [Int64], expected: [[String]]) throws {
        let router = try Self.router()
        let opened = Self.event(.opened, at: 1000)
        var state = try #require(router.escalation(after: opened, state: nil))
        var fired: [[String]] = []
        for minute in minutes {
            let (planned, next) = router.escalate(opened, state: state, now: Timestamp(seconds: 1000 + minute * 60))
            state = next
            fired.append(planned.map(\.sink))
            #expect(planned.allSatisfy { $0.event == .opened && $0.key == "acme-home/1000|opened|\($0.sink)" })
        }
        #expect(fired == expected)
    }

    @Test func anAckStopsItAMuteHoldsItAResolveForgetsIt() throws {
        let router = try Self.router()
        let state = try #require(router.escalation(after: Self.event(.opened, at: 0), state: nil))
        let acked = try #require(router.escalation(after: Self.event(.updated, at: 120, ackedBy: "maria"), state: state))
        #expect(acked.acked)
        #expect(router.escalate(Self.event(.updated, at: 120, ackedBy: "maria"), state: acked, now: Timestamp(seconds: 7200)).deliveries.isEmpty)
        let muted = Self.event(.updated, at: 300, maintenance: "silence s-1")
        #expect(router.escalate(muted, state: state, now: Timestamp(seconds: 900)).deliveries.isEmpty, "a silenced incident waits")
        #expect(router.escalate(Self.event(.updated, at: 960), state: state, now: Timestamp(seconds: 960)).deliveries.map(\.sink) == ["oncall"],
                "unsilenced and still unacknowledged, the step due fires")
        #expect(router.escalation(after: Self.event(.resolved, at: 400), state: state) == nil)
        #expect(router.escalation(after: Self.event(.opened, at: 0, maintenance: "patching"), state: nil) == nil,
                "an opening muted by a window starts no clock")
        #expect(router.escalation(after: Self.event(.opened, severity: .warning, at: 0), state: nil) == nil,
                "no route escalates a warning")
    }

    // MARK: The outbox

    static func outbox(_ path: String?) throws -> Outbox {
        let config = try config()
        return try Outbox(path: path, router: IncidentRouter(config: try #require(config.routing), tiers: config.tiers))
    }

    static func incident(_ e: IncidentEvent) -> RouteInput { .incident(e, line: e.encoded()) }

    @Test func theOutboxEscalatesByEventTimeOnceAcrossARestartAndTheEndReachesEveryone() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("escalation-\(UUID()).sqlite").path
        defer { OutboxTests.removeDatabase(path) }
        let now = Timestamp(seconds: 5)
        do {
            let outbox = try Self.outbox(path)
            #expect(try outbox.enqueue([Self.incident(Self.event(.opened, at: 1000))], now: now, eventTime: nil) == 1)
            #expect(try outbox.enqueue([], now: now, eventTime: Timestamp(seconds: 1000 + 599)) == 0, "not yet: 9m59s")
            #expect(try outbox.enqueue([], now: now, eventTime: Timestamp(seconds: 1000 + 600)) == 1, "10m: oncall")
            #expect(try outbox.enqueue([], now: now, eventTime: Timestamp(seconds: 1000 + 700)) == 0, "each step once")
        }
        let outbox = try Self.outbox(path)
        #expect(try outbox.enqueue([], now: now, eventTime: Timestamp(seconds: 1000 + 900)) == 0, "a restart fires nothing again")
        #expect(try outbox.enqueue([], now: now, eventTime: Timestamp(seconds: 1000 + 3600)) == 1, "1h: manager (oncall knows already)")
        #expect(try outbox.enqueue([Self.incident(Self.event(.resolved, at: 5000))], now: now, eventTime: nil) == 3,
                "the end goes to chat, oncall and manager")
        #expect(try outbox.deliveryKeys().map(\.key) == [
            "acme-home/1000|opened|chat", "acme-home/1000|opened|oncall", "acme-home/1000|opened|manager",
            "acme-home/1000|resolved|chat", "acme-home/1000|resolved|manager", "acme-home/1000|resolved|oncall",
        ])
    }

    @Test func anAckLineInTheSameBatchStopsTheStepsNotYetDue() throws {
        let outbox = try Self.outbox(nil)
        let now = Timestamp(seconds: 5)
        let first = Self.event(.opened, id: "acme-home/1000", at: 1000)
        let second = Self.event(.opened, id: "acme-shop/1000", at: 1000)
        #expect(try outbox.enqueue([Self.incident(first), Self.incident(second)], now: now, eventTime: nil) == 2)
        // The ack for the shop comes at 9 minutes, in event order with the results that move the clock to 11.
        #expect(try outbox.enqueue([.ack(incident: "acme-shop/1000", at: Timestamp(seconds: 1000 + 540))], now: now,
                                   eventTime: Timestamp(seconds: 1000 + 660)) == 1)
        #expect(try outbox.deliveryKeys().map(\.key).filter { $0.hasSuffix("|oncall") } == ["acme-home/1000|opened|oncall"])
        // An ack after a step fired stops the later ones.
        #expect(try outbox.enqueue([.ack(incident: "acme-home/1000", at: Timestamp(seconds: 1000 + 700))], now: now,
                                   eventTime: Timestamp(seconds: 1000 + 7200)) == 0)
    }

    @Test(arguments: [
        ("{after: 0s, sinks: [oncall]}", "r.yaml:7: routing.routes[0].escalate[0].after must be more than 0s and at most 7d"),
        ("{after: 8d, sinks: [oncall]}", "r.yaml:7: routing.routes[0].escalate[0].after must be more than 0s and at most 7d"),
        ("{after: 10m, sinks: [pager]}", "r.yaml:7: escalation step names sink \"pager\", which is not defined under routing.sinks"),
        ("{after: 10m, sinks: []}", "r.yaml:7: routing.routes[0].escalate[0].sinks must name at least one sink"),
        ("{after: 10m, sinks: [oncall]}, {after: 5m, sinks: [oncall]}",
         "r.yaml:7: routing.routes[0].escalate[1].after must be later than the step before it (10m): steps fire in order"),
    ])
    func badStepsAreRefusedWithTheirLine(step: String, message: String) {
        let yaml = "tiers:\n  enhanced: {outage: critical}\nrouting:\n  sinks:\n    oncall: {kind: stdout}\n  routes:\n"
            + "    - {sinks: [oncall], escalate: [\(step)]}\n"
        #expect {
            _ = try Config.parse(yaml: yaml, file: "r.yaml", environment: [:])
        } throws: { error in
            (error as? ConfigError)?.description == message
        }
    }
}
