import Foundation
import Logging
import Testing
@testable import Lookout

/// StageHeartbeat on a ManualClock: beats only when the interval has passed, with counts since the last beat,
/// bytes behind, and the event-time lag of the newest event.
@Suite struct StageHeartbeatTests {
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
        let beat = StageHeartbeat(stage: "classify", intervalSeconds: 60, clock: clock, logger: Logger(label: "test"))
        Self.object(#"{"type":"result","at":"2026-11-25T09:59:30Z"}"#) { beat.note($0) }
        Self.object(#"{"type":"result","at":"2026-11-25T09:59:00Z"}"#) { beat.note($0) }
        Self.object(#"{"type":"other"}"#) { beat.note($0) }
        #expect(beat.tick(linesOut: 3, bytesBehind: 0) == nil)
        clock.advance(by: TimeSpan(milliseconds: 60_000))
        #expect(beat.tick(linesOut: 4, bytesBehind: 120) == "heartbeat classify: in=3 (+3) out=4 (+4) behind=120B event_lag=90s")
        clock.advance(by: TimeSpan(milliseconds: 60_000))
        #expect(beat.tick(linesOut: 4, bytesBehind: nil) == "heartbeat classify: in=3 (+0) out=4 (+0) event_lag=150s")
    }
}
