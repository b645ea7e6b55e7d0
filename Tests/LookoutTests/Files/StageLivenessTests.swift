import Foundation
import Logging
@testable import LookoutCore
@testable import LookoutTesting
import Testing

/// StageLiveness on a ManualClock: beats only when the interval has passed, with counts since the last beat,
/// bytes behind, and the event-time lag of the newest event.
@Suite struct StageLivenessTests {
    static func object(_ text: String, _ body: (ScannedObject) -> Void) {
        let bytes = Array(text.utf8)
        var fields: [JSONField] = []
        bytes.withUnsafeBufferPointer { buf in
            try! JSONScanner.scanObject(buf, into: &fields)
            body(ScannedObject(bytes: buf, fields: fields))
        }
    }

    @Test func beatsEveryIntervalWithCountsAndLag() {
        let clock = ManualClock(Timestamp(rfc3339: "2026-11-25T10:00:00Z")!)
        let beat = StageLiveness(stage: "classify", intervalSeconds: 60, clock: clock, logger: Logger(label: "test"))
        Self.object(#"{"type":"result","at":"2026-11-25T09:59:30Z"}"#) { beat.note($0) }
        Self.object(#"{"type":"result","at":"2026-11-25T09:59:00Z"}"#) { beat.note($0) }
        Self.object(#"{"type":"other"}"#) { beat.note($0) }
        #expect(beat.tick(linesOut: 3, bytesBehind: 0) == nil)
        clock.advance(by: TimeSpan(milliseconds: 60_000))
        #expect(beat.tick(linesOut: 4, bytesBehind: 120) == "heartbeat classify: in=3 (+3) out=4 (+4) behind=120B event_lag=90s")
        clock.advance(by: TimeSpan(milliseconds: 60_000))
        #expect(beat.tick(linesOut: 4, bytesBehind: nil) == "heartbeat classify: in=3 (+0) out=4 (+0) event_lag=150s")
    }

    /// route adds how many deliveries are queued; the count (a database read) is taken only when a beat is due.
    @Test func aStageSpecificFieldIsAddedAndEvaluatedOnlyWhenDue() {
        let clock = ManualClock(Timestamp(rfc3339: "2026-11-25T10:00:00Z")!)
        let beat = StageLiveness(stage: "route", intervalSeconds: 60, clock: clock, logger: Logger(label: "test"))
        var asked = 0
        func queued() -> String? { asked += 1; return "queued=7" }
        #expect(beat.tick(linesOut: 0, bytesBehind: 0, extra: queued()) == nil)
        #expect(asked == 0)
        clock.advance(by: TimeSpan(milliseconds: 60_000))
        #expect(beat.tick(linesOut: 2, bytesBehind: 0, extra: queued()) == "heartbeat route: in=0 (+0) out=2 (+2) behind=0B event_lag=none queued=7")
        #expect(asked == 1)
    }
}
