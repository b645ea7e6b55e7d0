import Foundation
@testable import LookoutCommands
@testable import LookoutCore
@testable import LookoutRoute
import Testing

/// A message sent again because the attempt before it was in flight at a crash says so, in every sink's words,
/// where people read first; a message sent for the first time says nothing of the kind.
@Suite struct RepeatedMessageTests {
    static func delivery(_ event: IncidentEvent.Event = .opened, repeated: Bool) -> OutboxDelivery {
        var d = SlackMessageTests.delivery(1, event)
        d.repeatedAfterRestart = repeated
        return d
    }

    static let mark = "repeated after a restart"

    @Test(arguments: [false, true])
    func slackSaysSoInTheHeaderTheNotificationAndTheContext(repeated: Bool) {
        for batch in [[RepeatedMessageTests.delivery(repeated: repeated)],
                      (1...28).map { k -> OutboxDelivery in
                          var d = SlackMessageTests.delivery(k)
                          d.repeatedAfterRestart = repeated
                          return d
                      }] {
            let message = SlackSink.message(batch)
            let blocks = SlackMessageTests.blocks(message)
            let header = blocks.first?["text"]?["text"]?.stringValue ?? ""
            let context = blocks.last?["elements"]?.arrayValue?.first?["text"]?.stringValue ?? ""
            #expect(header.hasSuffix("(\(RepeatedMessageTests.mark))") == repeated, "\(header)")
            #expect(header.count <= 150)
            #expect(message["text"]?.stringValue?.hasPrefix("[\(RepeatedMessageTests.mark)]") == repeated)
            #expect(context.contains(IncidentText.repeatNote) == repeated, "\(context)")
        }
    }

    @Test(arguments: [false, true])
    func teamsSaysSoInTheHeadlineAndBelowTheFacts(repeated: Bool) {
        let card = TeamsSink.payload(RepeatedMessageTests.delivery(repeated: repeated))
        let body = card["attachments"]?.arrayValue?.first?["content"]?["body"]?.arrayValue ?? []
        #expect(body.first?["text"]?.stringValue?.hasSuffix("(\(RepeatedMessageTests.mark))") == repeated)
        #expect(body.contains { $0["text"]?.stringValue == IncidentText.repeatNote } == repeated)
    }

    @Test(arguments: [false, true])
    func theWebhookCarriesAFieldAndSaysSoInItsText(repeated: Bool) {
        let bytes = WebhookSink.payload(RepeatedMessageTests.delivery(.resolved, repeated: repeated))
        let payload = bytes.withUnsafeBufferPointer { JSONValue.parse($0) } ?? .null
        #expect(payload["repeated"]?.boolValue == (repeated ? true : nil))
        #expect(payload["text"]?.stringValue?.hasSuffix("(\(RepeatedMessageTests.mark))") == repeated)
    }

    @Test(arguments: [IncidentEvent.Event.opened, .updated, .resolved], [false, true])
    func mailAndTicketsSayItFirst(event: IncidentEvent.Event, repeated: Bool) throws {
        let yaml = """
            routing:
              sinks:
                mail: {kind: email, from: monitoring@agency.example, to: [desk@agency.example]}
            """
        let config = try Config.parse(yaml: yaml, file: "r.yaml")
        let mail = try #require(config.routing?.sink(named: "mail")?.sink as? EmailSink)
        let d = RepeatedMessageTests.delivery(event, repeated: repeated)
        let text = mail.message(d, recipients: ["desk@agency.example"], now: Timestamp(seconds: 1_795_000_100))
        let (head, body) = try #require(text.range(of: "\r\n\r\n").map { (text[..<$0.lowerBound], text[$0.upperBound...]) })
        #expect(head.contains("X-Lookout-Repeated: \(RepeatedMessageTests.mark)") == repeated)
        #expect(body.hasPrefix(IncidentText.repeatNote) == repeated)
        #expect(IncidentText.ticketBody(d).hasPrefix(IncidentText.repeatNote) == repeated, "helpdesk comments too")
        #expect(head.contains("Message-ID: \(EmailSink.messageID(d.key))"), "the same Message-ID as the attempt it repeats")
    }
}
