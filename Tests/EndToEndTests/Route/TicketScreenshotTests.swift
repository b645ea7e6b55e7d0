import Foundation
@testable import LookoutCore
import Testing

/// A browser check's screenshot on a new helpdesk ticket, against loopback servers answering as Zendesk and
/// Freshdesk: uploaded and attached when route can read it, named by its path when it cannot, and never sent twice
/// when a repeated opening finds its ticket.
@Suite struct TicketScreenshotTests {
    /// A PNG's signature, then bytes a careless multipart writer would trip on: CRLFs, dashes, a boundary-like line.
    static let png: [UInt8] = TicketScreenshotTests.signature + Array("\r\n--lookout-0\r\n\r\n--".utf8) + (0..<2048).map { UInt8($0 % 256) }
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// A folder holding `bytes` as probe names a screenshot.
    final class Shot {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("shot-\(UUID())")
        let path: String
        init(_ bytes: [UInt8]) throws {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            path = folder.appendingPathComponent("site1-home-20261125T080000.120Z.png").path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        }
        deinit { try? FileManager.default.removeItem(at: folder) }
    }

    static func opening(screenshot: String?) -> IncidentEvent {
        var e = RouteHarness.incident(1, .opened, at: 90)
        e.screenshot = screenshot
        return e
    }

    static func run(_ kind: String, _ server: RecordingServer, screenshot: String?) async throws -> RouteHarness.Outcome {
        try await RouteHarness.run(RouteHarness.config(routing: RouteSinkTests.ticketRouting(kind, server.baseURL)),
                                   events: [opening(screenshot: screenshot)])
    }

    @Test func zendeskUploadsTheScreenshotThenAttachesItsToken() async throws {
        let shot = try Shot(TicketScreenshotTests.png)
        let desk = FakeHelpdesk(.zendesk)
        let server = try RecordingServer { r, _ in desk.respond(r) }
        defer { server.shutdown() }
        let outcome = try await TicketScreenshotTests.run("zendesk", server, screenshot: shot.path)
        #expect(server.requests.map { "\($0.method) \($0.uri)" } == [
            "POST /api/v2/uploads.json?filename=site1-home-20261125T080000.120Z.png", "POST /api/v2/tickets.json",
        ])
        let upload = try #require(desk.upload("upload1"))
        #expect(upload.bytes == TicketScreenshotTests.png, "the file's exact bytes")
        #expect(upload.contentType == "image/png")
        #expect(server.requests[0].header("Authorization")?.hasPrefix("Basic ") == true)
        let ticket = try #require(desk.ticket(for: "site1-home/1795000000000"))
        #expect(desk.attachedTokens(ticket) == ["upload1"])
        let comment = try #require(((server.requests[1].json as? [String: Any])?["ticket"] as? [String: Any])?["comment"] as? [String: Any])
        #expect((comment["body"] as? String)?.hasSuffix("A screenshot of the page when the check failed is attached (site1-home-20261125T080000.120Z.png).") == true)
        #expect(server.requests[1].idempotencyKey == "site1-home/1795000000000|opened|helpdesk")
        #expect(outcome.deliveries.map(\.outcome) == ["sent"])
        RouteSinkTests.noLeaks(outcome)
    }

    /// The same form field names and values a JSON create sends: a list is `name[]` per item, an object `name[key]`.
    static func formFields(ofJSON object: [String: Any]) -> [String: [String]] {
        var fields: [String: [String]] = [:]
        for (key, value) in object {
            switch value {
            case let items as [Any]: fields[key + "[]"] = items.map { "\($0)" }
            case let members as [String: Any]: for (k, v) in members { fields["\(key)[\(k)]"] = ["\(v)"] }
            default: fields[key] = ["\(value)"]
            }
        }
        return fields
    }

    @Test func freshdeskSendsAMultipartCreateWithTheJSONFieldsAndThePNG() async throws {
        let shot = try Shot(TicketScreenshotTests.png)
        let desk = FakeHelpdesk(.freshdesk)
        let server = try RecordingServer { r, _ in desk.respond(r) }
        defer { server.shutdown() }
        let outcome = try await TicketScreenshotTests.run("freshdesk", server, screenshot: shot.path)
        // The JSON create the same opening sends without a screenshot, for its fields.
        let plainDesk = FakeHelpdesk(.freshdesk)
        let plainServer = try RecordingServer { r, _ in plainDesk.respond(r) }
        defer { plainServer.shutdown() }
        _ = try await TicketScreenshotTests.run("freshdesk", plainServer, screenshot: nil)
        let json = try #require(plainServer.requests.first?.json as? [String: Any])

        #expect(server.requests.map { "\($0.method) \($0.path)" } == ["POST /api/v2/tickets"])
        let request = server.requests[0]
        let boundary = try #require(request.boundary)
        #expect(request.body.suffix(boundary.utf8.count + 6) == ArraySlice(Array("--\(boundary)--\r\n".utf8)), "closed by the final boundary and a CRLF")
        #expect(!String(decoding: TicketScreenshotTests.png, as: UTF8.self).contains(boundary))
        let parts = try #require(request.formParts)
        let files = parts.filter { $0.disposition("filename") != nil }
        #expect(files.count == 1)
        #expect(files.first?.name == "attachments[]")
        #expect(files.first?.disposition("filename") == "site1-home-20261125T080000.120Z.png")
        #expect(files.first?.header("Content-Type") == "image/png")
        #expect(files.first?.body == TicketScreenshotTests.png, "the attachment part is the file's exact bytes")

        var sent: [String: [String]] = [:]
        for part in parts where part.disposition("filename") == nil { sent[part.name ?? "?", default: []].append(part.text) }
        var expected = TicketScreenshotTests.formFields(ofJSON: json)
        #expect(sent["tags[]"] == ["lookout", "critical"] && sent["custom_fields[cf_lookout_incident]"] == ["site1-home/1795000000000"])
        // The description alone differs: it says the picture is attached.
        let description = try #require(expected.removeValue(forKey: "description")?.first)
        #expect(sent.removeValue(forKey: "description") == [description + "<br><br>A screenshot of the page when the check failed is attached (site1-home-20261125T080000.120Z.png)."])
        #expect(sent == expected)
        #expect(desk.createdCount == 1 && desk.ticket(for: "site1-home/1795000000000") != nil)
        #expect(outcome.deliveries.map(\.outcome) == ["sent"])
        RouteSinkTests.noLeaks(outcome)
    }

    enum Unattachable: String, CaseIterable, Sendable {
        case missing, notPNG, tooBig
        var reason: String {
            switch self {
            case .missing: "it is not readable where route runs"
            case .notPNG: "it is not a PNG"
            case .tooBig: "it is larger than 10 MiB"
            }
        }
    }

    /// A screenshot route cannot read (probe on another host, or pruned), that is not a PNG, or that is too big: the
    /// ticket is made at once, without an upload, and says where the picture is kept and why it is not attached.
    @Test(arguments: ["zendesk", "freshdesk"], Unattachable.allCases)
    func aScreenshotThatCannotBeAttachedIsNamedByItsPath(kind: String, file: Unattachable) async throws {
        let shot = try Shot(file == .notPNG ? Array("<html>not a picture</html>".utf8)
                            : file == .tooBig ? TicketScreenshotTests.signature + [UInt8](repeating: 7, count: 10 << 20) : TicketScreenshotTests.png)
        let path = file == .missing ? shot.folder.appendingPathComponent("pruned.png").path : shot.path
        let desk = FakeHelpdesk(kind == "zendesk" ? .zendesk : .freshdesk)
        let server = try RecordingServer { r, _ in desk.respond(r) }
        defer { server.shutdown() }
        let outcome = try await TicketScreenshotTests.run(kind, server, screenshot: path)
        let sentence = "Screenshot kept on the monitor at \(path) (not attached: \(file.reason))."
        if kind == "zendesk" {
            #expect(server.requests.map { "\($0.method) \($0.path)" } == ["POST /api/v2/tickets.json"])
            let comment = try #require(((server.requests[0].json as? [String: Any])?["ticket"] as? [String: Any])?["comment"] as? [String: Any])
            #expect((comment["body"] as? String)?.hasSuffix("\n\n" + sentence) == true)
            #expect(comment["uploads"] == nil)
        } else {
            #expect(server.requests.map { "\($0.method) \($0.path)" } == ["POST /api/v2/tickets"])
            #expect(server.requests[0].header("Content-Type") == "application/json")
            #expect(((server.requests[0].json as? [String: Any])?["description"] as? String)?.hasSuffix("<br><br>" + sentence) == true)
        }
        #expect(desk.createdCount == 1)
        #expect(outcome.deliveries.map { "\($0.outcome)#\($0.attempt)" } == ["sent#1"])
    }

    /// An upload Zendesk refuses (here a 500) costs the picture, not the ticket: made on the same attempt, saying so.
    @Test func aRefusedZendeskUploadLeavesTheTicketWithoutIt() async throws {
        let shot = try Shot(TicketScreenshotTests.png)
        let desk = FakeHelpdesk(.zendesk)
        let server = try RecordingServer { r, _ in
            r.path == "/api/v2/uploads.json" ? .init(status: 500, body: #"{"error":"boom"}"#) : desk.respond(r)
        }
        defer { server.shutdown() }
        let outcome = try await TicketScreenshotTests.run("zendesk", server, screenshot: shot.path)
        #expect(server.requests.map { "\($0.method) \($0.path)" } == ["POST /api/v2/uploads.json", "POST /api/v2/tickets.json"])
        let comment = try #require(((server.requests[1].json as? [String: Any])?["ticket"] as? [String: Any])?["comment"] as? [String: Any])
        #expect((comment["body"] as? String)?.hasSuffix("Screenshot kept on the monitor at \(shot.path) (not attached: the upload failed, HTTP 500).") == true)
        #expect(comment["uploads"] == nil)
        #expect(outcome.deliveries.map { "\($0.outcome)#\($0.attempt)" } == ["sent#1"])
    }

    /// A 429 with Retry-After on the upload holds the sink like any 429: the create would meet the same limit. The
    /// next attempt, having found no ticket, uploads again and attaches the picture.
    @Test func aRateLimitedUploadWaitsAndThenAttaches() async throws {
        let shot = try Shot(TicketScreenshotTests.png)
        let desk = FakeHelpdesk(.zendesk)
        let uploads = Counter()
        let server = try RecordingServer { r, _ in
            guard r.path == "/api/v2/uploads.json" else { return desk.respond(r) }
            uploads.add()
            return uploads.value == 1 ? .init(status: 429, headers: [("Retry-After", "1")], body: #"{"error":"TooManyRequests"}"#) : desk.respond(r)
        }
        defer { server.shutdown() }
        let outcome = try await TicketScreenshotTests.run("zendesk", server, screenshot: shot.path)
        #expect(server.requests.map { "\($0.method) \($0.path)" }
                == ["POST /api/v2/uploads.json", "GET /api/v2/tickets.json", "POST /api/v2/uploads.json", "POST /api/v2/tickets.json"])
        let ticket = try #require(desk.ticket(for: "site1-home/1795000000000"))
        #expect(desk.attachedTokens(ticket) == ["upload1"] && desk.createdCount == 1)
        #expect(outcome.deliveries.map { "\($0.outcome)#\($0.attempt)" } == ["retrying#1", "sent#2"])
    }

    /// A create refused with the picture for good (Zendesk: a 422 for the token; Freshdesk: a 400 for the form) is
    /// sent again without it on the same attempt; Zendesk's under its own key, as the first key's answer is kept.
    @Test(arguments: ["zendesk", "freshdesk"])
    func aCreateRefusedWithThePictureIsMadeWithoutIt(kind: String) async throws {
        let shot = try Shot(TicketScreenshotTests.png)
        let desk = FakeHelpdesk(kind == "zendesk" ? .zendesk : .freshdesk)
        let server = try RecordingServer { r, _ in
            let withPicture = r.text.contains("\"uploads\"") || r.boundary != nil
            return r.method == "POST" && r.path.hasPrefix("/api/v2/tickets") && withPicture
                ? .init(status: kind == "zendesk" ? 422 : 400, body: #"{"error":"RecordInvalid"}"#) : desk.respond(r)
        }
        defer { server.shutdown() }
        let outcome = try await TicketScreenshotTests.run(kind, server, screenshot: shot.path)
        #expect(desk.createdCount == 1)
        #expect(outcome.deliveries.map { "\($0.outcome)#\($0.attempt)" } == ["sent#1"])
        let last = try #require(server.requests.last)
        let body = kind == "zendesk"
            ? (((last.json as? [String: Any])?["ticket"] as? [String: Any])?["comment"] as? [String: Any])?["body"] as? String
            : (last.json as? [String: Any])?["description"] as? String
        let status = kind == "zendesk" ? 422 : 400
        #expect(body?.contains("(not attached: the ticket was refused with it, HTTP \(status)).") == true, "\(body ?? "")")
        if kind == "zendesk" {
            #expect(server.requests.map(\.idempotencyKey) == [nil, "site1-home/1795000000000|opened|helpdesk",
                                                               "site1-home/1795000000000|opened|helpdesk|without-screenshot"])
        }
    }

    /// The first create reaches the helpdesk but its answer is lost (a 504 from a proxy): the second attempt asks
    /// first, finds the ticket, and sends neither a second upload nor a second ticket.
    @Test(arguments: ["zendesk", "freshdesk"])
    func aRepeatedOpeningThatFindsItsTicketUploadsNothing(kind: String) async throws {
        let shot = try Shot(TicketScreenshotTests.png)
        let desk = FakeHelpdesk(kind == "zendesk" ? .zendesk : .freshdesk)
        let creates = Counter()
        let server = try RecordingServer { r, _ in
            let answer = desk.respond(r)
            let isCreate = r.method == "POST" && (r.path == "/api/v2/tickets.json" || r.path == "/api/v2/tickets")
            guard isCreate else { return answer }
            creates.add()
            return creates.value == 1 ? .init(status: 504, body: "gateway timeout") : answer
        }
        defer { server.shutdown() }
        let outcome = try await TicketScreenshotTests.run(kind, server, screenshot: shot.path)
        let calls = server.requests.map { "\($0.method) \($0.path)" }
        if kind == "zendesk" {
            #expect(calls == ["POST /api/v2/uploads.json", "POST /api/v2/tickets.json", "GET /api/v2/tickets.json"])
            #expect(desk.uploadCount == 1)
        } else {
            #expect(calls == ["POST /api/v2/tickets", "GET /api/v2/search/tickets"])
            #expect(server.requests.filter { $0.formParts != nil }.count == 1)
        }
        #expect(desk.createdCount == 1)
        #expect(outcome.deliveries.map { "\($0.outcome)#\($0.attempt)" } == ["retrying#1", "sent#2"])
    }

    /// http_ticket sends no file; `{{screenshot}}` gives a template the path on the monitor.
    @Test func httpTicketTemplatesGetThePath() async throws {
        let server = try RecordingServer { _, _ in .init(status: 201, body: #"{"id":7}"#) }
        defer { server.shutdown() }
        let routing = """
          sinks:
            desk: {kind: http_ticket, open: {url: "\(server.baseURL)/tickets", body: '{"text": {{body}}, "screenshot": {{screenshot}}}', ref: id}}
          routes:
            - {sinks: [desk]}
        """
        _ = try await RouteHarness.run(RouteHarness.config(routing: routing),
                                       events: [TicketScreenshotTests.opening(screenshot: "/var/lib/lookout/screenshots/site1-home/x.png")])
        #expect((server.requests.first?.json as? [String: Any])?["screenshot"] as? String == "/var/lib/lookout/screenshots/site1-home/x.png")
    }

    /// `route --dry-run` shows a file's size and type, not its bytes, and the same on every run (no random boundary).
    @Test func aDryRunShowsTheFilesSizeAndTypeTheSameEachTime() throws {
        let dir = try RouteProcessTests.TempDir()
        let shot = try Shot(TicketScreenshotTests.png)
        let routing = """
          sinks:
            zd: {kind: zendesk, url: "http://127.0.0.1:9", email: ops@agency.example, token: "${ZENDESK_TOKEN}"}
            fd: {kind: freshdesk, url: "http://127.0.0.1:9", api_key: "${FRESHDESK_KEY}"}
          routes:
            - {sinks: [zd, fd]}
        """
        try RouteHarness.config(routing: routing).write(toFile: dir.path("config.yaml"), atomically: true, encoding: .utf8)
        try RouteProcessTests.write([TicketScreenshotTests.opening(screenshot: shot.path)], to: dir.path("in.ndjson"))
        let runs = try (0..<2).map { _ in
            try ChildProcess.run("route", ["--config", dir.path("config.yaml"), "--input", dir.path("in.ndjson"), "--dry-run"],
                                 environment: RouteHarness.environment, timeout: 30)
        }
        #expect(runs.allSatisfy { $0.status == 0 }, "\(runs[0].stderrText)")
        // The two sinks send side by side, so their lines may interleave either way.
        #expect(runs[0].stdoutLines.sorted() == runs[1].stdoutLines.sorted())
        let lines = runs[0].stdoutLines.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
        let size = TicketScreenshotTests.png.count
        #expect(lines.contains { ($0["url"] as? String)?.hasSuffix("/api/v2/uploads.json?filename=site1-home-20261125T080000.120Z.png") == true
                                 && $0["body"] as? String == "\(size) bytes of image/png" })
        let create = lines.first { ($0["url"] as? String)?.hasSuffix("/api/v2/tickets.json") == true }
        #expect((((create?["body"] as? [String: Any])?["ticket"] as? [String: Any])?["comment"] as? [String: Any])?["uploads"] as? [String] == ["dry-run"])
        #expect(lines.contains { ($0["url"] as? String)?.hasSuffix("/api/v2/tickets") == true
                                 && ($0["body"] as? String)?.hasSuffix(" bytes of multipart/form-data") == true })
        #expect(!runs[0].stdoutText.contains("lookout-0"), "no part of the file is printed")
    }
}
