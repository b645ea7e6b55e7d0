import Foundation
@testable import LookoutCommands
@testable import LookoutCore
@testable import LookoutRoute
import Testing

/// The complete config in docs/routing.md loads and routes the way the text around it says.
@Suite struct RoutingDocTests {
    static let doc = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("docs/routing.md")

    /// The first ```yaml block after the "A complete config" heading.
    static func completeConfig() throws -> String {
        let text = try String(contentsOf: doc, encoding: .utf8)
        let section = try #require(text.range(of: "## A complete config"))
        let open = try #require(text.range(of: "```yaml\n", range: section.upperBound..<text.endIndex))
        let close = try #require(text.range(of: "```", range: open.upperBound..<text.endIndex))
        return String(text[open.upperBound..<close.lowerBound])
    }

    @Test func theDocumentedConfigLoadsAndRoutesAsDescribed() throws {
        let urlFile = FileManager.default.temporaryDirectory.appendingPathComponent("slack-monitoring-\(UUID()).url")
        try "https://hooks.slack.com/services/T0/B0/monitoringDOCsecret\n".write(to: urlFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: urlFile) }
        let yaml = try RoutingDocTests.completeConfig().replacingOccurrences(of: "/etc/lookout/slack-site-monitoring.url", with: urlFile.path)
        let config = try Config.parse(yaml: yaml, file: "routing.md", environment: [
            "SLACK_OUTAGES": "https://hooks.slack.com/services/T0/B1/outagesDOCsecret", "ZENDESK_TOKEN": "zendeskDOCtoken",
            "AUTOMATION_WEBHOOK": "https://automation.example/hook/DOCsecret", "AUTOMATION_TOKEN": "automationDOCtoken",
        ])
        let routing = try #require(config.routing)
        #expect(routing.sinks.map(\.name) == ["outages", "monitoring", "helpdesk", "automation"])
        let router = IncidentRouter(config: routing, tiers: config.tiers)
        func sinks(_ severity: Severity, _ tier: String) -> [String] {
            router.matchingSinks(IncidentEvent(id: "x/1", event: .opened, check: "x", site: "acme", tier: tier, severity: severity,
                                               at: Timestamp(seconds: 100), since: Timestamp(seconds: 1), reason: "r"))
        }
        #expect(sinks(.critical, "enhanced") == ["outages", "helpdesk", "automation"])
        #expect(sinks(.warning, "standard") == ["monitoring", "helpdesk", "automation"])
        #expect(sinks(.info, "unsupported") == [])
        #expect(sinks(.critical, "prospect") == ["outages", "automation"], "no ticket for a tier without the ticket flag")
    }
}
