import AsyncHTTPClient
import Foundation
@testable import LookoutCore
import NIOCore
import NIOHTTP1
import Testing

/// The built `probe --listen` with an `actions:` section: a signed link's GET shows the page and writes nothing, its
/// POST appends one control line to probe's own `--output` (the file classify follows), beside the result lines, and
/// the link stays used across a restart (the `--state` file). Without a file to write to, probe refuses to start.
@Suite(.serialized) struct ProbeActionLinkTests {
    static let key = "e2e-actions-key-0123456789abcdef0123456789abcdef"

    static func config(_ dir: URL) throws -> String {
        let keyFile = dir.appendingPathComponent("actions.key").path
        try Data((key + "\n").utf8).write(to: URL(fileURLWithPath: keyFile))
        let path = dir.appendingPathComponent("config.yaml").path
        try Data("""
            tiers: {enhanced: {outage: critical}}
            sites:
              - id: acme
                tier: enhanced
                checks:
                  - {id: acme-home, tcp: "127.0.0.1:9", every: 2s}
            actions:
              public_url: https://monitor.agency.example
              key_file: \(keyFile)
            """.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func request(_ url: String, method: HTTPMethod = .GET, form: String? = nil) async throws -> (Int, String) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let form {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: form))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 20)))
    }

    static func start(_ dir: URL, config: String, port: Int) throws -> BackgroundStage {
        try BackgroundStage("probe", ["--config", config, "--listen", "127.0.0.1:\(port)", "--output", dir.appendingPathComponent("results.ndjson").path,
                                      "--state", dir.appendingPathComponent("probe.sqlite").path], in: dir, tag: "probe")
    }

    static func listening(_ port: Int) async -> Bool {
        await waitUntil(timeout: 60) { LoopbackPort.isOpen(port) }
    }

    @Test func aConfirmedLinkAppendsOneAckToProbesOutputAndActsOnce() async throws {
        let dir = try Fixtures.tempFolder("probe-actions")
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = try Self.config(dir)
        let port = LoopbackPort.free()
        var probe = try Self.start(dir, config: config, port: port)
        defer { probe.terminate() }
        #expect(await Self.listening(port), "\(probe.stderr)")
        let link = ActionSigner(key: Secret(Self.key, source: "test"))
            .link(.ack, incident: "acme-home/1796119200000", expires: Timestamp(milliseconds: Int64(Date().timeIntervalSince1970 * 1000)) + .hours(1))
        let url = "http://127.0.0.1:\(port)" + link.url(base: "")
        let results = dir.appendingPathComponent("results.ndjson").path
        func acks() -> [String] {
            ((try? String(contentsOfFile: results, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
                .filter { $0.contains(#""type":"ack""#) }
        }
        let page = try await Self.request(url)
        #expect(page.0 == 200 && page.1.contains("<form method=\"post\">"))
        #expect(acks().isEmpty)
        let done = try await Self.request(url, method: .POST, form: "by=callum")
        #expect(done.0 == 200, "\(done.1)")
        let written = acks()
        #expect(written.count == 1)
        #expect(written.first?.hasPrefix(#"{"v":1,"type":"ack","incident":"acme-home/1796119200000","by":"callum","at":""#) == true)
        #expect(await waitUntil(timeout: 60) {
            ((try? String(contentsOfFile: results, encoding: .utf8)) ?? "").contains(#""type":"result""#)
        }, "the probe's own results land in the same file")
        #expect(probe.terminate() == 0)
        probe = try Self.start(dir, config: config, port: port)
        #expect(await Self.listening(port), "\(probe.stderr)")
        #expect(try await Self.request(url, method: .POST, form: "by=callum").0 == 403, "used, and remembered in --state")
        #expect(acks().count == 1)
        #expect(!probe.stderr.contains(Self.key), "the key is never logged")
        let lines = ((try? String(contentsOfFile: results, encoding: .utf8)) ?? "").split(separator: "\n")
        #expect(lines.allSatisfy { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) != nil }, "whole lines only")
    }

    @Test func actionsWithoutAFileToWriteToIsABadArgument() throws {
        let dir = try Fixtures.tempFolder("probe-actions")
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try ChildProcess.run("probe", ["--config", try Self.config(dir), "--listen", "127.0.0.1:\(LoopbackPort.free())", "--once"], timeout: 60)
        #expect(run.status == 64)
        #expect(run.stderrText.contains("--control FILE"), "\(run.stderrText)")
    }
}
