import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
@testable import LookoutCore
@testable import LookoutProbe
@testable import LookoutTesting
import NIOCore
import NIOHTTP1
import Testing

/// Screenshot links tested for real: links signed as route signs them, a receiver on 127.0.0.1 serving PNGs that
/// `ScreenshotStore` wrote in a temp screenshots folder, and requests over HTTP.
@Suite(.serialized) struct ScreenshotLinkTests {
    static let key = ActionLinkTests.key
    static let t0 = ActionLinkTests.t0
    /// A 1x1 PNG.
    static let png = [UInt8](Data(base64Encoded: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=")!)
    static let name = "acme-home/acme-home-20261201T100000.000Z.png"

    static var signer: ActionSigner { ActionSigner(key: Secret(key, source: "test")) }

    /// A receiver with actions and a screenshots folder holding one screenshot of `acme-home`, written by the store.
    final class Harness: @unchecked Sendable {
        let clock = ManualClock(ScreenshotLinkTests.t0)
        let folder: URL
        let screenshots: String
        let shot: String
        let config: Config
        let metrics = ProbeMetrics()
        var port = 0
        var server: HeartbeatReceiver.Server?

        init(withFolder: Bool = true) throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("lookout-shots-\(UUID())")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            screenshots = folder.appendingPathComponent("screenshots").path
            config = try ActionLinkTests.config()
            shot = try ScreenshotStore(directory: screenshots).write(ScreenshotLinkTests.png, check: "acme-home", at: ScreenshotLinkTests.t0,
                                                                    policy: .init())
            let database = try StateDatabase.open(path: nil, migrations: PingStore.migrations + UsedLinkStore.migrations)
            let actions = ActionEndpoint(config: config, actions: config.actions!, controlPath: folder.appendingPathComponent("results.ndjson").path,
                                         used: UsedLinkStore(database: database), clock: clock, metrics: metrics, logger: Logger(label: "test"))
            let shots = ScreenshotEndpoint(config: config, actions: config.actions!, folder: withFolder ? screenshots : nil, clock: clock, metrics: metrics)
            let receiver = HeartbeatReceiver(checks: config.allChecks, store: PingStore(database: database), clock: clock, metrics: metrics,
                                             actions: actions, screenshots: shots)
            let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
            server = receiver.start(host: "127.0.0.1", port: 0, logger: Logger(label: "test")) { continuation.yield($0) }
            Task { for await p in stream { self.port = p; break } }
        }

        func started() async { _ = await waitFor { self.port != 0 } }

        func link(_ name: String = ScreenshotLinkTests.name, expiresIn: TimeSpan = .hours(24)) -> ScreenshotLink {
            ScreenshotLinkTests.signer.screenshotLink(name: name, expires: clock.now() + expiresIn)
        }

        func get(_ path: String) async throws -> (status: Int, body: [UInt8], headers: HTTPHeaders) {
            let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)"), timeout: .seconds(30))
            let body = try await response.body.collect(upTo: 1 << 20)
            return (Int(response.status.code), Array(buffer: body), response.headers)
        }

        static func with(withFolder: Bool = true, _ body: (Harness) async throws -> Void) async throws {
            let h = try Harness(withFolder: withFolder)
            defer { try? FileManager.default.removeItem(at: h.folder) }
            await h.started()
            do { try await body(h) } catch { await h.server?.stop(); throw error }
            await h.server?.stop()
        }
    }

    static func waitFor(_ condition: @escaping @Sendable () -> Bool) async -> Bool {
        for _ in 0..<600 where !condition() { try? await Task.sleep(for: .milliseconds(50)) }
        return condition()
    }

    // MARK: Signing

    @Test func aLinkRoundTripsThroughItsTokenAndOnlyTheKeysSignatureIsAuthentic() throws {
        let link = Self.signer.screenshotLink(name: Self.name, expires: Self.t0 + .milliseconds(1500))
        #expect(link.expires == Self.t0 + .seconds(1), "expiry is whole seconds")
        #expect(link.url(base: "https://m.example").hasPrefix("https://m.example/shot/shot.1796119201."))
        #expect(link.token.utf8.allSatisfy { c in c == 46 || c == 45 || c == 95 || (48...57).contains(c) || (65...90).contains(c) || (97...122).contains(c) })
        let parsed = try #require(ScreenshotLink(token: link.token))
        #expect(parsed == link)
        #expect(Self.signer.isAuthentic(parsed))
    }

    /// Each case is a token that must not pass as an authentic screenshot link.
    @Test(arguments: ["name", "expiry", "another key", "signature", "ack token", "silence token"])
    func anAlteredOrForeignTokenIsNotAuthentic(change: String) {
        let link = Self.signer.screenshotLink(name: Self.name, expires: Self.t0 + .hours(1))
        var token = link.token
        switch change {
        case "name":
            token = ScreenshotLink(name: "acme-home/acme-home-20261201T100001.000Z.png", expires: link.expires, signature: link.signature).token
        case "expiry":
            token = ScreenshotLink(name: link.name, expires: link.expires + .hours(24 * 365), signature: link.signature).token
        case "another key":
            token = ActionSigner(key: Secret("another-key-0123456789abcdef0123456789abcdef", source: "test"))
                .screenshotLink(name: Self.name, expires: link.expires).token
        case "signature":
            token = String(token.dropLast()) + (token.hasSuffix("A") ? "B" : "A")
        case "ack token":
            token = Self.signer.link(.ack, incident: Self.name, expires: link.expires).token
        default:
            token = Self.signer.link(.silence, incident: Self.name, expires: link.expires).token
        }
        let candidate = ScreenshotLink(token: token)
        #expect(candidate.map(Self.signer.isAuthentic) != true, "\(change): \(token)")
        // Swapping the tag keeps an action link's signature: it still fails, because the signed message differs.
        if change.hasSuffix("token") {
            let retagged = "shot" + token.drop { $0 != "." }
            #expect(ScreenshotLink(token: String(retagged)).map(Self.signer.isAuthentic) == false, "a retagged \(change) is parsed but refused")
        }
    }

    /// A screenshot token is no action link, whatever its signature: `/act` refuses it.
    @Test func aScreenshotTokenIsNoActionLink() {
        let link = Self.signer.screenshotLink(name: Self.name, expires: Self.t0 + .hours(1))
        #expect(ActionLink(token: link.token) == nil)
        let retagged = ActionLink(token: "ack" + link.token.dropFirst(4))
        #expect(retagged != nil && !Self.signer.isAuthentic(retagged!), "its signature does not sign an ack")
    }

    @Test(arguments: ["", "shot", "shot.1.YQ", "shot.x.YWNtZQ.sig", "shot.1796119201.!!.sig", "shot.1796119201..sig",
                      "shot.1796119201.\(Data("acme-home/acme-home-1.png".utf8).base64URLEncoded).",
                      "shot.1796119201.\(Data("../etc/passwd.png".utf8).base64URLEncoded).sig",
                      "shot.1796119201.\(Data("acme-home/../../x.png".utf8).base64URLEncoded).sig",
                      "shot.1796119201.\(Data("/etc/x.png".utf8).base64URLEncoded).sig",
                      "shot.1796119201.\(Data("acme-home/x.jpg".utf8).base64URLEncoded).sig",
                      "shot.1796119201.\(Data("acme-home/a b.png".utf8).base64URLEncoded).sig",
                      String(repeating: "a", count: 2000)])
    func malformedTokensAreNoLink(token: String) {
        #expect(ScreenshotLink(token: token) == nil)
    }

    @Test(arguments: [
        ("/var/lib/lookout/screenshots/acme-app/acme-app-20261125T080000.000Z.png", "acme-app", "acme-app/acme-app-20261125T080000.000Z.png"),
        ("screenshots/acme-app/acme-app-20261125T080000.000Z.png", "acme-app", "acme-app/acme-app-20261125T080000.000Z.png"),
        ("/var/lib/lookout/screenshots/acme-app/acme-app-20261125T080000.000Z.png", "other", nil),
        ("/var/lib/lookout/screenshots/acme-app/other-20261125T080000.000Z.png", "acme-app", nil),
        ("acme-app-20261125T080000.000Z.png", "acme-app", nil),
        ("/x/acme-app/..", "acme-app", nil),
        ("/x/acme-app/acme-app-1.jpg", "acme-app", nil),
    ] as [(String, String, String?)])
    func theNameIsThePathsLastTwoComponents(path: String, check: String, name: String?) {
        #expect(ScreenshotLink.name(ofPath: path, check: check) == name)
    }

    // MARK: The receiver

    @Test func aValidLinkServesThePNGAsOftenAsItIsOpened() async throws {
        try await Harness.with { h in
            let path = h.link().url(base: "")
            for _ in 0..<3 {
                let got = try await h.get(path)
                #expect(got.status == 200)
                #expect(got.body == ScreenshotLinkTests.png)
                #expect(got.headers.first(name: "Content-Type") == "image/png")
                #expect(got.headers.first(name: "X-Content-Type-Options") == "nosniff")
                #expect(got.headers.first(name: "Cache-Control") == "private")
            }
            let metrics = String(decoding: try await h.get("/metrics").body, as: UTF8.self)
            #expect(metrics.contains(#"lookout_action_links_total{action="screenshot",outcome="shown"} 3"#), "\(metrics)")
        }
    }

    /// Every way out of the folder, or to a file the store did not name, is refused and shows no bytes.
    @Test func traversalAndForeignNamesAreRefused() async throws {
        try await Harness.with { h in
            let outside = h.folder.appendingPathComponent("secret.png").path
            _ = FileManager.default.createFile(atPath: outside, contents: Data("not for you".utf8))
            // A symlink the store's name would point at, leading out of the folder.
            let linked = "acme-home/acme-home-20261201T100500.000Z.png"
            try FileManager.default.createSymbolicLink(atPath: h.screenshots + "/" + linked, withDestinationPath: outside)
            let signer = ScreenshotLinkTests.signer
            let expires = h.clock.now() + .hours(1)
            func signed(_ name: String) -> String { "/shot/" + signer.screenshotLink(name: name, expires: expires).token }
            let refused = [
                signed("../secret.png"),
                signed("acme-home/../../secret.png"),
                signed(".."),
                signed(h.folder.path + "/secret.png"),
                signed("acme-home/acme-home-20261201T100000Z.png"),   // not as the store writes it
                signed("acme-home/acme-home-x.png"),
                signed("acme-home/secret.png"),
                signed(linked),
                "/shot/" + signer.link(.ack, incident: ScreenshotLinkTests.name, expires: expires).token,
                "/shot/garbage",
                "/shot/..%2Fsecret.png",
                "/shot/%2E%2E/%2E%2E/secret.png",
            ]
            for path in refused {
                let got = try await h.get(path)
                #expect([403, 404].contains(got.status), "\(path): \(got.status)")
                #expect(got.body != Array("not for you".utf8) && got.body != ScreenshotLinkTests.png, "\(path)")
            }
            #expect(try await h.get(signed(linked)).status == 403, "a symlink out of the folder is refused")
            #expect(String(decoding: try await h.get(signed("../secret.png")).body, as: UTF8.self).contains("not valid"))
        }
    }

    @Test func expiredForgedAndActionLinksAreRefusedBothWays() async throws {
        try await Harness.with { h in
            let expiring = h.link(expiresIn: .seconds(30))
            h.clock.advance(by: .seconds(30))
            let expired = try await h.get(expiring.url(base: ""))
            #expect(expired.status == 403 && String(decoding: expired.body, as: UTF8.self).contains("expired"))
            let forged = ActionSigner(key: Secret("not-the-key-0123456789abcdef0123456789abcdef", source: "test"))
                .screenshotLink(name: ScreenshotLinkTests.name, expires: h.clock.now() + .hours(1))
            let refused = try await h.get(forged.url(base: ""))
            #expect(refused.status == 403 && String(decoding: refused.body, as: UTF8.self).contains("not valid"))
            // A valid screenshot token at /act acts on nothing.
            let atAct = try await h.get("/act/" + h.link().token)
            #expect(atAct.status == 403)
        }
    }

    @Test func aPrunedScreenshotOrAnUnknownCheckIs404() async throws {
        try await Harness.with { h in
            try FileManager.default.removeItem(atPath: h.shot)
            let gone = try await h.get(h.link().url(base: ""))
            #expect(gone.status == 404)
            #expect(String(decoding: gone.body, as: UTF8.self).contains("no longer kept"))
            let unknown = try await h.get(h.link("gone-check/gone-check-20261201T100000.000Z.png").url(base: ""))
            #expect(unknown.status == 404)
        }
    }

    @Test func aReceiverWithoutAScreenshotsFolderHasNone() async throws {
        try await Harness.with(withFolder: false) { h in
            let got = try await h.get(h.link().url(base: ""))
            #expect(got.status == 404)
            #expect(got.body != ScreenshotLinkTests.png)
        }
    }
}
