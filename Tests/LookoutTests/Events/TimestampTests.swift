@testable import LookoutCore
import Testing

@Suite struct TimestampTests {
    @Test(arguments: [
        ("2026-11-25T08:00:00Z", Int64(1_795_593_600_000)),
        ("2026-11-25T08:00:00.250Z", 1_795_593_600_250),
        ("2026-11-25T09:00:00+01:00", 1_795_593_600_000),
        ("2026-11-25t08:00:00.123456z", 1_795_593_600_123),
        ("1969-12-31T23:59:59Z", -1000),
    ])
    func parses(text: String, ms: Int64) {
        #expect(Timestamp(rfc3339: text)?.milliseconds == ms)
    }

    @Test(arguments: ["", "2026-11-25", "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z", "2026-11-25T08:00:00",
                      "2026-11-25T08:00:00.Z", "2026-11-25T24:00:00Z", "2026-11-25T08:00:00+0100", "x026-11-25T08:00:00Z"])
    func refuses(text: String) {
        #expect(Timestamp(rfc3339: text) == nil)
    }

    @Test(arguments: [Int64(0), 1_795_593_600_000, 1_795_593_600_250, -1000, 951_782_400_000])
    func formatsWhatItParses(ms: Int64) {
        let t = Timestamp(milliseconds: ms)
        #expect(Timestamp(rfc3339: t.rfc3339) == t)
    }

    @Test func printsMillisecondsOnlyWhenPresent() {
        #expect(Timestamp(milliseconds: 1_795_593_600_000).rfc3339 == "2026-11-25T08:00:00Z")
        #expect(Timestamp(milliseconds: 1_795_593_600_007).rfc3339 == "2026-11-25T08:00:00.007Z")
    }
}
