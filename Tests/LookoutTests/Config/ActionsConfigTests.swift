import Foundation
import LookoutCommands
@testable import LookoutCore
import Testing

/// The `actions:` section: every number bounded, the key a secret of a sane length, the silence within what classify
/// accepts; each mistake refused with its line.
@Suite struct ActionsConfigTests {
    static let key = "k3y-for-tests-0123456789abcdef0123456789abcdef"

    static func load(_ actions: String, classify: String = "") throws -> Config {
        try Config.parse(yaml: """
            tiers: {enhanced: {outage: critical}}
            sites: []
            \(classify)
            actions:
            \(actions)
            """, file: "a.yaml", environment: ["KEY": key, "SHORT": "0123456789abcdef"])
    }

    @Test func defaultsAndASecretKeyFromTheEnvironment() throws {
        let a = try #require(try Self.load("  public_url: https://monitor.agency.example/lookout/\n  key: ${KEY}").actions)
        #expect(a.publicURL == "https://monitor.agency.example/lookout")
        #expect(a.key.value == Self.key && a.key.description == "[secret from environment variable KEY]")
        #expect(a.linkTTL == .hours(24) && a.silenceFor == .hours(1))
        #expect(Redactor.shared.redact("signed with \(Self.key)") == "signed with [redacted]")
    }

    @Test(arguments: [
        ("  public_url: https://m.example\n  key: ${SHORT}", 6,
         "actions.key from environment variable SHORT must be 32 to 1024 characters (`openssl rand -hex 32` makes 64)"),
        ("  public_url: ftp://m.example\n  key: ${KEY}", 5, "actions.public_url must be an http:// or https:// URL (got \"ftp://m.example\")"),
        ("  public_url: https://m.example/?a=1\n  key: ${KEY}", 5, "actions.public_url must not carry a query or fragment (got \"https://m.example/?a=1\")"),
        ("  public_url: https://m.example\n  key: ${KEY}\n  link_ttl: 1m", 7, "actions.link_ttl must be between 5m and 7d (got 1m)"),
        ("  public_url: https://m.example\n  key: ${KEY}\n  link_ttl: 8d", 7, "actions.link_ttl must be between 5m and 7d (got 8d)"),
        ("  public_url: https://m.example\n  key: ${KEY}\n  silence_for: 2d", 7, "actions.silence_for must be between 1m and 1d (got 2d)"),
        ("  public_url: https://m.example\n  key: ${KEY}\n  silence_for: 30s", 7, "actions.silence_for must be between 1m and 1d (got 30s)"),
        ("  public_url: https://m.example\n  key: ${KEY}\n  silence: 1h", 7,
         "unknown key \"silence\" in actions (known: key, key_file, link_ttl, public_url, silence_for)"),
    ] as [(String, Int, String)])
    func mistakesAreRefusedWithTheirLine(yaml: String, line: Int, message: String) {
        #expect(throws: ConfigError(file: "a.yaml", line: line, message: message)) { try Self.load(yaml) }
    }

    @Test func aSilenceLongerThanClassifyAcceptsIsRefused() {
        #expect(throws: ConfigError(file: "a.yaml", line: 7,
                                    message: "actions.silence_for (2h) is over classify.max_control_duration (1h): classify would refuse the silence")) {
            try Self.load("  public_url: https://m.example\n  key: ${KEY}\n  silence_for: 2h", classify: "classify: {max_control_duration: 1h}")
        }
    }
}
