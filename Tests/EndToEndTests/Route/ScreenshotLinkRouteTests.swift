import AsyncHTTPClient
import Foundation
@testable import LookoutCore
import LookoutProbe
import NIOCore
import Testing

/// A screenshot from the incident line to a phone: route posts the incident (with `screenshot`) to a loopback Slack
/// webhook, and the "Screenshot" link in the posted message, opened on the built `probe --listen --state` reading the
/// same config, returns the PNG the screenshot store wrote beside the state file; once the file is pruned, 404.
@Suite(.serialized) struct ScreenshotLinkRouteTests {
    static let key = "e2e-shot-key-0123456789abcdef0123456789abcdef"
    /// A 1x1 PNG.
    static let png = [UInt8](Data(base64Encoded: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=")!)

    @Test func theLinkRoutePostsServesThePNGFromTheReceiver() async throws {
        let dir = try Fixtures.tempFolder("shot-links")
        defer { try? FileManager.default.removeItem(at: dir) }
        let keyFile = dir.appendingPathComponent("actions.key").path
        try Data((Self.key + "\n").utf8).write(to: URL(fileURLWithPath: keyFile))
        let yaml = RouteHarness.config(routing: RouteSinkTests.slackRouting("${SLACK_URL}")) + """

            actions:
              public_url: https://monitor.agency.example
              key_file: \(keyFile)
            """
        let configPath = dir.appendingPathComponent("lookout.yaml").path
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: configPath))

        // The screenshot a failed run left, where probe keeps them: screenshots/ beside --state.
        let now = Timestamp(milliseconds: Int64(Date().timeIntervalSince1970 * 1000))
        let shot = try ScreenshotStore(directory: dir.appendingPathComponent("screenshots").path)
            .write(Self.png, check: "site1-home", at: now, policy: .init())
        var incident = RouteHarness.incident(1, .opened, at: 0)
        incident.at = now
        incident.since = now - .minutes(3)
        incident.screenshot = shot

        let slack = try RecordingServer()
        defer { slack.shutdown() }
        let webhook = slack.baseURL + RouteSinkTests.slackURLSecretPart
        let outcome = try await RouteHarness.run(yaml, events: [incident], environment: ["SLACK_URL": webhook])
        #expect(outcome.deliveries.map(\.outcome) == ["sent"])
        let posted = try #require(slack.requests.first?.text)
        let token = try #require(Self.token(after: "https://monitor.agency.example/shot/", in: posted), "\(posted)")
        let ack = try #require(Self.token(after: "https://monitor.agency.example/act/", in: posted), "\(posted)")
        #expect(posted.contains("|Screenshot>"))
        #expect(!posted.contains(shot), "the message links the file; it does not print where it lies")

        let port = LoopbackPort.free()
        let probe = try BackgroundStage("probe", ["--config", configPath, "--listen", "127.0.0.1:\(port)",
                                                  "--output", dir.appendingPathComponent("results.ndjson").path,
                                                  "--state", dir.appendingPathComponent("probe.sqlite").path],
                                        in: dir, tag: "probe", environment: ["SLACK_URL": webhook])
        defer { probe.terminate() }
        #expect(await waitUntil(timeout: 60) { LoopbackPort.isOpen(port) }, "\(probe.stderr)")
        let base = "http://127.0.0.1:\(port)"
        for _ in 0..<2 {
            let got = try await Self.get(base + "/shot/" + token)
            #expect(got.status == 200, "\(got.text)")
            #expect(got.body == Self.png, "the bytes the store wrote")
            #expect(got.type == "image/png")
        }
        #expect(try await Self.get(base + "/shot/" + ack).status == 403, "an ack link is no screenshot link")
        #expect(try await Self.get(base + "/act/" + token).status == 403, "a screenshot link acts on nothing")
        try FileManager.default.removeItem(atPath: shot)
        let gone = try await Self.get(base + "/shot/" + token)
        #expect(gone.status == 404 && gone.text.contains("no longer kept"))
        #expect(probe.terminate() == 0)
        #expect(!probe.stderr.contains(Self.key), "the key is never logged")
    }

    /// The token of the first link after `prefix` in Slack's JSON: up to the `|` that starts its label.
    static func token(after prefix: String, in text: String) -> String? {
        guard let start = text.range(of: prefix)?.upperBound else { return nil }
        return String(text[start...].prefix { $0 != "|" && $0 != "\"" })
    }

    static func get(_ url: String) async throws -> (status: Int, body: [UInt8], text: String, type: String?) {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(30))
        let body = Array(buffer: try await response.body.collect(upTo: 1 << 20))
        return (Int(response.status.code), body, String(decoding: body, as: UTF8.self), response.headers.first(name: "Content-Type"))
    }
}
