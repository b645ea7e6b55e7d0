import Foundation
import Logging
@testable import LookoutCore
@testable import LookoutReport
import Testing

/// A board followed live says it is stale when no new line has been read for `status.stale_after` by the host's
/// clock: when the whole chain stops, nothing arrives to move the event time the rest of the board is judged by.
/// In process, with the follower's wall clock in the test's hand (a minute of silence takes no real time).
@Suite struct StatusFollowerStaleTests {
    @Test func aBoardWhoseInputFallsSilentSaysItIsStaleAndRecoversWithTheNextLine() throws {
        let followed = try FollowedFixture(label: "status-stale", holdingBack: 1)
        defer { followed.stop() }
        let clock = followed.clock, lines = followed.lines
        func page() -> String { followed.text("index.html") }
        let until = FollowedFixture.until
        #expect(until { page().contains("Monitor health") }, "the board is written")
        #expect(!page().contains("no new line read"))
        // Ten minutes (the default stale_after) and a second of silence: the next minute's rewrite says so.
        clock.withLock { $0 += 601 }
        #expect(until { page().contains("⚠ STALE: no new line read for 10m 01s by this host's clock") }, "\(page().prefix(2000))")
        let summary = try JSONSerialization.jsonObject(with: Data(followed.text("summary.json").utf8)) as? [String: Any]
        let monitor = (summary?["lookout"] as? [String: Any])?["monitor"] as? [String: Any]
        #expect(monitor?["reader_silent_ms"] as? Int == 601_000 && monitor?["stale"] as? Bool == true, "\(monitor ?? [:])")
        #expect((summary?["status"] as? [String: Any])?["indicator"] as? String == "critical")
        // A new line: the board is current again at the next rewrite.
        try followed.append(lines.last!)
        clock.withLock { $0 += 61 }
        #expect(until { !page().contains("no new line read") }, "\(page().prefix(2000))")
    }
}
