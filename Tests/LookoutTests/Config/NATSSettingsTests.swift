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

    @Test func theLeafTopologyNamesTheLeavesDomains() throws {
        let nats = try Self.load("nats: {leaves: [leaf-lon, leaf-fra], leaf_stream: EDGE, leaf_subjects: [\"lookout.results.>\"]}\n").nats
        #expect(nats.leaves == ["leaf-lon", "leaf-fra"] && nats.leafStream == "EDGE" && nats.leafSubjects == ["lookout.results.>"])
        #expect(nats.stream == "LOOKOUT")
        let defaults = try Self.load("nats: {leaves: [leaf-lon]}\n").nats
        #expect(defaults.leafStream == "LOOKOUT_EDGE" && defaults.leafSubjects == ["lookout.results.>"])
    }

    @Test(arguments: [
        ("nats: {password: \"${NATS_PW}\"}\n", "nats.password needs nats.user"),
        ("nats: {user: a, password: plain}\n", "password is a secret"),
        ("nats: {stream: \"a b\"}\n", "nats.stream must be"),
        ("nats: {duplicate_window: 10d}\n", "nats.duplicate_window must be between 1s and 7d"),
        ("nats: {memory_lines: 0}\n", "nats.memory_lines must be between"),
        ("nats: {ca_file: /nonexistent/ca.pem}\n", "nats.ca_file /nonexistent/ca.pem cannot be read"),
        ("nats: {servers: x}\n", "unknown key \"servers\""),
        ("nats: {leaves: []}\n", "nats.leaves must list 1 to 100 different"),
        ("nats: {leaves: [leaf-a, leaf-a]}\n", "nats.leaves must list 1 to 100 different"),
        ("nats: {leaves: [\"leaf.a\"]}\n", "nats.leaves must be letters, digits"),
        ("nats: {leaves: [leaf-a], subjects: [\"lookout.>\"]}\n", "with nats.leaves the central stream has no subjects"),
        ("nats: {leaf_stream: EDGE}\n", "nats.leaf_stream needs nats.leaves"),
        ("nats: {leaves: [leaf-a], leaf_subjects: []}\n", "nats.leaf_subjects must list 1 to 100 subjects"),
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
