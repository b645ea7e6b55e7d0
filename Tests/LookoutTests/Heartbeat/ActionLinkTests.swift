import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import LookoutCommands
@testable import LookoutCore
@testable import LookoutProbe
@testable import LookoutTesting
import NIOCore
import NIOHTTP1
import Testing

/// One-tap action links tested for real: a receiver on 127.0.0.1 with its used links in a SQLite file, a control
/// file in a temp folder, links signed as route signs them, and requests over HTTP.
@Suite(.serialized) struct ActionLinkTests {
    static let key = "k3y-for-tests-0123456789abcdef0123456789abcdef"
    static let t0 = Timestamp(rfc3339: "2026-12-01T10:00:00Z")!
    static let incident = "acme-home/1796119200000"

    static func config(key: String = ActionLinkTests.key, extra: String = "") throws -> Config {
        try Config.parse(yaml: """
            tiers: {enhanced: {outage: critical}}
            sites:
              - id: acme
                name: ACME Ltd
                tier: enhanced
                checks:
                  - {id: acme-home, tcp: "acme.example:443"}
            actions:
              public_url: https://monitor.agency.example/
              key: ${ACTIONS_KEY}
            \(extra)
            """, file: "actions.yaml", environment: ["ACTIONS_KEY": key])
    }

    /// A running receiver with actions, its control file and its state file.
    final class Harness: @unchecked Sendable {
        let clock = ManualClock(ActionLinkTests.t0)
        let folder: URL
        let control: String
        let statePath: String
        let config: Config
        let signer: ActionSigner
        var port = 0
        var server: HeartbeatReceiver.Server?

        init() throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("lookout-actions-\(UUID())")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            control = folder.appendingPathComponent("results.ndjson").path
            statePath = folder.appendingPathComponent("probe.sqlite").path
            config = try ActionLinkTests.config()
            signer = ActionSigner(key: config.actions!.key)
        }

        func start() async throws {
            let database = try StateDatabase.open(path: statePath, migrations: PingStore.migrations + UsedLinkStore.migrations)
            let metrics = ProbeMetrics()
            let actions = ActionEndpoint(config: config, actions: config.actions!, controlPath: control, used: UsedLinkStore(database: database),
                                         clock: clock, metrics: metrics, logger: Logger(label: "test"))
            let receiver = HeartbeatReceiver(checks: config.allChecks, store: PingStore(database: database), clock: clock, metrics: metrics,
                                             actions: actions)
            let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
            server = receiver.start(host: "127.0.0.1", port: 0, logger: Logger(label: "test")) { continuation.yield($0) }
            for await p in stream { port = p; break }
        }

        func stop() async { await server?.stop() }

        /// The receiver's path for a link, as its URL carries it.
        func path(_ link: ActionLink) -> String { link.url(base: "") }

        func link(_ action: ActionLink.Action = .ack, incident: String = ActionLinkTests.incident, expiresIn: TimeSpan = .hours(24)) -> ActionLink {
            signer.link(action, incident: incident, expires: clock.now() + expiresIn)
        }

        func request(_ path: String, method: HTTPMethod = .GET, form: String? = nil) async throws -> (status: Int, body: String, headers: HTTPHeaders) {
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
            request.method = method
            if let form {
                request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
                request.body = .bytes(ByteBuffer(string: form))
            }
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 20)), response.headers)
        }

        var lines: [String] {
            ((try? String(contentsOfFile: control, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }

        deinit { try? FileManager.default.removeItem(at: folder) }

        static func with(_ body: (Harness) async throws -> Void) async throws {
            let h = try Harness()
            try await h.start()
            do { try await body(h) } catch { await h.stop(); throw error }
            await h.stop()
        }
    }

    // MARK: Signing

    @Test func aLinkRoundTripsThroughItsTokenAndOnlyTheKeysSignatureIsAuthentic() throws {
        let signer = ActionSigner(key: Secret(ActionLinkTests.key, source: "test"))
        let link = signer.link(.silence, incident: ActionLinkTests.incident, expires: ActionLinkTests.t0 + .milliseconds(1500))
        #expect(link.expires == ActionLinkTests.t0 + .seconds(1), "expiry is whole seconds")
        #expect(link.url(base: "https://m.example").hasPrefix("https://m.example/act/silence.1796119201."))
        #expect(link.token.utf8.allSatisfy { c in c == 46 || c == 45 || c == 95 || (48...57).contains(c) || (65...90).contains(c) || (97...122).contains(c) },
                "only letters, digits, '-', '_' and '.': nothing a chat app re-escapes")
        let parsed = try #require(ActionLink(token: link.token))
        #expect(parsed == link)
        #expect(signer.isAuthentic(parsed))
        var changed = parsed
        changed.action = .ack
        #expect(!signer.isAuthentic(changed), "the action is signed")
        changed = parsed
        changed.incident = "acme-home/1796119200001"
        #expect(!signer.isAuthentic(changed), "the incident is signed")
        changed = parsed
        changed.expires = parsed.expires + .seconds(3600)
        #expect(!signer.isAuthentic(changed), "the expiry is signed")
        let other = ActionSigner(key: Secret("another-key-0123456789abcdef0123456789abcdef", source: "test"))
        #expect(!other.isAuthentic(parsed), "another key's link is forged")
        #expect(!signer.isAuthentic(other.link(.silence, incident: ActionLinkTests.incident, expires: link.expires)))
    }

    @Test(arguments: ["", "ack", "ack.1.YQ", "nope.1796119201.YWNtZQ.sig", "ack.x.YWNtZQ.sig", "ack.1796119201.!!.sig", "ack.1796119201..sig",
                      "ack.1796119201.YWNtZQ.", String(repeating: "a", count: 2000)])
    func malformedTokensAreNoLink(token: String) {
        #expect(ActionLink(token: token) == nil)
    }

    // MARK: The receiver

    @Test func aGetShowsTheConfirmationAndWritesNothingAndOnlyThePostActsOnce() async throws {
        try await Harness.with { h in
            let link = h.link(.ack)
            for _ in 0..<3 {
                let page = try await h.request(h.path(link))
                #expect(page.status == 200)
                #expect(page.body.contains("<form method=\"post\">") && page.body.contains(ActionLinkTests.incident) && page.body.contains("ACME Ltd"))
                #expect(!page.body.contains("<script"), "works without JavaScript")
                #expect(page.headers.first(name: "Cache-Control") == "no-store")
                #expect(page.headers.first(name: "Referrer-Policy") == "no-referrer")
            }
            #expect(h.lines.isEmpty, "a GET (an unfurler, a mail scanner) acts on nothing")
            h.clock.advance(by: .seconds(70))
            let done = try await h.request(h.path(link), method: .POST, form: "by=callum")
            #expect(done.status == 200 && done.body.contains("Acknowledged"))
            #expect(h.lines == [#"{"v":1,"type":"ack","incident":"acme-home/1796119200000","by":"callum","at":"2026-12-01T10:01:10Z","text":"acknowledged with a one-tap link"}"#])
            // The line is what `classify ack` writes: it decodes as a control line and passes the same rules.
            let decoded = try #require(AnyEventTestSupport.control(h.lines[0]))
            try ControlRules.validate(decoded, config: h.config)
            let again = try await h.request(h.path(link), method: .POST, form: "by=callum")
            #expect(again.status == 403 && again.body.contains("already been used"))
            #expect(try await h.request(h.path(link)).status == 403, "a used link no longer shows its form")
            #expect(h.lines.count == 1, "a link acts once")
        }
    }

    @Test func aSilenceLinkSilencesTheIncidentsCheckForTheConfiguredTime() async throws {
        try await Harness.with { h in
            let link = h.link(.silence)
            let done = try await h.request(h.path(link), method: .POST, form: "by=")
            #expect(done.status == 200)
            let line = try #require(h.lines.first)
            guard case .window(let w)? = AnyEventTestSupport.control(line) else { Issue.record("not a silence: \(line)"); return }
            #expect(w.kind == .silence && w.matchers == .init(check: "acme-home"))
            #expect(w.start == ActionLinkTests.t0 && w.end == ActionLinkTests.t0 + .hours(1))
            #expect(w.by == "link", "nobody typed a name")
            #expect(w.id.hasPrefix("l-") && w.id.count == 12)
            #expect(h.lines.count == 1)
        }
    }

    /// Expired, forged and malformed links get 403 on GET and POST and write nothing.
    @Test func expiredAndForgedLinksAre403AndWriteNothing() async throws {
        try await Harness.with { h in
            let expired = h.link(.ack, expiresIn: .seconds(30))
            h.clock.advance(by: .seconds(30))
            let forger = ActionSigner(key: Secret("not-the-key-0123456789abcdef0123456789abcdef", source: "test"))
            var tampered = h.link(.silence)
            tampered.action = .ack
            var longer = h.link(.ack, expiresIn: .seconds(60))
            longer.expires = longer.expires + .hours(24 * 365)
            let paths = [
                h.path(expired),
                h.path(forger.link(.ack, incident: ActionLinkTests.incident, expires: h.clock.now() + .hours(1))),
                h.path(tampered),
                h.path(longer),
                "/act/ack.1796205600.YWNtZS1ob21lLzE3OTYxMTkyMDAwMDA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                "/act/garbage",
            ]
            for path in paths {
                let get = try await h.request(path)
                #expect(get.status == 403, "\(path)")
                #expect(!get.body.contains("<form"), "\(path)")
                let post = try await h.request(path, method: .POST, form: "by=mallory")
                #expect(post.status == 403, "\(path)")
            }
            #expect(try await h.request(h.path(expired)).body.contains("expired"))
            #expect(h.lines.isEmpty)
            #expect(!FileManager.default.fileExists(atPath: h.control), "not even created")
        }
    }

    @Test func aUsedLinkStaysUsedAcrossARestart() async throws {
        let h = try Harness()
        try await h.start()
        let link = h.link(.ack)
        #expect(try await h.request(h.path(link), method: .POST, form: "by=callum").status == 200)
        await h.stop()
        try await h.start()
        let again = try await h.request(h.path(link), method: .POST, form: "by=callum")
        await h.stop()
        #expect(again.status == 403)
        #expect(h.lines.count == 1)
    }

    /// A validly signed link the rules refuse (its check left the config) writes nothing and is not used up.
    @Test func aLinkTheRulesRefuseWritesNothing() async throws {
        try await Harness.with { h in
            let link = h.link(.ack, incident: "gone-check/1796119200000")
            #expect(try await h.request(h.path(link)).status == 200)
            let post = try await h.request(h.path(link), method: .POST, form: "by=callum")
            #expect(post.status == 409 && post.body.contains("no check"))
            #expect(h.lines.isEmpty)
        }
    }

    /// The name typed on the page is cleaned and bounded; markup in it is escaped on the page.
    @Test func theNameIsBoundedAndEscaped() async throws {
        try await Harness.with { h in
            let link = h.link(.ack)
            let name = "<b>" + String(repeating: "x", count: 100)
            let done = try await h.request(h.path(link), method: .POST, form: "by=\(name.queryValueEncoded)%0A")
            #expect(done.status == 200)
            #expect(!done.body.contains("<b>") && done.body.contains("&lt;b&gt;"))
            guard case .ack(let ack)? = AnyEventTestSupport.control(h.lines.first ?? "") else { Issue.record("no ack"); return }
            #expect(ack.by == String(name.prefix(64)))
        }
    }

    /// A control file that cannot be written is 503 and leaves the link unused: once the file can be written, the
    /// same link acts.
    @Test func aLinkWhoseLineCannotBeWrittenCanBeTriedAgain() async throws {
        try await Harness.with { h in
            try FileManager.default.createDirectory(atPath: h.control, withIntermediateDirectories: false)
            let link = h.link(.ack)
            #expect(try await h.request(h.path(link), method: .POST, form: "by=callum").status == 503)
            try FileManager.default.removeItem(atPath: h.control)
            #expect(try await h.request(h.path(link), method: .POST, form: "by=callum").status == 200)
            #expect(h.lines.count == 1)
        }
    }

    /// A used link's row goes once the link has expired (it is refused as expired from then on): each claim drops
    /// the rows of links expired before it.
    @Test func usedLinksAreForgottenOnceExpired() throws {
        let store = try UsedLinkStore(path: nil)
        let signer = ActionSigner(key: Secret(ActionLinkTests.key, source: "test"))
        let short = signer.link(.ack, incident: ActionLinkTests.incident, expires: ActionLinkTests.t0 + .seconds(60))
        let long = signer.link(.silence, incident: ActionLinkTests.incident, expires: ActionLinkTests.t0 + .hours(24))
        #expect(try store.claim(short, now: ActionLinkTests.t0))
        #expect(try !store.claim(short, now: ActionLinkTests.t0 + .seconds(1)), "a link acts once")
        #expect(try store.claim(long, now: ActionLinkTests.t0 + .seconds(61)))
        #expect(try store.count() == 1, "the expired link's row went with the next claim")
        #expect(try !store.isUsed(short) && store.isUsed(long))
    }

    @Test func aFormOverTheLimitIsRefused() async throws {
        try await Harness.with { h in
            let post = try await h.request(h.path(h.link()), method: .POST, form: "by=" + String(repeating: "x", count: 5000))
            #expect(post.status == 413)
            #expect(h.lines.isEmpty)
        }
    }

    /// Without an `actions:` section the receiver has no `/act` at all.
    @Test func noActionsSectionNoEndpoint() async throws {
        let config = try Config.parse(yaml: "tiers: {t: {outage: critical}}\nsites: []\n", file: "c.yaml")
        let receiver = HeartbeatReceiver(checks: config.allChecks, store: try PingStore(path: nil), clock: SystemClock(), metrics: ProbeMetrics())
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        let server = receiver.start(host: "127.0.0.1", port: 0, logger: Logger(label: "test")) { continuation.yield($0) }
        var port = 0
        for await p in stream { port = p; break }
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/act/x"), timeout: .seconds(30))
        await server.stop()
        #expect(response.status.code == 404)
    }
}

/// Decodes a control line in tests.
enum AnyEventTestSupport {
    static func control(_ line: String) -> ControlEvent? { ControlEvent.decode(Array(line.utf8)) }
}
