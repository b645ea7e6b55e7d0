import Foundation
import Logging
import LookoutCommands
@testable import LookoutCore
@testable import LookoutRoute
import Testing

/// RouteHarness builds a config with `sites` sites and a routing section, and runs the real outbox and dispatcher
/// in-process against loopback servers, collecting the `delivery` lines and every log line.
enum RouteHarness {
    /// Secrets the tests hand to route through the environment; none may ever be printed.
    static let slackSecret = "https://hooks.slack.test/services/T000SECRET/B000SECRET/XXXXwebhookSECRET"
    static let zendeskToken = "zdTOKENsecret0123456789"
    static let freshdeskKey = "fdAPIKEYsecret9876543210"
    static let hookToken = "hookBEARERsecret55555"

    static func siteYAML(_ count: Int, tier: String = "enhanced") -> String {
        (1...max(count, 1)).map { k in
            """
              - id: site\(k)
                name: Client \(k) Shop
                tier: \(tier)
                url: https://site\(k).example/
                client: Client \(k) Ltd
                contact_email: owner\(k)@client\(k).example
                checks:
                  - id: site\(k)-home
                    tcp: 127.0.0.1:9
            """
        }.joined(separator: "\n")
    }

    static func config(sites: Int = 1, tier: String = "enhanced", routing: String) -> String {
        """
        tiers:
          enhanced: {outage: critical, degraded: warning, ticket: true}
          standard: {outage: warning, degraded: info, ticket: true}
          unsupported: {outage: info, degraded: none}
        sites:
        \(siteYAML(sites, tier: tier))
        routing:
        \(routing)
        """
    }

    static func incident(_ k: Int, _ event: IncidentEvent.Event, at seconds: Int64, since: Int64 = 0,
                         severity: Severity = .critical, tier: String = "enhanced", maintenance: String? = nil) -> IncidentEvent {
        let base: Int64 = 1_795_000_000
        var e = IncidentEvent(id: "site\(k)-home/\((base + since) * 1000)", event: event, check: "site\(k)-home", site: "site\(k)",
                              tier: tier, severity: severity, at: Timestamp(seconds: base + seconds),
                              since: Timestamp(seconds: base + since), reason: "confirmed after 3 failures", maintenance: maintenance)
        e.state = "down"
        e.error = "connection refused"
        if event == .resolved { e.durationMs = (seconds - since) * 1000 }
        return e
    }

    struct Outcome {
        var lines: [String]
        var logs: [String]
        var outbox: Outbox
        var deliveries: [(key: String, outcome: String, attempt: Int)] {
            lines.compactMap { line in
                guard let o = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any],
                      o["type"] as? String == "delivery" else { return nil }
                return (o["key"] as? String ?? "", o["outcome"] as? String ?? "", o["attempt"] as? Int ?? 0)
            }
        }
    }

    static var environment: [String: String] {
        ["SLACK_OUTAGES": slackSecret, "ZENDESK_TOKEN": zendeskToken, "FRESHDESK_KEY": freshdeskKey, "HOOK_TOKEN": hookToken]
    }

    /// Queues `events` and runs the dispatcher until every delivery is sent or dead (failing after `timeout`).
    static func run(_ yaml: String, events: [IncidentEvent], environment extra: [String: String] = [:],
                    statePath: String? = nil, timeout: Duration = .seconds(120)) async throws -> Outcome {
        try await run(yaml, inputs: events.map { .incident($0, line: $0.encoded()) }, environment: extra, statePath: statePath, timeout: timeout)
    }

    /// Queues `inputs` (incident, ack and note lines, each in its own transaction, as route reads them) and runs the
    /// dispatcher until every delivery is sent or dead.
    static func run(_ yaml: String, inputs: [RouteInput], environment extra: [String: String] = [:],
                    statePath: String? = nil, timeout: Duration = .seconds(120)) async throws -> Outcome {
        let env = environment.merging(extra) { _, b in b }
        let config = try Config.parse(yaml: yaml, file: "<test>", environment: env)
        let routing = try #require(config.routing)
        let outbox = try Outbox(path: statePath, router: IncidentRouter(config: routing, tiers: config.tiers))
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("route-out-\(UUID()).ndjson")
        _ = FileManager.default.createFile(atPath: file.path, contents: nil)
        let fd = open(file.path, O_WRONLY)
        defer { close(fd); try? FileManager.default.removeItem(at: file) }
        let writer = LineWriter(fd: fd)
        let logs = CapturedLogs()
        let logger = Logger(label: "route-test") { _ in CapturingLogHandler(sink: logs) }
        let clock = SystemClock()
        let dispatcher = Dispatcher(outbox: outbox, routing: routing, sites: config.sites, transport: AsyncHTTPTransport(),
                                    clock: clock, writer: writer, logger: logger)
        for input in inputs { try outbox.enqueue([input], now: clock.now(), eventTime: nil) }
        dispatcher.inputFinished()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await dispatcher.run() }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw HarnessTimeout()
            }
            try await group.next()
            group.cancelAll()
        }
        try writer.flush()
        let text = try String(contentsOf: file, encoding: .utf8)
        return Outcome(lines: text.split(separator: "\n").map(String.init), logs: logs.lines, outbox: outbox)
    }

    struct HarnessTimeout: Error {}

    /// Every secret the tests use, for leak checks.
    static var secrets: [String] {
        [slackSecret, zendeskToken, freshdeskKey, hookToken, "T000SECRET", "XXXXwebhookSECRET",
         Data("ops@agency.example/token:\(zendeskToken)".utf8).base64EncodedString(),
         Data("\(freshdeskKey):X".utf8).base64EncodedString()]
    }
}

/// CapturedLogs keeps every log line a test's logger wrote.
final class CapturedLogs: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    func append(_ s: String) { lock.withLock { stored.append(s) } }
    var lines: [String] { lock.withLock { stored } }
}

/// CapturingLogHandler renders log records as stderr would (through the redactor) into `CapturedLogs`.
struct CapturingLogHandler: LogHandler {
    let sink: CapturedLogs
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
        // Not redacted here: the test checks that nothing secret reached a log call at all.
        sink.append("\(event.level) \(event.message) \(event.metadata ?? [:])")
    }
}
