import Foundation
@testable import LookoutClassify
@testable import LookoutCore
@testable import LookoutProbe
@testable import LookoutRoute
import Testing

/// pipelines/grafana/lookout.json is valid JSON, and every lookout metric its panels and variables query is one the
/// stages really expose.
@Suite struct GrafanaDashboardTests {
    static let dashboard = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("pipelines/grafana/lookout.json")

    /// Every query text of the dashboard: each panel's targets and each template variable.
    static func queries() throws -> [String] {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: dashboard)) as? [String: Any]
        let root = try #require(object)
        var out: [String] = []
        for panel in root["panels"] as? [[String: Any]] ?? [] {
            for target in panel["targets"] as? [[String: Any]] ?? [] { out.append(try #require(target["expr"] as? String)) }
        }
        for variable in (root["templating"] as? [String: Any])?["list"] as? [[String: Any]] ?? [] {
            out.append(try #require(variable["definition"] as? String))
        }
        return out
    }

    /// An exposition with every family of the three stages present: each kind of result, ping, incident and budget.
    static func everySeries() throws -> Set<String> {
        let config = try Config.parse(yaml: ClassifyMetricsTests.yaml, file: "test.yaml")
        let probe = ProbeMetrics()
        probe.configure(config, location: nil)
        let t = Timestamp(rfc3339: "2026-11-25T10:00:00Z")!
        var http = ResultEvent(check: "acme-home", at: t, ok: true)
        http.kind = "http"; http.status = 200; http.bytes = 10; http.latencyMs = 12
        var tls = ResultEvent(check: "acme-shop", at: t, ok: true)
        tls.details = .object([JSONMember(key: "not_after", value: .string("2027-01-01T00:00:00Z"))])
        probe.record(http)
        probe.record(tls)
        probe.ping(check: "acme-home", signal: "success", at: t)
        probe.rejectPing(reason: "unknown_token")
        let classify = ClassifyMetrics(config: config)
        classify.state(check: "acme-home", "up")
        classify.incidentOpen(check: "acme-home", false)
        classify.incident(.opened)
        classify.batch(linesRead: 1, rejected: 0, lateResults: 0, lastEventMs: t.milliseconds)
        classify.budget(ErrorBudget.figure(client: "ACME Ltd", sites: [], asOf: t.milliseconds, clock: LocalClock(config.timeZone)))
        let route = RouteMetrics(sinks: ["hook"])
        route.recorded(sink: "hook", .sent, count: 1, at: t)
        route.lines(read: 2, rejected: 1)
        route.update(["hook": Outbox.Backlog()], now: t)
        return Exposition(text: probe.render()).names.union(Exposition(text: classify.render()).names)
            .union(Exposition(text: route.render()).names)
    }

    @Test func everyQueriedMetricIsExposed() throws {
        let exposed = try Self.everySeries()
        let queries = try Self.queries()
        #expect(queries.count >= 20)
        let pattern = try NSRegularExpression(pattern: #"\blookout_[a-z0-9_]+"#)
        var queried = Set<String>()
        for q in queries {
            for m in pattern.matches(in: q, range: NSRange(q.startIndex..., in: q)) { queried.insert(String(q[Range(m.range, in: q)!])) }
        }
        #expect(queried.count >= 15)
        for name in queried.sorted() { #expect(exposed.contains(name), "the dashboard queries \(name), which no stage exposes") }
    }
}
