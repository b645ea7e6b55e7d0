import Foundation
@testable import LookoutClassify
@testable import LookoutCore
import Testing

/// A restart in the middle of an outage: the state committed in SQLite carries the open incident across, so the
/// second run neither opens it again nor forgets to resolve it.
@Suite struct ClassifyRestartTests {
    @Test func restartMidOutageDoesNotReopen() throws {
        let dir = try ClassifyHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let state = dir.appendingPathComponent("state.sqlite").path
        let yaml = ClassifyHarness.config()
        let first = try ClassifyHarness.run(yaml: yaml, input: ClassifyHarness.results("..xxxxxxxx"), statePath: state)
        #expect(first.incidents.map { $0["event"] as? String } == ["opened"])
        let second = try ClassifyHarness.run(
            yaml: yaml, input: ClassifyHarness.results("xxxx...", start: "2026-11-24T10:05:00Z"), statePath: state)
        #expect(second.incidents.map { $0["event"] as? String } == ["resolved"])
        #expect(second.incidents.first?["id"] as? String == first.incidents.first?["id"] as? String)
        #expect(second.incidents.first?["since"] as? String == "2026-11-24T10:01:00Z")
        // 10:01:00 to 10:07:00, the first success after the restart.
        #expect(second.incidents.first?["duration_ms"] as? Int == 360_000)
        #expect(second.results.first?["state"] as? String == "down")
    }

    @Test func replayingTheSameInputAfterACrashOpensNothingTwice() throws {
        let dir = try ClassifyHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let state = dir.appendingPathComponent("state.sqlite").path
        let yaml = ClassifyHarness.config()
        let input = ClassifyHarness.results("..xxxxxxxx")
        _ = try ClassifyHarness.run(yaml: yaml, input: input, statePath: state)
        // The output of the first run was lost; the supervisor feeds the same lines again.
        let again = try ClassifyHarness.run(yaml: yaml, input: input, statePath: state)
        #expect(again.incidents.isEmpty)
        #expect(again.summary.lateResults > 0)
    }

    @Test func withoutStateEachRunStartsAfresh() throws {
        let yaml = ClassifyHarness.config()
        let input = ClassifyHarness.results("..xxxxxxxx")
        let a = try ClassifyHarness.run(yaml: yaml, input: input)
        let b = try ClassifyHarness.run(yaml: yaml, input: input)
        #expect(a.lines == b.lines)
        #expect(a.incidents.count == 1)
    }

    @Test func stateStoreKeepsEveryCheck() throws {
        let dir = try ClassifyHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("state.sqlite").path
        let store = try ClassifyStateStore(path: path)
        var a = CheckTracker(), b = CheckTracker()
        _ = a.observe(Observation(at: Timestamp(seconds: 10), ok: false), policy: CheckTrackerTests.policy, maintenance: nil)
        _ = b.observe(Observation(at: Timestamp(seconds: 20), ok: true), policy: CheckTrackerTests.policy, maintenance: nil)
        try store.save([("a", a), ("b", b)])
        try store.save([("a", b)])
        let loaded = try ClassifyStateStore(path: path).load()
        #expect(loaded["a"] == b)
        #expect(loaded["b"] == b)
        #expect(loaded.count == 2)
    }
}
