import Foundation
@testable import LookoutCore
@testable import LookoutProbe
@testable import LookoutTesting
import Testing

@Suite struct ProbeRunnerTests {
    /// A writer into a temp file, read back as result lines.
    final class Output {
        let path: String
        let writer: LineWriter
        init() throws {
            path = FileManager.default.temporaryDirectory.appendingPathComponent("probe-out-\(UUID().uuidString).ndjson").path
            _ = FileManager.default.createFile(atPath: path, contents: nil)
            writer = LineWriter(fd: open(path, O_WRONLY | O_APPEND))
        }
        func lines() -> [String] {
            ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }
        deinit { try? FileManager.default.removeItem(atPath: path) }
    }

    @Test func onceRunsEveryCheckWithinTheLimits() async throws {
        let inFlight = Gauge()
        let server = try await ProbeSite { _, _ in
            inFlight.enter()
            defer { inFlight.leave() }
            return .init(body: "ok", delay: .milliseconds(50))
        }
        let checks = try (0..<12).map { k in
            try ProbeTestSupport.check("- id: acme-\(k)\n  http: \(server.baseURL)/\(k)\n  size_anomaly: false")
        }
        let out = try Output()
        let runner = ProbeRunner(checks: checks, location: "lon1", writer: out.writer, concurrency: 8, perHost: 2)
        try await runner.runOnce()
        await server.stop()
        let lines = out.lines()
        #expect(lines.count == 12)
        #expect(lines.allSatisfy { $0.contains(#""ok":true"#) && $0.contains(#""location":"lon1""#) && $0.contains(#""kind":"http""#) })
        #expect(Set(lines.compactMap { JSONValue.parse($0)?["check"]?.stringValue }) == Set((0..<12).map { "acme-\($0)" }))
    }

    @Test func perHostLimitHolds() async throws {
        let gauge = Gauge()
        let slow = SlowProbe(gauge: gauge)
        let checks = (0..<6).map { k in
            Check(id: "c\(k)", siteID: "acme", name: nil, kindName: "test", every: .seconds(30), timeout: .seconds(5),
                  confirm: ConfirmRule(failures: 3, duration: .seconds(90)), recover: RecoverRule(successes: 2), probe: slow, line: 1)
        }
        let out = try Output()
        try await ProbeRunner(checks: checks, location: nil, writer: out.writer, concurrency: 10, perHost: 2).runOnce()
        #expect(out.lines().count == 6)
        #expect(gauge.peak == 2)
    }

    @Test func hungKindIsReportedAtTheTimeout() async throws {
        let check = Check(id: "hung", siteID: "acme", name: nil, kindName: "test", every: .seconds(30), timeout: .milliseconds(200),
                          confirm: ConfirmRule(failures: 3, duration: .seconds(90)), recover: RecoverRule(successes: 2),
                          probe: NeverProbe(), line: 1)
        let out = try Output()
        let runner = ProbeRunner(checks: [check], location: nil, writer: out.writer)
        let r = await runner.result(of: check)
        #expect(!r.ok)
        #expect(r.error == "no answer within 200ms")
    }

    @Test func foreverFollowsTheClockReloadsAndStops() async throws {
        let clock = ManualClock(Timestamp(milliseconds: 1_795_593_600_000))
        let counter = CountingProbe()
        func check(_ id: String, every: Int64) -> Check {
            Check(id: id, siteID: "acme", name: nil, kindName: "test", every: .seconds(every), timeout: .seconds(1),
                  confirm: ConfirmRule(failures: 3, duration: .seconds(90)), recover: RecoverRule(successes: 2), probe: counter, line: 1)
        }
        let out = try Output()
        let runner = ProbeRunner(checks: [check("a", every: 10), check("b", every: 10)], location: nil, writer: out.writer, clock: clock)
        let (controls, post) = AsyncStream<ProbeRunner.Control>.makeStream()
        let task = Task { try await runner.runForever(control: controls) }
        func settle() async { for _ in 0..<50 { await Task.yield() }; try? await Task.sleep(for: .milliseconds(20)) }
        // Waits (in real time, up to 20 s, for a busy test process) until the output has `n` lines.
        func lines(_ n: Int) async -> Int {
            for _ in 0..<1000 where out.lines().count < n { try? await Task.sleep(for: .milliseconds(20)) }
            return out.lines().count
        }
        await settle()
        // Within the first interval each check runs once, at its jittered offset.
        for _ in 0..<10 { clock.advance(by: .seconds(1)); await settle() }
        #expect(await lines(2) == 2)
        for _ in 0..<10 { clock.advance(by: .seconds(1)); await settle() }
        #expect(await lines(4) == 4)
        // Reload: a goes, c arrives, b keeps its slot.
        post.yield(.reload([check("b", every: 10), check("c", every: 10)]))
        await settle()
        for _ in 0..<10 { clock.advance(by: .seconds(1)); await settle() }
        _ = await lines(6)
        let ids = out.lines().suffix(2).compactMap { JSONValue.parse($0)?["check"]?.stringValue }.sorted()
        #expect(ids == ["b", "c"])
        post.yield(.stop)
        try await task.value
        let total = out.lines().count
        clock.advance(by: .seconds(60))
        await settle()
        #expect(out.lines().count == total)
    }

    @Test(arguments: [("acme-home", Int64(30_000)), ("globex-port", 30_000), ("x", 1)])
    func jitterIsStableAndInRange(id: String, every: Int64) {
        let j = ProbeRunner.jitter(id, within: .milliseconds(every))
        #expect(j >= 0 && j < every)
        #expect(j == ProbeRunner.jitter(id, within: .milliseconds(every)))
    }
}

/// Counts how many runs are in flight at once, and the most there ever were.
final class Gauge: @unchecked Sendable {
    private let lock = NSLock()
    private var now = 0
    private(set) var peak = 0
    func enter() { lock.withLock { now += 1; peak = max(peak, now) } }
    func leave() { lock.withLock { now -= 1 } }
}

struct SlowProbe: ProbeKind {
    static let name = "test-slow"
    static let settingKeys: Set<String> = []
    let gauge: Gauge
    init(gauge: Gauge) { self.gauge = gauge }
    init(target: ConfigNode, check: ConfigMapping, context: ConfigContext) throws { fatalError("not from config") }
    var host: String? { "one.example" }
    func run(_ run: ProbeRun) async -> ProbeOutcome {
        gauge.enter()
        try? await Task.sleep(for: .milliseconds(50))
        gauge.leave()
        return ProbeOutcome(ok: true)
    }
}

struct NeverProbe: ProbeKind {
    static let name = "test-never"
    static let settingKeys: Set<String> = []
    init() {}
    init(target: ConfigNode, check: ConfigMapping, context: ConfigContext) throws { fatalError("not from config") }
    var host: String? { nil }
    func run(_ run: ProbeRun) async -> ProbeOutcome {
        // Ignores its timeout and cancellation, as a buggy kind might.
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().asyncAfter(deadline: .now() + 120) { c.resume() }
        }
        return ProbeOutcome(ok: true)
    }
}

struct CountingProbe: ProbeKind {
    static let name = "test-count"
    static let settingKeys: Set<String> = []
    init() {}
    init(target: ConfigNode, check: ConfigMapping, context: ConfigContext) throws { fatalError("not from config") }
    var host: String? { nil }
    func run(_ run: ProbeRun) async -> ProbeOutcome { ProbeOutcome(ok: true) }
}

@Suite struct ProbeLivenessTests {
    @Test func beatsCountSinceTheLastAndTheLatestStart() {
        let h = ProbeLiveness(intervalSeconds: 60)
        h.note(ok: true, lateMs: 20)
        h.note(ok: false, lateMs: 1_460)
        #expect(h.beat(checks: 3) == "heartbeat probe: checks=3 out=2 (+2) failed=1 (+1) late_max=1.5s")
        h.note(ok: true, lateMs: 0)
        #expect(h.beat(checks: 3) == "heartbeat probe: checks=3 out=3 (+1) failed=1 (+0) late_max=0.0s")
    }
}
