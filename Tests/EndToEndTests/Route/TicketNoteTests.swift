import Foundation
@testable import LookoutCore
@testable import LookoutRoute
import Testing

/// Acks and notes reach the incident's helpdesk tickets through the outbox: an ack and an internal note as private
/// comments, a public note as a public one, in order behind the ticket's creation, exactly once across a replay,
/// against loopback servers answering as Zendesk, Freshdesk and a templated helpdesk do.
@Suite(.serialized) struct TicketNoteTests {
    static let incidentID = "site1-home/1795000000000"
    static let base: Int64 = 1_795_000_000

    static func note(_ text: String, _ visibility: ControlEvent.Note.Visibility, at seconds: Int64, by: String = "callum") -> RouteInput {
        let control = ControlEvent.note(.init(incident: incidentID, visibility: visibility, text: text, by: by, at: Timestamp(seconds: base + seconds)))
        return .control(control, line: control.encoded())
    }

    static func incident(_ event: IncidentEvent.Event, at seconds: Int64) -> RouteInput {
        let e = RouteHarness.incident(1, event, at: seconds)
        return .incident(e, line: e.encoded())
    }

    /// Opened, acknowledged, a public note for the client, an internal note for the team, resolved.
    static let story: [RouteInput] = [
        incident(.opened, at: 90),
        .ack(incident: incidentID, at: Timestamp(seconds: base + 240), by: "callum", text: "on it"),
        note("Database restored, monitoring", .public, at: 600),
        note("it was the backup job again", .internal, at: 660),
        incident(.resolved, at: 900),
    ]

    static func deliveryLines(_ outcome: RouteHarness.Outcome) -> [[String: Any]] {
        outcome.lines.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
            .filter { $0["type"] as? String == "delivery" }
    }

    @Test func zendeskGetsTheAckAsAPrivateCommentAndThePublicNoteAsAPublicOne() async throws {
        let desk = FakeHelpdesk(.zendesk)
        let server = try RecordingServer { r, _ in desk.respond(r) }
        defer { server.shutdown() }
        let outcome = try await RouteHarness.run(RouteHarness.config(routing: RouteSinkTests.ticketRouting("zendesk", server.baseURL)),
                                                 inputs: Self.story)
        #expect(server.requests.map { "\($0.method) \($0.path)" } == ["POST /api/v2/tickets.json"] + Array(repeating: "PUT /api/v2/tickets/101.json", count: 4))
        let notes = desk.notes(101)
        #expect(notes.map(\.body) == ["Acknowledged by callum: on it", "Database restored, monitoring",
                                      "Internal note from callum: it was the backup job again", notes.last?.body ?? ""])
        #expect(notes.map(\.isPublic) == [false, true, false, true], "the customer sees the public note and the resolve only")
        #expect(desk.isSolved(101))
        let keys = server.requests.compactMap(\.idempotencyKey)
        #expect(keys[1].hasPrefix("\(Self.incidentID)|ack@1795000240000-") && keys[1].hasSuffix("|helpdesk"))
        #expect(keys[2].hasPrefix("\(Self.incidentID)|note@1795000600000-"))
        let lines = Self.deliveryLines(outcome)
        #expect(lines.map { $0["note"] as? String ?? "-" } == ["-", "ack", "public", "internal", "-"])
        #expect(lines.map { $0["event"] as? String ?? "" } == ["opened", "updated", "updated", "updated", "resolved"])
        #expect(lines.allSatisfy { $0["outcome"] as? String == "sent" })
        RouteSinkTests.noLeaks(outcome)
    }

    @Test func freshdeskGetsThePrivateNoteAndAPublicReply() async throws {
        let desk = FakeHelpdesk(.freshdesk)
        let server = try RecordingServer { r, _ in desk.respond(r) }
        defer { server.shutdown() }
        _ = try await RouteHarness.run(RouteHarness.config(routing: RouteSinkTests.ticketRouting("freshdesk", server.baseURL)),
                                       inputs: Array(Self.story.prefix(4)))
        #expect(server.requests.map { "\($0.method) \($0.path)" } == [
            "POST /api/v2/tickets", "POST /api/v2/tickets/101/notes", "POST /api/v2/tickets/101/reply", "POST /api/v2/tickets/101/notes",
        ])
        #expect((server.requests[1].json as? [String: Any])?["private"] as? Bool == true)
        #expect(desk.notes(101).map(\.isPublic) == [false, true, false])
        #expect(desk.notes(101)[1].body == "Database restored, monitoring")
    }

    /// The templated helpdesk comments notes through its `update` template; an internal one only when the template
    /// says where it goes (`{{public}}`), so a template that always comments publicly never shows the team's note.
    @Test(arguments: [true, false])
    func theTemplatedHelpdeskTakesInternalNotesOnlyWhenItsTemplateCanKeepThemPrivate(sayingVisibility: Bool) async throws {
        let server = try RecordingServer { r, _ in
            r.method == "POST" && r.path == "/api/tickets" ? .init(status: 201, body: #"{"id":"T-9"}"#) : .init(status: 204)
        }
        defer { server.shutdown() }
        let publicField = sayingVisibility ? "{{public}}" : "true"
        let routing = """
          sinks:
            desk:
              kind: http_ticket
              open: {url: "\(server.baseURL)/api/tickets", body: '{"title": {{subject}}, "text": {{body}}}', ref: id}
              update: {url: "\(server.baseURL)/api/tickets/{{ref}}/comments", body: '{"text": {{body}}, "public": \(publicField), "author": {{by}}}'}
          routes:
            - {severity: critical, sinks: [desk]}
        """
        _ = try await RouteHarness.run(RouteHarness.config(routing: routing), inputs: Array(Self.story.prefix(4)))
        let comments = server.requests.dropFirst().compactMap { $0.json as? [String: Any] }
        if sayingVisibility {
            #expect(comments.map { $0["public"] as? Bool } == [false, true, false])
            #expect(comments.map { $0["author"] as? String } == ["callum", "callum", "callum"])
        } else {
            #expect(comments.map { $0["text"] as? String } == ["Database restored, monitoring"], "only the public note")
        }
    }

    @Test func aReplayedAckOrNoteIsNotCommentedTwice() async throws {
        let desk = FakeHelpdesk(.zendesk)
        let server = try RecordingServer { r, _ in desk.respond(r) }
        defer { server.shutdown() }
        let dir = try Fixtures.tempFolder("notes")
        defer { try? FileManager.default.removeItem(at: dir) }
        let state = dir.appendingPathComponent("route.sqlite").path
        let yaml = RouteHarness.config(routing: RouteSinkTests.ticketRouting("zendesk", server.baseURL))
        _ = try await RouteHarness.run(yaml, inputs: Array(Self.story.prefix(3)), statePath: state)
        #expect(server.requests.count == 3)
        // The same lines again (a restart re-reading them), then a second note at the same instant with other words.
        let again = try await RouteHarness.run(yaml, inputs: Array(Self.story.prefix(3)) + [Self.note("ETA 10 minutes", .public, at: 600)],
                                               statePath: state)
        #expect(server.requests.count == 4, "\(server.requests.map(\.path))")
        #expect(desk.notes(101).map(\.body) == ["Acknowledged by callum: on it", "Database restored, monitoring", "ETA 10 minutes"])
        #expect(Self.deliveryLines(again).count == 1)
    }

    /// A team chat shows the ack and each note as a message of its own after the opening, in order and never
    /// grouped with incidents; a note on an incident no sink heard of queues nothing.
    @Test func aChatShowsTheAckAndTheNotesAndNothingForAnUnknownIncident() async throws {
        let slack = try RecordingServer()
        defer { slack.shutdown() }
        let stray = ControlEvent.note(.init(incident: "site9-home/1795000000000", visibility: .internal, text: "wrong incident", by: "callum",
                                            at: Timestamp(seconds: Self.base + 700)))
        let outcome = try await RouteHarness.run(RouteHarness.config(routing: RouteSinkTests.slackRouting(slack.baseURL)),
                                                 inputs: Array(Self.story.prefix(4)) + [.control(stray, line: stray.encoded())],
                                                 environment: ["SLACK_URL": slack.baseURL + RouteSinkTests.slackURLSecretPart])
        let texts = slack.requests.compactMap { ($0.json as? [String: Any])?["text"] as? String }
        #expect(texts.count == 4, "\(texts)")
        #expect(texts.dropFirst().map { $0.components(separatedBy: ": ").dropFirst().joined(separator: ": ") }
            == ["Acknowledged by callum: on it", "Database restored, monitoring", "Internal note from callum: it was the backup job again"])
        #expect(Self.deliveryLines(outcome).map { $0["note"] as? String ?? "-" } == ["-", "ack", "public", "internal"])
        #expect(!texts.joined().contains("wrong incident"))
    }

    /// With a bot token the ack lands in the incident's thread, under the opening.
    @Test func aSlackBotAnswersTheAckInTheIncidentsThread() async throws {
        let api = try RecordingServer { r, n in .init(status: 200, body: #"{"ok":true,"ts":"1795000000.00010\#(n)"}"#) }
        defer { api.shutdown() }
        let routing = """
              group_wait: 0s
              sinks:
                chat: {kind: slack, bot_token: "${HOOK_TOKEN}", channel: C0OUTAGES, api_url: "\(api.baseURL)/api"}
              routes:
                - {sinks: [chat]}
            """
        _ = try await RouteHarness.run(RouteHarness.config(routing: routing), inputs: Array(Self.story.prefix(2)))
        let posts = api.requests.compactMap { $0.json as? [String: Any] }
        #expect(posts.count == 2)
        #expect(posts.first?["thread_ts"] == nil)
        #expect(posts.last?["thread_ts"] as? String == "1795000000.000100", "under the opening's ts")
        #expect((posts.last?["text"] as? String)?.hasSuffix("Acknowledged by callum: on it") == true)
    }

    /// The built `route`, read once: the ack and the note in its input (as classify passes them on) reach the ticket.
    @Test func theRouteExecutableCommentsTheAcksAndNotesOfItsInput() throws {
        let desk = FakeHelpdesk(.zendesk)
        let server = try RecordingServer { r, _ in desk.respond(r) }
        defer { server.shutdown() }
        let dir = try Fixtures.tempFolder("notes-route")
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("config.yaml").path
        try RouteHarness.config(routing: RouteSinkTests.ticketRouting("zendesk", server.baseURL)).write(toFile: config, atomically: true, encoding: .utf8)
        let input = Self.story.prefix(3).map { input -> String in
            switch input {
            case .incident(_, let line), .control(_, let line): String(decoding: line, as: UTF8.self)
            }
        }
        let run = try ChildProcess.run("route", ["--config", config], stdin: Data((input.joined(separator: "\n") + "\n").utf8),
                                       environment: ChildProcess.environment(adding: RouteHarness.environment), timeout: 60)
        #expect(run.status == 0, "\(run.stderrText)")
        #expect(Array(run.stdoutLines.filter { !$0.contains(#""type":"delivery""#) }) == input, "every line passes through")
        #expect(desk.notes(101).map(\.isPublic) == [false, true])
        #expect(run.stdoutLines.filter { $0.contains(#""note":"ack""#) }.count == 1)
    }
}
