import Foundation
@testable import LookoutCommands
@testable import LookoutCore
import LookoutProbe
import Testing

/// Each invalid fixture maps to the exact `FILE:LINE: message` it must give, as blackbox_exporter's config tests do.
@Suite struct ConfigErrorTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/config")
    /// The check kinds in registry order, as the refusal of a check without one lists them.
    static let checkKinds = ProbeRegistry.kinds.map { $0.name }.joined(separator: ", ")

    @Test(arguments: [
        ("unknown-top-key", 6, "unknown key \"alerting\" in the top level (known: actions, classify, defaults, maintenance_policy, nats, report, routing, sites, status, tiers, timezone)"),
        ("unknown-check-key", 12, "unknown key \"expect_bannr\" in sites[0].checks[0] (known: classify, confirm, every, expect_banner, id, name, recover, send, tcp, timeout)"),
        ("wrong-type-timezone", 1, "timezone must be a string, not the number 3; quote it if you mean text"),
        ("wrong-type-failures", 7, "defaults.confirm.failures must be a whole number"),
        ("wrong-type-every", 7, "defaults.every must be a duration such as 30s, 5m, 1h30m or 250ms"),
        ("duplicate-site-id", 8, "duplicate site id \"acme\" (first defined on line 7)"),
        ("duplicate-check-id", 14, "duplicate check id \"home\" (also in site acme)"),
        ("unknown-tier", 8, "unknown tier \"gold\" for site acme (known: enhanced, standard)"),
        ("daily-window-small-contract", 10, "site globex has a daily window \"morning\" but its contract has 10 hours; daily windows need at least 50 (use a weekly window)"),
        ("window-outside-policy", 10, "window \"evening\" of site acme ends at 10:30, after the policy's latest 10:00"),
        ("window-ends-before-start", 10, "window \"morning\" must end after it starts (09:00-08:00)"),
        ("invalid-timezone", 9, "sites[0].timezone must be an IANA time zone such as Europe/London or UTC (got \"Europe/Lndon\")"),
        ("yaml-syntax", 8, "invalid YAML: did not find expected ',' or ']'"),
        // Found by fuzz/run (config): a problem at the end of the text was put on the line after the last.
        ("yaml-last-line-without-colon", 4, "invalid YAML: could not find expected ':'"),
        ("yaml-unclosed-at-end", 2, "invalid YAML: did not find expected node content"),
        // Also found by fuzz/run: a lone carriage return is a line break to the YAML reader (so later errors named a
        // line past theirs); and with \r\n line ends every file was refused at line 1 ("control character U+000A").
        ("carriage-return-alone", 3, "invalid YAML: a carriage return without a line feed; save the file with \\n or \\r\\n line ends"),
        ("crlf-nul-byte", 4, "invalid YAML: control character U+0000"),
        ("crlf-duplicate-key", 4, "duplicate key \"timezone\""),
        ("crlf-unclosed-at-end", 2, "invalid YAML: did not find expected node content"),
        ("check-without-kind", 10, "check in site acme needs one kind key: \(ConfigErrorTests.checkKinds)"),
        ("nul-byte", 30, "invalid YAML: control character U+0000"),
        ("duplicate-key", 40, "duplicate key \"timezone\""),
        ("invalid-utf8", 3, "the config file is not UTF-8"),
        ("one-off-window-bad-date", 8, "sites[0].maintenance[0].from must be a date-time such as \"2026-12-01T20:00\" (site time) or \"2026-12-01T20:00:00Z\""),
        ("bad-severity", 3, "tiers.enhanced.outage must be one of critical, warning, info, none (got \"loud\")"),
        ("actions-without-key", 8, "actions needs key_file: PATH (or key: ${ENV_VAR}): the secret that signs the links, e.g. from `openssl rand -hex 32`"),
        ("actions-literal-key", 9, "key is a secret: write ${ENV_VAR} or key_file: PATH, never the value itself"),
    ] as [(String, Int, String)])
    func invalidFixtureGivesExactError(name: String, line: Int, message: String) throws {
        let path = ConfigErrorTests.directory.appendingPathComponent("invalid/\(name).yaml").path
        #expect(throws: ConfigError(file: path, line: line, message: message)) {
            try Config.load(path: path, environment: [:])
        }
    }

    /// A config that cannot be read says why, in the OS's words (it said only "cannot read the config file").
    @Test func anUnreadableConfigGivesTheOSReason() throws {
        let missing = ConfigErrorTests.directory.appendingPathComponent("no-such-config.yaml").path
        #expect(throws: ConfigError(file: missing, line: 0, message: "cannot read the config file: No such file or directory")) {
            try Config.load(path: missing, environment: [:], kinds: .all)
        }
        let folder = ConfigErrorTests.directory.path
        #expect(throws: ConfigError(file: folder, line: 0, message: "cannot read the config file: Is a directory")) {
            try Config.load(path: folder, environment: [:], kinds: .all)
        }
    }

    /// A config saved with Windows line ends loads as the same config (every one was refused at line 1).
    @Test func aConfigWithWindowsLineEndsLoadsTheSame() throws {
        let path = ConfigErrorTests.directory.appendingPathComponent("valid.yaml").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let crlf = FileManager.default.temporaryDirectory.appendingPathComponent("crlf-\(UUID()).yaml")
        defer { try? FileManager.default.removeItem(at: crlf) }
        try text.replacingOccurrences(of: "\n", with: "\r\n").write(to: crlf, atomically: true, encoding: .utf8)
        let unix = try Config.load(path: path, environment: [:])
        let windows = try Config.load(path: crlf.path, environment: [:])
        #expect(windows.sites.map(\.id) == unix.sites.map(\.id))
        #expect(windows.allChecks.map(\.id) == unix.allChecks.map(\.id))
        #expect(windows.allChecks.map(\.line) == unix.allChecks.map(\.line), "lines counted as an editor counts them")
    }

    @Test func validFixtureLoadsEverySection() throws {
        let config = try Config.load(path: ConfigErrorTests.directory.appendingPathComponent("valid.yaml").path)
        #expect(config.timeZone.identifier == "Europe/London")
        #expect(config.tiers.map(\.name) == ["enhanced", "standard", "unsupported", "prospect"])
        #expect(config.tier(named: "enhanced")?.sla == 99.9)
        #expect(config.defaults.confirm == ConfirmRule(failures: 3, duration: .seconds(90)))
        let smtp = try #require(config.check("acme-smtp"))
        #expect(smtp.confirm == ConfirmRule(failures: 5, duration: .seconds(90)))
        #expect(smtp.every == .seconds(30))
        #expect(config.check("globex-db")?.every == .minutes(1))
        #expect(config.site(forCheck: "globex-db")?.timeZone.identifier == "America/New_York")
        let acme = try #require(config.sites.first)
        #expect(acme.maintenance.map(\.name) == ["morning", "migration"])
        // The one-off window is read in the site's zone: 20:00 London in December is 20:00 UTC.
        #expect(acme.maintenance[1].schedule == .oneOff(from: Timestamp(rfc3339: "2026-12-01T20:00:00Z")!,
                                                        to: Timestamp(rfc3339: "2026-12-01T23:30:00Z")!))
    }

    @Test func secretsComeFromTheEnvironmentOrAFileAndNeverFromTheText() throws {
        let yaml = "token: ${LOOKOUT_TEST_TOKEN}\nliteral: hunter2-literal\nfromfile_file: %@\nmissing: ${NOPE}\n"
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lookout-secret-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let secretFile = dir.appendingPathComponent("token")
        try "file-secret-value\n".write(to: secretFile, atomically: true, encoding: .utf8)
        let root = try ConfigNode.parse(yaml: yaml.replacingOccurrences(of: "%@", with: secretFile.path), file: "s.yaml")
        let m = try root.mapping(allowing: ["token", "literal", "fromfile_file", "missing"])
        let env = ["LOOKOUT_TEST_TOKEN": "env-secret-value"]
        let fromEnv = try #require(try m.secret("token", environment: env))
        #expect(fromEnv.value == "env-secret-value")
        #expect("\(fromEnv)" == "[secret from environment variable LOOKOUT_TEST_TOKEN]")
        #expect(try m.secret("fromfile", environment: env)?.value == "file-secret-value")
        #expect(throws: ConfigError(file: "s.yaml", line: 2, message: "literal is a secret: write ${ENV_VAR} or literal_file: PATH, never the value itself")) {
            try m.secret("literal", environment: env)
        }
        #expect(throws: ConfigError(file: "s.yaml", line: 4, message: "environment variable NOPE for missing is not set")) {
            try m.secret("missing", environment: env)
        }
        // Once resolved, the values are masked in anything printed.
        #expect(Redactor.shared.redact("posting to env-secret-value and file-secret-value") == "posting to [redacted] and [redacted]")
    }
}
