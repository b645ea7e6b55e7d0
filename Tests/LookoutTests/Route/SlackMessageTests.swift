import Foundation
@testable import LookoutCore
@testable import LookoutRoute
import Testing

/// Slack's limits: at most 50 blocks, 3,000 characters per section text, 150 per header.
@Suite struct SlackMessageTests {
    static func delivery(_ k: Int, _ event: IncidentEvent.Event = .opened, cause: String = "connection refused") -> OutboxDelivery {
        var e = IncidentEvent(id: "s\(k)-home/1000", event: event, check: "s\(k)-home", site: "s\(k)", tier: "enhanced",
                              severity: .critical, at: Timestamp(seconds: 1_795_000_090), since: Timestamp(seconds: 1_795_000_000),
                              reason: "confirmed")
        e.error = cause
        e.siteName = "Shop <\(k)> & Co"
        e.url = "https://s\(k).example/"
        if event == .resolved { e.durationMs = 3_900_000 }
        return OutboxDelivery(id: Int64(k), key: "s\(k)|\(event)|outages", event: event, sink: "outages", incident: e, attempt: 1,
                              queuedAt: Timestamp(seconds: 0), ref: nil, site: nil)
    }

    static func blocks(_ message: JSONValue) -> [JSONValue] { message["blocks"]?.arrayValue ?? [] }
    static func sectionTexts(_ message: JSONValue) -> [String] {
        blocks(message).filter { $0["type"]?.stringValue == "section" }.compactMap { $0["text"]?["text"]?.stringValue }
    }

    @Test(arguments: [1, 2, 40, 45, 46, 60, 300])
    func aGroupNeverExceedsFiftyBlocks(count: Int) {
        let message = SlackSink.message((1...count).map { SlackMessageTests.delivery($0) })
        let blocks = SlackMessageTests.blocks(message)
        #expect(blocks.count <= 50)
        #expect(blocks.count == min(count, 45) + 2 + (count > 45 ? 1 : 0))
        #expect(SlackMessageTests.sectionTexts(message).allSatisfy { $0.count <= 3000 })
        let header = blocks.first?["text"]?["text"]?.stringValue ?? ""
        #expect(header.count <= 150)
        #expect(header == (count == 1 ? "Shop <1> & Co is down" : "\(count) sites in trouble"))
        if count > 45 { #expect(SlackMessageTests.sectionTexts(message).last?.hasPrefix("…and \(count - 45) more: Shop &lt;46&gt; &amp; Co") == true) }
        #expect(message["text"]?.stringValue?.isEmpty == false, "a plain-text fallback for notifications")
    }

    @Test func longCausesAreClippedToSlacksLimit() {
        let message = SlackSink.message([SlackMessageTests.delivery(1, cause: String(repeating: "x", count: 10_000))])
        let text = SlackMessageTests.sectionTexts(message)[0]
        #expect(text.count == 3000 && text.hasSuffix("…"))
    }

    @Test func textIsEscapedAndTheSiteLinked() {
        let text = SlackMessageTests.sectionTexts(SlackSink.message([SlackMessageTests.delivery(7)]))[0]
        #expect(text.hasPrefix(":red_circle: *<https://s7.example/|Shop &lt;7&gt; &amp; Co>* is down"))
        #expect(text.contains("What failed: connection refused"))
        #expect(text.contains("Since 2026-11-18 11:06 UTC (1m30s)"))
    }

    @Test func aResolveSaysHowLongItLasted() {
        let message = SlackSink.message([SlackMessageTests.delivery(3, .resolved)])
        let text = SlackMessageTests.sectionTexts(message)[0]
        #expect(text.hasPrefix(":white_check_mark:") && text.contains("has recovered"))
        #expect(text.contains("for 1h5m"))
        #expect(message["text"]?.stringValue == "Shop <3> & Co (s3-home) recovered after 1h5m")
    }

    @Test(arguments: [("Europe/London", 1_782_000_000, "2026-06-21 01:00 BST"), ("Europe/London", 1_795_593_600, "2026-11-25 08:00 GMT"),
                      ("Europe/Berlin", 1_795_593_600, "2026-11-25 09:00 CET"), ("UTC", 1_795_593_600, "2026-11-25 08:00 UTC")] as [(String, Int64, String)])
    func timesAreShownInTheSitesZone(zone: String, seconds: Int64, expected: String) {
        var d = SlackMessageTests.delivery(1)
        d.incident.since = Timestamp(seconds: seconds)
        d.site = Site(id: "s1", line: 1, name: "Shop", tier: "enhanced", timeZone: TimeZone(identifier: zone)!, contractHours: nil,
                      url: nil, client: nil, contactEmail: nil, maintenance: [], checks: [])
        #expect(IncidentText.time(d.incident.since, d) == expected)
        #expect(SlackMessageTests.sectionTexts(SlackSink.message([d]))[0].contains("Since \(expected)"))
    }
}
