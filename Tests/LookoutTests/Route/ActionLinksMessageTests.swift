import Foundation
import LookoutCommands
@testable import LookoutCore
@testable import LookoutRoute
import Testing

/// The one-tap links in Slack and Teams messages: only on alerting incidents, signed so the receiver accepts them,
/// the same for the same incident line, and never cut by Slack's section limit.
@Suite struct ActionLinksMessageTests {
    static let key = "k3y-for-tests-0123456789abcdef0123456789abcdef"
    static let actions = ActionsConfig(publicURL: "https://monitor.agency.example", key: Secret(key, source: "test"))
    static let links = ActionLinks(actions)

    static func linkURLs(_ text: String) -> [String] {
        text.components(separatedBy: "<").dropFirst().compactMap { part in
            guard part.hasPrefix("https://monitor.agency.example/act/") else { return nil }
            return String(part.prefix { $0 != "|" })
        }
    }

    @Test func anAlertingIncidentCarriesSignedAckAndSilenceLinks() throws {
        let d = SlackMessageTests.delivery(1)
        let text = SlackMessageTests.sectionTexts(SlackSink.message([d], links: Self.links))[0]
        let urls = Self.linkURLs(text)
        // Required: without two links, urls[1] below would trap and end every test of the run, not fail this one.
        try #require(urls.count == 2, "\(text)")
        #expect(text.hasSuffix("|Acknowledge> · <" + urls[1] + "|Silence 1h>"))
        let signer = ActionSigner(key: Self.actions.key)
        let ack = try #require(ActionLink(token: String(urls[0].split(separator: "/").last!)))
        let silence = try #require(ActionLink(token: String(urls[1].split(separator: "/").last!)))
        #expect(ack.action == .ack && silence.action == .silence)
        #expect(ack.incident == d.incident.id && silence.incident == d.incident.id)
        #expect(signer.isAuthentic(ack) && signer.isAuthentic(silence))
        #expect(ack.expires == d.incident.at + .hours(24), "expiry from event time: the same line always gives the same link")
        #expect(!urls.joined().contains("&"), "no ampersand for Slack's mobile app to mangle")
        #expect(SlackSink.message([d], links: Self.links) == SlackSink.message([d], links: Self.links))
    }

    @Test(arguments: ["resolved", "acked", "none", "muted"])
    func noLinksWhenThereIsNothingToActOn(kind: String) {
        var d = SlackMessageTests.delivery(1, kind == "resolved" ? .resolved : .opened)
        switch kind {
        case "acked": d.incident.ackedBy = "callum"
        case "none": d.incident.severity = .none
        case "muted": d.incident.maintenance = "silence:s1"
        default: break
        }
        #expect(Self.links.links(d).isEmpty)
        #expect(!SlackMessageTests.sectionTexts(SlackSink.message([d], links: Self.links))[0].contains("/act/"))
    }

    @Test func aLongCauseGivesWayToTheLinks() {
        let d = SlackMessageTests.delivery(1, cause: String(repeating: "x", count: 10_000))
        let text = SlackMessageTests.sectionTexts(SlackSink.message([d], links: Self.links))[0]
        #expect(text.count <= 3000)
        #expect(text.hasSuffix("|Silence 1h>"))
        #expect(text.contains("…\n<https://monitor.agency.example/act/ack."))
    }

    @Test func everyIncidentOfAGroupHasItsOwnLinks() {
        let message = SlackSink.message((1...3).map { SlackMessageTests.delivery($0) }, links: Self.links)
        let texts = SlackMessageTests.sectionTexts(message)
        #expect(texts.count == 3)
        #expect(Set(texts.flatMap(Self.linkURLs)).count == 6)
    }

    @Test func teamsCardsCarryTheLinksAsButtons() {
        let card = TeamsSink.payload(SlackMessageTests.delivery(1), links: Self.links)["attachments"]?.arrayValue?.first?["content"]
        let titles = card?["actions"]?.arrayValue?.compactMap { $0["title"]?.stringValue }
        #expect(titles == ["Acknowledge", "Silence 1h", "Open site"])
        let resolved = TeamsSink.payload(SlackMessageTests.delivery(1, .resolved), links: Self.links)["attachments"]?.arrayValue?.first?["content"]
        #expect(resolved?["actions"]?.arrayValue?.compactMap { $0["title"]?.stringValue } == ["Open site"])
    }

    /// Sinks take the links from the config's `actions:` section; `action_links: false` leaves one sink without.
    @Test func sinksTakeTheActionsSectionUnlessTheySayNo() throws {
        let config = try Config.parse(yaml: """
            tiers: {enhanced: {outage: critical}}
            sites: []
            actions: {public_url: "https://monitor.agency.example/", key: "${ACTIONS_KEY}", silence_for: 2h}
            routing:
              sinks:
                outages: {kind: slack, webhook_url: "${SLACK}"}
                quiet: {kind: slack, webhook_url: "${SLACK}", action_links: false}
                teams: {kind: teams, webhook_url: "${SLACK}"}
              routes: [{sinks: [outages, quiet, teams]}]
            """, file: "c.yaml", environment: ["ACTIONS_KEY": Self.key, "SLACK": "https://hooks.slack.test/services/T/B/x"])
        let sinks = try #require(config.routing?.sinks)
        let outages = try #require(sinks.first { $0.name == "outages" }?.sink as? SlackSink)
        let quiet = try #require(sinks.first { $0.name == "quiet" }?.sink as? SlackSink)
        let teams = try #require(sinks.first { $0.name == "teams" }?.sink as? TeamsSink)
        #expect(outages.links?.links(SlackMessageTests.delivery(1)).map(\.title) == ["Acknowledge", "Silence 2h"])
        #expect(outages.links?.base == "https://monitor.agency.example", "the trailing slash is dropped")
        #expect(quiet.links == nil)
        #expect(teams.links != nil)
    }
}
