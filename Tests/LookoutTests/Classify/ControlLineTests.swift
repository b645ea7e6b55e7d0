import Foundation
@testable import LookoutClassify
@testable import LookoutCore
import Testing

/// Control lines (ack, silence, maintenance, note, unsilence, cancel): strict decoding, the refusals classify makes
/// against config and state, and silences surviving a restart with --state. The semantics are in the golden
/// fixtures silence-still-down, silence-recovered, maintenance-now, ack-stops-reminders and note-passes-through.
@Suite struct ControlLineTests {
    static func decode(_ line: String) throws -> ControlEvent {
        var fields: [JSONField] = []
        return try Array(line.utf8).withUnsafeBufferPointer { buf in
            try JSONScanner.scanObject(buf, into: &fields)
            return try ControlEvent(ScannedObject(bytes: buf, fields: fields))
        }
    }

    static let at = #""by":"arron","at":"2026-12-01T10:00:00Z""#

    @Test(arguments: [
        (#"{"v":1,"type":"ack","by":"c","at":"2026-12-01T10:00:00Z"}"#, #"missing required field "incident""#),
        (#"{"v":1,"type":"ack","incident":"a/1","at":"2026-12-01T10:00:00Z"}"#, #"missing required field "by""#),
        (#"{"v":1,"type":"ack","incident":"a/1","by":"","at":"2026-12-01T10:00:00Z"}"#, #"field "by" must name who did it"#),
        (#"{"v":1,"type":"silence","id":"s","duration":"1h","@AT@"}"#, #"a silence needs at least one of "check", "site", "client""#),
        (#"{"v":1,"type":"silence","id":"s","site":"acme","@AT@"}"#, #"a silence needs "end" or "duration""#),
        (#"{"v":1,"type":"silence","id":"s","site":"acme","duration":"1h","end":"2026-12-01T11:00:00Z","@AT@"}"#, #"a silence takes "end" or "duration", not both"#),
        (#"{"v":1,"type":"silence","id":"s","site":"acme","end":"2026-12-01T09:00:00Z","@AT@"}"#, "the silence ends (2026-12-01T09:00:00Z) before or when it starts (2026-12-01T10:00:00Z)"),
        (#"{"v":1,"type":"silence","id":"s","site":"acme","duration":"soon","@AT@"}"#, #"field "duration" must be a span such as 30m, 2h or 1d (got "soon")"#),
        (#"{"v":1,"type":"maintenance","id":"m","check":"acme-home","duration":"1h","@AT@"}"#, #"a maintenance line names one "site" and no check or client"#),
        (#"{"v":1,"type":"note","incident":"a/1","visibility":"secret","text":"x","@AT@"}"#, #"field "visibility" must be public or internal (got "secret")"#),
        (#"{"v":1,"type":"unsilence","@AT@"}"#, #"missing required field "id""#),
    ])
    func refusesMalformedControlLines(line: String, message: String) {
        let line = line.replacingOccurrences(of: "\"@AT@\"", with: Self.at)
        #expect(throws: EventError(message)) { try Self.decode(line) }
    }

    @Test(arguments: [
        #"{"v":1,"type":"ack","incident":"acme-home/1","by":"callum","at":"2026-12-01T10:00:00Z","text":"on it"}"#,
        #"{"v":1,"type":"silence","id":"s1","site":"acme","client":"ACME","start":"2026-12-01T10:00:00Z","end":"2026-12-01T12:00:00Z","reason":"host migration","by":"arron","at":"2026-12-01T10:00:00Z"}"#,
        #"{"v":1,"type":"maintenance","id":"m1","site":"acme","end":"2026-12-01T10:30:00Z","by":"x","at":"2026-12-01T10:00:00Z"}"#,
        #"{"v":1,"type":"note","incident":"acme-home/1","visibility":"public","text":"Database restored","by":"x","at":"2026-12-01T10:00:00Z"}"#,
        #"{"v":1,"type":"unsilence","id":"s1","by":"x","at":"2026-12-01T10:00:00Z"}"#,
        #"{"v":1,"type":"cancel","id":"m1","by":"x","at":"2026-12-01T10:00:00Z"}"#,
    ])
    func roundTripsInItsCanonicalForm(line: String) throws {
        let event = try Self.decode(line)
        #expect(String(decoding: event.encoded(), as: UTF8.self) == line)
        if case .control(let again) = try EventDecodeTests.withObject(Array(line.utf8), { try AnyEvent($0) }) {
            #expect(again == event)
        } else {
            Issue.record("AnyEvent does not decode \(line) as a control line")
        }
    }

    @Test func durationIsTheSameAsAnEnd() throws {
        let a = try Self.decode(#"{"v":1,"type":"silence","id":"s","site":"acme","duration":"2h","by":"x","at":"2026-12-01T10:00:00Z"}"#)
        let b = try Self.decode(#"{"v":1,"type":"silence","id":"s","site":"acme","end":"2026-12-01T12:00:00Z","by":"x","at":"2026-12-01T10:00:00Z"}"#)
        #expect(a == b)
    }

    static func classifier(_ extra: String = "") throws -> Classifier {
        let yaml = ClassifyHarness.config(extra: extra)
        return try Classifier(config: Config.parse(yaml: yaml, file: "t.yaml"))
    }

    @Test(arguments: [
        (#"{"v":1,"type":"silence","id":"s","site":"acme","duration":"8d","by":"x","at":"2026-12-01T10:00:00Z"}"#,
         "the silence lasts 8d, over the maximum of 7d (classify.max_control_duration)"),
        (#"{"v":1,"type":"silence","id":"s","site":"globex","duration":"1h","by":"x","at":"2026-12-01T10:00:00Z"}"#,
         "the silence s matches no configured check"),
        (#"{"v":1,"type":"maintenance","id":"m","site":"acme","duration":"1h","by":"x","at":"2026-12-01T10:00:00Z"}"#, nil),
        (#"{"v":1,"type":"ack","incident":"acme-home/1796119200000","by":"x","at":"2026-12-01T10:00:00Z"}"#,
         #"unknown incident "acme-home/1796119200000": no open incident has that id"#),
        (#"{"v":1,"type":"ack","incident":"nope/1","by":"x","at":"2026-12-01T10:00:00Z"}"#,
         #"unknown incident "nope/1": no check "nope" in the config"#),
        (#"{"v":1,"type":"note","incident":"acme-home/1896119200000","visibility":"public","text":"x","by":"x","at":"2026-12-01T10:00:00Z"}"#,
         #"unknown incident "acme-home/1896119200000""#),
        (#"{"v":1,"type":"unsilence","id":"never","by":"x","at":"2026-12-01T10:00:00Z"}"#, #"no silence with id "never""#),
        (#"{"v":1,"type":"cancel","id":"never","by":"x","at":"2026-12-01T10:00:00Z"}"#, #"no on-demand maintenance window with id "never""#),
    ] as [(String, String?)])
    func classifyRefusesWhatItCanTellIsWrong(line: String, message: String?) throws {
        let c = try Self.classifier()
        let event = try Self.decode(line)
        if let message {
            #expect(throws: EventError(message)) { try c.apply(event) }
        } else {
            try c.apply(event)
        }
    }

    @Test func theMaximumIsConfigured() throws {
        let c = try Self.classifier("classify:\n  max_control_duration: 1h\n")
        let event = try Self.decode(#"{"v":1,"type":"maintenance","id":"m","site":"acme","duration":"2h","by":"x","at":"2026-12-01T10:00:00Z"}"#)
        #expect(throws: EventError("the maintenance lasts 2h, over the maximum of 1h (classify.max_control_duration)")) { try c.apply(event) }
    }

    @Test func refusedLinesAreCountedAndTheRestGoesOn() throws {
        let input = #"{"v":1,"type":"unsilence","id":"never","by":"x","at":"2026-11-24T09:59:00Z"}"# + "\n"
            + ClassifyHarness.results("..")
        let run = try ClassifyHarness.run(yaml: ClassifyHarness.config(), input: input)
        #expect(run.rejected == 1)
        #expect(run.lines.count == 2)
    }

    /// A silence read before a restart still holds the incident after it: the windows live in --state.
    @Test func aRestartKeepsActiveSilences() throws {
        let dir = try ClassifyHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let state = dir.appendingPathComponent("classify.sqlite").path
        let silence = #"{"v":1,"type":"silence","id":"s1","check":"acme-home","duration":"1h","by":"x","at":"2026-11-24T09:59:00Z"}"#
        let first = try ClassifyHarness.run(yaml: ClassifyHarness.config(), input: silence + "\n" + ClassifyHarness.results(".."), statePath: state)
        #expect(first.lines.first == silence)
        let second = try ClassifyHarness.run(yaml: ClassifyHarness.config(),
                                             input: ClassifyHarness.results("xxxxx", start: "2026-11-24T10:01:00Z"), statePath: state)
        #expect(second.incidents.map { $0["severity"] as? String } == ["none"])
        #expect(second.incidents.first?["maintenance"] as? String == "silence:s1")
        // Without the state the same results alert: the silence was what held them.
        let fresh = try ClassifyHarness.run(yaml: ClassifyHarness.config(), input: ClassifyHarness.results("xxxxx", start: "2026-11-24T10:01:00Z"))
        #expect(fresh.incidents.map { $0["severity"] as? String } == ["critical"])
    }

    /// An ack survives a restart too: it lives in the check's saved tracker.
    @Test func anAckSurvivesARestart() throws {
        let dir = try ClassifyHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let state = dir.appendingPathComponent("classify.sqlite").path
        let first = try ClassifyHarness.run(yaml: ClassifyHarness.config(), input: ClassifyHarness.results("xxxx"), statePath: state)
        let id = try #require(first.incidents.first?["id"] as? String)
        let ack = "{\"v\":1,\"type\":\"ack\",\"incident\":\"\(id)\",\"by\":\"callum\",\"at\":\"2026-11-24T10:02:00Z\"}\n"
        _ = try ClassifyHarness.run(yaml: ClassifyHarness.config(), input: ack, statePath: state)
        let third = try ClassifyHarness.run(yaml: ClassifyHarness.config(),
                                            input: ClassifyHarness.results("..", start: "2026-11-24T10:03:00Z"), statePath: state)
        #expect(third.incidents.map { $0["acked_by"] as? String } == ["callum"])
    }
}

extension ControlLineTests {
    /// The ack-stops-reminders fixture without its ack line writes reminders: the ack is what stops them.
    @Test func withoutTheAckTheRemindersAreWritten() throws {
        let dir = ClassifyHarness.fixtures
        let config = try Config.load(path: dir.appendingPathComponent("ack-stops-reminders.config.yaml").path, environment: [:])
        let input = try String(contentsOf: dir.appendingPathComponent("ack-stops-reminders.in.ndjson"), encoding: .utf8)
        let withAck = try ClassifyHarness.run(config: config, input: input)
        let without = try ClassifyHarness.run(config: config, input: input.split(separator: "\n")
            .filter { !$0.contains("\"type\":\"ack\"") }.joined(separator: "\n") + "\n")
        #expect(withAck.incidents.map { $0["event"] as? String } == ["opened", "resolved"])
        #expect(without.incidents.filter { $0["event"] as? String == "updated" }.count == 3)
        #expect(withAck.incidents.last?["acked_by"] as? String == "callum")
    }

    /// A replay of the control fixtures gives the same bytes.
    @Test func controlFixturesReplayByteForByte() throws {
        let dir = ClassifyHarness.fixtures
        for name in ["silence-still-down", "maintenance-now", "ack-stops-reminders"] {
            let config = try Config.load(path: dir.appendingPathComponent("\(name).config.yaml").path, environment: [:])
            let input = try String(contentsOf: dir.appendingPathComponent("\(name).in.ndjson"), encoding: .utf8)
            #expect(try ClassifyHarness.run(config: config, input: input).lines == ClassifyHarness.run(config: config, input: input).lines)
        }
    }
}
