import Foundation
@testable import LookoutCommands
import LookoutCore
import LookoutTesting
import Testing

/// The demo config is one text: `pipelines/demo.yaml` (for `--config`, replay and daily-report) is byte for byte what
/// `--demo` embeds, and `pipelines/demo.env` holds the secrets `--demo` supplies itself.
@Suite struct DemoConfigFileTests {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func pipelinesDemoYAMLIsTheEmbeddedConfig() throws {
        let file = try String(contentsOf: Self.repository.appendingPathComponent("pipelines/demo.yaml"), encoding: .utf8)
        #expect(file == DemoConfig.text, "pipelines/demo.yaml and DemoConfig.text differ: copy one into the other")
    }

    @Test func pipelinesDemoEnvHoldsTheDemoSecrets() throws {
        let file = try String(contentsOf: Self.repository.appendingPathComponent("pipelines/demo.env"), encoding: .utf8)
        var values: [String: String] = [:]
        for line in file.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { values[parts[0]] = parts[1] }
        }
        #expect(values == DemoConfig.environment())
    }

    /// With the demo's secrets the file loads, and routes a critical outage to the chat channel and the helpdesk.
    @Test func theDemoConfigRoutesToTheDemoChatAndHelpdesk() throws {
        let config = try Config.parse(yaml: DemoConfig.text, file: "demo.yaml", environment: DemoConfig.environment(), kinds: .all)
        #expect(config.routing?.sinks.map(\.sink.name).sorted() == ["helpdesk", "outages"])
    }

    /// classify and route load `--demo` without a demo site of their own: their incidents must still name the port
    /// the demo target listens on (they said 127.0.0.1:9).
    @Test func everyStagesDemoConfigNamesTheDemoTargetsPort() {
        let config = Stage.loadConfig(path: nil, demo: true)
        let acme = config.sites.first { $0.id == "acme" }
        #expect(acme?.url == "http://127.0.0.1:\(DemoConfig.Ports.standard.site)/")
    }
}
