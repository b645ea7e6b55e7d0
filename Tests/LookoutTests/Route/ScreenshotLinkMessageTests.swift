import Foundation
import LookoutCommands
@testable import LookoutCore
@testable import LookoutRoute
import Testing

/// The "Screenshot" link in Slack, Teams and mail messages: on every incident line that names a screenshot (acked
/// and muted ones too), signed so the receiver accepts it, the same for the same line; without links, the path in words.
@Suite struct ScreenshotLinkMessageTests {
    static let path = "/var/lib/lookout/screenshots/s1-home/s1-home-20261125T080000.000Z.png"
    static let links = ActionLinksMessageTests.links

    static func delivery(_ k: Int = 1, _ event: IncidentEvent.Event = .opened, shot: Bool = true) -> OutboxDelivery {
        var d = SlackMessageTests.delivery(k, event)
        if shot { d.incident.screenshot = "/var/lib/lookout/screenshots/s\(k)-home/s\(k)-home-20261125T080000.000Z.png" }
        return d
    }

    static func shotURLs(_ text: String) -> [String] {
        text.components(separatedBy: "<").dropFirst().compactMap { part in
            guard part.hasPrefix("https://monitor.agency.example/shot/") else { return nil }
            return String(part.prefix { $0 != "|" })
        }
    }

    static func token(_ url: String) -> ScreenshotLink? { ScreenshotLink(token: String(url.split(separator: "/").last ?? "")) }

    @Test func anIncidentWithAScreenshotCarriesASignedScreenshotLinkAfterItsActions() throws {
        let d = Self.delivery()
        let text = SlackMessageTests.sectionTexts(SlackSink.message([d], links: Self.links))[0]
        let urls = Self.shotURLs(text)
        try #require(urls.count == 1, "\(text)")
        #expect(text.hasSuffix("|Silence 1h> · <" + urls[0] + "|Screenshot>"), "\(text)")
        let link = try #require(Self.token(urls[0]))
        #expect(link.name == "s1-home/s1-home-20261125T080000.000Z.png")
        #expect(ActionSigner(key: ActionLinksMessageTests.actions.key).isAuthentic(link))
        #expect(link.expires == d.incident.at + .hours(24), "expiry from event time: a replay gives the same link")
        #expect(SlackSink.message([d], links: Self.links) == SlackSink.message([d], links: Self.links))
        #expect(!text.contains(Self.path), "the path is not shown beside the link")
    }

    /// The screenshot is evidence, not an action: acked, muted and severity-none incidents keep it; a resolve and a
    /// note have none.
    @Test(arguments: ["acked", "muted", "none", "updated", "resolved", "note"])
    func theLinkIsShownWhereverTheLineHasAScreenshot(kind: String) {
        var d = Self.delivery(1, kind == "resolved" ? .resolved : kind == "updated" ? .updated : .opened)
        switch kind {
        case "acked": d.incident.ackedBy = "callum"
        case "muted": d.incident.maintenance = "silence:s1"
        case "none": d.incident.severity = .none
        case "note": d.note = TicketNote(kind: .ack, isPublic: false, text: "on it", by: "callum", at: d.incident.at)
        default: break
        }
        let shown = kind != "resolved" && kind != "note"
        #expect((Self.links.screenshot(d) != nil) == shown)
        let titles: [String] = switch kind {
        case "updated": ["Acknowledge", "Silence 1h", "Screenshot"]
        case "resolved": []
        case "note": ["Acknowledge", "Silence 1h"]   // a note's Slack message shows no links at all (below)
        default: ["Screenshot"]
        }
        #expect(Self.links.links(d).map(\.title) == titles)
        let message = SlackSink.message([d], links: Self.links)
        let text = (SlackMessageTests.sectionTexts(message)).joined(separator: "\n")
        #expect(Self.shotURLs(text).count == (shown ? 1 : 0), "\(text)")
        #expect(!text.contains("Screenshot on the monitor"), "never the path beside (or instead of) a link")
    }

    @Test func everyIncidentOfAGroupHasItsOwnScreenshot() throws {
        let batch = [Self.delivery(1), Self.delivery(2, shot: false), Self.delivery(3)]
        let texts = SlackMessageTests.sectionTexts(SlackSink.message(batch, links: Self.links))
        #expect(texts.map { Self.shotURLs($0).count } == [1, 0, 1])
        #expect(try #require(Self.token(Self.shotURLs(texts[2])[0])).name.hasPrefix("s3-home/"))
    }

    @Test func aLongCauseGivesWayToTheScreenshotLink() {
        var d = Self.delivery()
        d.incident.error = String(repeating: "x", count: 10_000)
        let text = SlackMessageTests.sectionTexts(SlackSink.message([d], links: Self.links))[0]
        #expect(text.count <= 3000)
        #expect(text.hasSuffix("|Screenshot>"))
    }

    /// Without links (no `actions:` section, or `action_links: false`), the message names the file in words.
    @Test func withoutLinksTheMessageNamesTheFile() {
        let text = SlackMessageTests.sectionTexts(SlackSink.message([Self.delivery()], links: nil))[0]
        #expect(text.hasSuffix("\nScreenshot on the monitor: `\(Self.path)`"), "\(text)")
        #expect(!text.contains("/shot/"))
        let resolved = SlackMessageTests.sectionTexts(SlackSink.message([Self.delivery(1, .resolved)], links: nil))[0]
        #expect(!resolved.contains("Screenshot"))
        // A path probe did not write (not CHECK/CHECK-….png) gets no link, but is still named.
        var odd = Self.delivery()
        odd.incident.screenshot = "/tmp/elsewhere.png"
        let oddText = SlackMessageTests.sectionTexts(SlackSink.message([odd], links: Self.links))[0]
        #expect(Self.shotURLs(oddText).isEmpty && oddText.hasSuffix("Screenshot on the monitor: `/tmp/elsewhere.png`"))
    }

    @Test func teamsCardsCarryAScreenshotButtonOrNameTheFile() {
        func card(_ links: ActionLinks?, _ d: OutboxDelivery) -> JSONValue? {
            TeamsSink.payload(d, links: links)["attachments"]?.arrayValue?.first?["content"]
        }
        let linked = card(Self.links, Self.delivery())
        #expect(linked?["actions"]?.arrayValue?.compactMap { $0["title"]?.stringValue } == ["Acknowledge", "Silence 1h", "Screenshot", "Open site"])
        let url = linked?["actions"]?.arrayValue?[2]["url"]?.stringValue ?? ""
        #expect(Self.token(url).map(ActionSigner(key: ActionLinksMessageTests.actions.key).isAuthentic) == true)
        let unlinked = card(nil, Self.delivery())
        let facts = unlinked?["body"]?.arrayValue?[1]["facts"]?.arrayValue ?? []
        #expect(facts.contains { $0["title"]?.stringValue == "Screenshot on the monitor" && $0["value"]?.stringValue == Self.path })
    }

    /// A mail has the link on a line of its own; without links only a mail to the team names the path.
    @Test(arguments: [true, false], [true, false])
    func mailHasTheLinkOnALineOfItsOwn(actions: Bool, toContact: Bool) throws {
        let yaml = """
            \(actions ? "actions: {public_url: \"https://monitor.agency.example\", key: \"${ACTIONS_KEY}\"}" : "")
            routing:
              sinks:
                mail: {kind: email, from: monitoring@agency.example, to: [desk@agency.example], to_contact: \(toContact)}
            """
        let config = try Config.parse(yaml: yaml, file: "r.yaml", environment: ["ACTIONS_KEY": ActionLinksMessageTests.key])
        let mail = try #require(config.routing?.sink(named: "mail")?.sink as? EmailSink)
        let text = mail.message(Self.delivery(), recipients: ["desk@agency.example"], now: Timestamp(seconds: 1_795_000_100))
        let lines = text.components(separatedBy: "\r\n")
        let link = lines.first { $0.hasPrefix("Screenshot of the page: https://monitor.agency.example/shot/shot.") }
        #expect((link != nil) == actions, "\(text)")
        #expect(lines.contains("Screenshot on the monitor: \(Self.path)") == (!actions && !toContact), "\(text)")
        if let link {
            let parsed = try #require(Self.token(String(link.dropFirst("Screenshot of the page: ".count))))
            #expect(ActionSigner(key: ActionLinksMessageTests.actions.key).isAuthentic(parsed))
        }
        #expect(!text.contains("/act/"), "a mail carries no one-tap actions")
        let resolved = mail.message(Self.delivery(1, .resolved), recipients: ["desk@agency.example"], now: Timestamp(seconds: 1_795_000_100))
        #expect(!resolved.contains("Screenshot"))
    }

    @Test func aSinkThatSaysNoNamesTheFileInstead() throws {
        let config = try Config.parse(yaml: """
            tiers: {enhanced: {outage: critical}}
            sites: []
            actions: {public_url: "https://monitor.agency.example/", key: "${ACTIONS_KEY}"}
            routing:
              sinks:
                quiet: {kind: slack, webhook_url: "${SLACK}", action_links: false}
                mail: {kind: email, from: monitoring@agency.example, to: [desk@agency.example], to_contact: false, action_links: false}
              routes: [{sinks: [quiet, mail]}]
            """, file: "c.yaml", environment: ["ACTIONS_KEY": ActionLinksMessageTests.key, "SLACK": "https://hooks.slack.test/services/T/B/x"])
        let quiet = try #require(config.routing?.sink(named: "quiet")?.sink as? SlackSink)
        let text = SlackMessageTests.sectionTexts(SlackSink.message([Self.delivery()], links: quiet.links))[0]
        #expect(text.hasSuffix("Screenshot on the monitor: `\(Self.path)`") && !text.contains("/shot/"))
        let mail = try #require(config.routing?.sink(named: "mail")?.sink as? EmailSink)
        let body = mail.message(Self.delivery(), recipients: ["desk@agency.example"], now: Timestamp(seconds: 1_795_000_100))
        #expect(body.contains("Screenshot on the monitor: \(Self.path)") && !body.contains("/shot/"))
    }
}
