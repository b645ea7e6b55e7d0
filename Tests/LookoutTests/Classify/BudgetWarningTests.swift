import Foundation
@testable import LookoutClassify
@testable import LookoutCore
import Testing

/// The error-budget warning (golden fixture `classify/budget-burn`): the same lines whether classify runs once or
/// restarts from its state file in the middle of the burn, and the budget gauges classify serves.
@Suite struct BudgetWarningTests {
    static let fixture = ClassifyHarness.fixtures

    static func input() throws -> [String] {
        try String(contentsOf: fixture.appendingPathComponent("budget-burn.in.ndjson"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
    }

    static func config() throws -> Config {
        try Config.load(path: fixture.appendingPathComponent("budget-burn.config.yaml").path, environment: [:])
    }

    @Test func aRestartInTheMiddleOfTheBurnNeitherReopensNorForgets() throws {
        let lines = try Self.input(), config = try Self.config()
        let whole = try ClassifyHarness.run(config: config, input: lines.joined(separator: "\n") + "\n")
        let budget = whole.incidents.filter { $0["state"] as? String == "budget" }
        #expect(budget.map { $0["event"] as? String } == ["opened", "resolved"])

        let dir = try ClassifyHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let state = dir.appendingPathComponent("state.sqlite").path
        // Cut at 10:00, with the warning open and the outage over.
        let cut = try #require(lines.firstIndex { $0.contains("2026-11-10T10:00:00Z") })
        let first = try ClassifyHarness.run(config: config, input: lines[..<cut].joined(separator: "\n") + "\n", statePath: state)
        let second = try ClassifyHarness.run(config: config, input: lines[cut...].joined(separator: "\n") + "\n", statePath: state)
        #expect(first.lines + second.lines == whole.lines)
    }

    /// `classify.budget_warning` sets the rates both windows must reach: the fixture's outage burns faster by the
    /// minute (62.5 over the hour and 6.7 over six at 09:32), so a higher threshold opens the warning later and, for
    /// the fast window, resolves it sooner; 1000 for both is never reached (maintenance shortens the windows' allowance).
    @Test(arguments: [("", "09:32", "10:50"), ("{burn_1h: 14.4, burn_6h: 6}", "09:32", "10:50"), ("{burn_6h: 20}", "09:36", "10:50"),
                      ("{burn_1h: 200}", "09:38", "10:39"), ("{burn_1h: 1000, burn_6h: 1000}", nil, nil)] as [(String, String?, String?)])
    func theThresholdsAreConfigured(setting: String, opened: String?, resolved: String?) throws {
        var text = try String(contentsOf: Self.fixture.appendingPathComponent("budget-burn.config.yaml"), encoding: .utf8)
        if !setting.isEmpty { text += "\nclassify:\n  budget_warning: \(setting)\n" }
        let config = try Config.parse(yaml: text, file: "budget.yaml")
        let run = try ClassifyHarness.run(config: config, input: try Self.input().joined(separator: "\n") + "\n")
        let budget = run.incidents.filter { $0["state"] as? String == "budget" }
        let times = budget.map { "\($0["event"] as? String ?? ""):\(($0["at"] as? String ?? "").dropFirst(11).prefix(5))" }
        #expect(times == [opened.map { "opened:\($0)" }, resolved.map { "resolved:\($0)" }].compactMap { $0 }, "\(setting)")
    }

    @Test func budgetGaugesFollowTheFixture() throws {
        let config = try Self.config()
        let metrics = ClassifyMetrics(config: config)
        _ = try ClassifyHarness.run(config: config, input: try Self.input().joined(separator: "\n") + "\n", metrics: metrics)
        let scrape = Exposition(text: metrics.render())
        let acme = ["client": "ACME Ltd", "sla": "99.9"]
        #expect(scrape.value("lookout_client_error_budget_allowed_seconds", acme) == 2484)
        #expect(scrape.value("lookout_client_error_budget_used_seconds", acme) == 1200)
        #expect(scrape.value("lookout_client_error_budget_remaining_seconds", acme) == 1284)
        #expect(scrape.value("lookout_client_error_budget_burn_rate", acme.merging(["window": "1h"]) { $1 }) == 0)
        #expect(scrape.value("lookout_client_error_budget_burn_rate", acme.merging(["window": "6h"]) { $1 }) == 66.667)
        // Three check incidents and the budget warning.
        #expect(scrape.value("lookout_classify_incident_events_total", ["event": "opened"]) == 4)
        let (status, printed) = try scrape.promtool()
        #expect(status == 0, "promtool check metrics: \(printed)")
    }
}
