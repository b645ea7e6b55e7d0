import LookoutCore
import Testing

/// Parsing a span never traps: a sum or product past Int64 milliseconds is no duration at all.
@Suite struct TimeSpanTests {
    @Test(arguments: [
        ("1h30m", Int64(5_400_000)),
        ("366d", Int64(366 * 86_400_000)),
        ("106751991166d", Int64(106_751_991_166) * 86_400_000),
    ] as [(String, Int64)])
    func parses(text: String, milliseconds: Int64) {
        #expect(TimeSpan(parsing: text)?.milliseconds == milliseconds)
    }

    @Test(arguments: ["106751991166d106751991166d", "9223372036854775807ms1ms", "99999999999999999999d"])
    func overflowIsNoDuration(text: String) {
        #expect(TimeSpan(parsing: text) == nil)
    }
}
