import Foundation
import LookoutCommands
import LookoutCore
import Testing

/// The optional `nats:` section: defaults without it, secrets only from the environment or files, bounds.
@Suite struct NATSSettingsTests {
    static let base = "sites: []\n"

    static func load(_ yaml: String, environment: [String: String] = [:]) throws -> Config {
        let path = NSTemporaryDirectory() + "nats-\(UUID().uuidString).yaml"
        try (base + yaml).write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try Config.load(path: path, environment: environment)
    }

    @Test func withoutTheSectionTheDefaultsApply() throws {
        let nats = try Self.load("").nats
        #expect(nats.stream == "LOOKOUT" && nats.subjects == ["lookout.>"] && nats.user == nil && nats.caFile == nil)
    }

    @Test func aPasswordComesFromTheEnvironmentAndIsRedacted() throws {
        let nats = try Self.load("nats: {stream: EDGE, user: lookout, password: \"${NATS_PW}\"}\n", environment: ["NATS_PW": "s3cret-nats-pw"]).nats
        #expect(nats.stream == "EDGE" && nats.password?.value == "s3cret-nats-pw")
        #expect(!Redactor.shared.redact("auth s3cret-nats-pw").contains("s3cret-nats-pw"))
    }

    @Test(arguments: [
        ("nats: {password: \"${NATS_PW}\"}\n", "nats.password needs nats.user"),
        ("nats: {user: a, password: plain}\n", "password is a secret"),
        ("nats: {stream: \"a b\"}\n", "nats.stream must be"),
        ("nats: {duplicate_window: 10d}\n", "nats.duplicate_window must be between 1s and 7d"),
        ("nats: {memory_lines: 0}\n", "nats.memory_lines must be between"),
        ("nats: {ca_file: /nonexistent/ca.pem}\n", "nats.ca_file /nonexistent/ca.pem cannot be read"),
        ("nats: {servers: x}\n", "unknown key \"servers\""),
    ])
    func mistakesAreRefusedWithTheirLine(yaml: String, message: String) {
        do {
            _ = try Self.load(yaml, environment: ["NATS_PW": "pw-value-1234"])
            Issue.record("\(yaml) was accepted")
        } catch {
            #expect("\(error)".contains(message), "\(error)")
            #expect("\(error)".contains(".yaml:2:"), "\(error)")
        }
    }
}
