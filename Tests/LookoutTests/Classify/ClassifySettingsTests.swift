@testable import LookoutCommands
@testable import LookoutCore
import Testing

/// The `classify:` config section: defaults, values, and each mistake's exact `FILE:LINE: message`.
@Suite struct ClassifySettingsTests {
    static func parse(_ section: String) throws -> ClassifySettings {
        try Config.parse(yaml: "tiers:\n  basic: {outage: warning}\n" + section, file: "c.yaml").classify
    }

    @Test func defaults() throws {
        let s = try Self.parse("")
        #expect(s.flapping.window == 21)
        #expect(s.flapping.high == 30)
        #expect(s.flapping.low == 25)
        #expect(s.quorum == .majority)
        #expect(s.reminder == nil)
        #expect(s.outOfOrder == .seconds(60))
    }

    @Test func values() throws {
        let s = try Self.parse("""
            classify:
              flapping: {window: 11, high: 50, low: 40, severity: degraded}
              quorum: 2
              reminder: 4h
              out_of_order: 2m
            """)
        #expect(s.flapping.window == 11)
        #expect(s.flapping.high == 50)
        #expect(s.flapping.low == 40)
        #expect(s.flapping.severity == .degraded)
        #expect(s.quorum == .atLeast(2))
        #expect(s.reminder == .hours(4))
        #expect(s.outOfOrder == .minutes(2))
        #expect(try Self.parse("classify: {reminder: off}").reminder == nil)
    }

    @Test func perCheckOverridesStartFromTheTopLevel() throws {
        let config = try Config.parse(yaml: """
            tiers:
              basic: {outage: warning}
            classify: {quorum: 3, reminder: 1h, flapping: {high: 40, low: 35}}
            sites:
              - id: s
                tier: basic
                checks:
                  - {id: a, tcp: "a.example:1"}
                  - {id: b, tcp: "b.example:1", classify: {quorum: majority, flapping: {high: 60}}}
            """, file: "c.yaml")
        #expect(config.check("a")?.classify == nil)
        let b = try #require(config.check("b")?.classify)
        #expect(b.quorum == .majority)
        #expect(b.reminder == .hours(1))
        #expect(b.flapping.high == 60)
        #expect(b.flapping.low == 35)
    }

    /// A budget is a client's: its warning thresholds are refused in a check's own section.
    @Test func budgetWarningOnlyAtTheTop() {
        #expect {
            _ = try Config.parse(yaml: """
                tiers:
                  basic: {outage: warning}
                sites:
                  - id: s
                    tier: basic
                    checks:
                      - {id: b, tcp: "b.example:1", classify: {budget_warning: {burn_1h: 20}}}
                """, file: "c.yaml")
        } throws: { "\($0)".hasPrefix("c.yaml:7: ") && "\($0)".contains("set in the top-level classify: section") }
    }

    @Test(arguments: [
        ("classify: {flapping: {low: 40, high: 30}}", "c.yaml:3: classify.flapping: low (40.0) must not exceed high (30.0), or flapping never stops"),
        ("classify: {flapping: {window: 2}}", "c.yaml:3: classify.flapping.window must be between 3 and 64 results"),
        ("classify: {flapping: {high: 130}}", "c.yaml:3: classify.flapping.high must be a percentage above 0 and at most 100"),
        ("classify: {flapping: {severity: loud}}", "c.yaml:3: classify.flapping.severity must be outage or degraded (got \"loud\")"),
        ("classify: {quorum: most}", "c.yaml:3: classify.quorum must be majority or a number of locations from 1 to 10000 (got \"most\")"),
        ("classify: {quorum: 0}", "c.yaml:3: classify.quorum must be majority or a number of locations from 1 to 10000 (got \"0\")"),
        ("classify: {reminder: often}", "c.yaml:3: classify.reminder must be a duration such as 30s, 5m, 1h30m or 250ms"),
        ("classify: {budget_warning: {burn_1h: 0.5}}", "c.yaml:3: classify.budget_warning.burn_1h must be between 1 and 1000 (a burn rate of 1 spends the budget exactly by the month's end)"),
        ("classify: {grace: 1m}", "c.yaml:3: unknown key \"grace\" in classify (known: budget_warning, flapping, max_control_duration, out_of_order, quorum, reminder)"),
    ])
    func errors(_ yaml: String, _ message: String) {
        do {
            _ = try Self.parse(yaml)
            Issue.record("expected an error for \(yaml)")
        } catch let e as ConfigError {
            #expect(e.description == message)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
