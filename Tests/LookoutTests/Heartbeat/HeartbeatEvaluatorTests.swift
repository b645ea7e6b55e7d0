import Foundation
@testable import LookoutCore
@testable import LookoutProbe
import Testing

@Suite struct HeartbeatEvaluatorTests {
    static let start = Timestamp(rfc3339: "2026-11-25T08:00:00Z")!
    static let fiveMinutes = HeartbeatSchedule(expectation: .every(.minutes(5)), grace: .minutes(1))

    static func ping(_ minutes: Int64, _ kind: Ping.Kind, exit: Int? = nil, body: String = "") -> Ping {
        Ping(checkID: "job", at: start + .minutes(minutes), kind: kind, exitCode: exit, body: Array(body.utf8))
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var signal: Ping?
        var success: Ping?
        var nowMinutes: Int64
        var ok: Bool
        var error: String?
        var testDescription: String { name }
    }

    @Test(arguments: [
        Case(name: "no ping yet, within period + grace", signal: nil, success: nil, nowMinutes: 5, ok: true, error: nil),
        Case(name: "no ping ever", signal: nil, success: nil, nowMinutes: 6, ok: false,
             error: "no ping since monitoring started at 2026-11-25T08:00:00Z"),
        Case(name: "on time", signal: ping(10, .success), success: ping(10, .success), nowMinutes: 15, ok: true, error: nil),
        Case(name: "late but in grace", signal: ping(10, .success), success: ping(10, .success), nowMinutes: 15, ok: true, error: nil),
        Case(name: "late past grace", signal: ping(10, .success), success: ping(10, .success), nowMinutes: 16, ok: false,
             error: "no ping since 2026-11-25T08:10:00Z"),
        Case(name: "fail signal", signal: ping(10, .fail), success: ping(5, .success), nowMinutes: 11, ok: false,
             error: "job reported failure at 2026-11-25T08:10:00Z"),
        Case(name: "exit code 2", signal: ping(10, .fail, exit: 2, body: "rsync: connection reset\n"), success: nil,
             nowMinutes: 11, ok: false, error: "job reported failure (exit code 2) at 2026-11-25T08:10:00Z"),
        Case(name: "started, still in its run time", signal: ping(10, .start), success: ping(5, .success), nowMinutes: 10,
             ok: true, error: nil),
        Case(name: "started and overran", signal: ping(10, .start), success: ping(5, .success), nowMinutes: 11, ok: false,
             error: "started at 2026-11-25T08:10:00Z and not finished within 1m"),
    ])
    func judgesPings(_ c: Case) {
        let outcome = HeartbeatEvaluator.evaluate(schedule: HeartbeatEvaluatorTests.fiveMinutes, lastSuccess: c.success,
                                                  lastSignal: c.signal, monitoringSince: HeartbeatEvaluatorTests.start,
                                                  now: HeartbeatEvaluatorTests.start + .minutes(c.nowMinutes))
        #expect(outcome.ok == c.ok)
        #expect(outcome.error == c.error)
        #expect(outcome.failed == (c.ok ? [] : ["heartbeat"]))
    }

    @Test func keepsTheTailOfAFailingJobsOutput() {
        let long = String(repeating: "x", count: 5000) + "\nERROR: disk full\n"
        let outcome = HeartbeatEvaluator.evaluate(schedule: HeartbeatEvaluatorTests.fiveMinutes, lastSuccess: nil,
                                                  lastSignal: HeartbeatEvaluatorTests.ping(1, .fail, exit: 1, body: long),
                                                  monitoringSince: HeartbeatEvaluatorTests.start,
                                                  now: HeartbeatEvaluatorTests.start + .minutes(2))
        let tail = outcome.details.first { $0.key == "output_tail" }?.value.stringValue ?? ""
        #expect(tail.hasSuffix("ERROR: disk full"))
        #expect(tail.utf8.count <= HeartbeatEvaluator.bodyTailBytes)
    }
}
