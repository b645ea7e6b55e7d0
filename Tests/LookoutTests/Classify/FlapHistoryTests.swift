@testable import LookoutClassify
@testable import LookoutCore
import Testing

@Suite struct FlapHistoryTests {
    static func history(_ pattern: String, window: Int = 21) -> FlapHistory {
        var h = FlapHistory(window: window)
        for (k, c) in pattern.enumerated() { h.record(failed: c == "x", at: Int64(k)) }
        return h
    }

    @Test(arguments: [
        ("......", 0, 0.0),
        ("xxxxxx", 0, 0.0),
        // The newest change weighs 1.25 out of 20 possible changes.
        (".....x", 1, 6.25),
        // A full window alternating every result: all 20 changes, weights 0.75...1.25 average 1: 100 %.
        (String(repeating: "x.", count: 11).dropLast().description, 20, 100.0),
    ])
    func percent(_ pattern: String, changes: Int, percent: Double) {
        let h = Self.history(pattern)
        #expect(h.changes == changes)
        #expect(abs(h.percentChange - percent) < 0.001)
    }

    @Test func olderChangesWeighLess() {
        let recent = Self.history(String(repeating: ".", count: 20) + "x")
        let old = Self.history("x" + String(repeating: ".", count: 20))
        #expect(recent.percentChange > old.percentChange)
        #expect(abs(old.percentChange - 3.75) < 0.001)
    }

    @Test func windowForgetsOldResults() {
        let h = Self.history("x" + String(repeating: ".", count: 30))
        #expect(h.changes == 0)
        #expect(h.oldestFailure == nil)
        #expect(h.count == 21)
    }

    @Test func ringWrapsAround() {
        // 40 results, failures at 15 (dropped out of the 21-result window) and at 25 and 38.
        var pattern = Array(repeating: Character("."), count: 40)
        for k in [15, 25, 38] { pattern[k] = "x" }
        let h = Self.history(String(pattern))
        #expect(h.oldestFailure == 25)
        #expect(h.times.first == 39)
        #expect(h.times.last == 19)
        #expect(h.changes == 4)
    }

    @Test func oldestFailureInWindow() {
        let h = Self.history("...x.x..")
        #expect(h.oldestFailure == 3)
    }
}
