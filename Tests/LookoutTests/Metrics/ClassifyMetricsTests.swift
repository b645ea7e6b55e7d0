import Foundation
@testable import LookoutClassify
@testable import LookoutCore
import Testing

/// classify's `/metrics` after a known log: the state gauge, open incidents, the stage's counts, promtool clean.
@Suite struct ClassifyMetricsTests {
    static let yaml = """
        timezone: Europe/London
        tiers:
          enhanced: {outage: critical, degraded: warning, sla: 99.9}
        defaults: {every: 1m, confirm: {failures: 2}}
        sites:
          - id: acme
            client: ACME Ltd
            tier: enhanced
            maintenance:
              - {name: morning, daily: "07:00-08:00"}
            checks:
              - {id: acme-home, http: "http://127.0.0.1:1/"}
              - {id: acme-shop, http: "http://127.0.0.1:1/shop"}
        """

    static func result(_ check: String, _ at: String, ok: Bool) -> String {
        #"{"v":1,"type":"result","check":"\#(check)","at":"\#(at)","ok":\#(ok),"kind":"http"}"#
    }

    @Test func stateGaugeIncidentsAndStageCounts() throws {
        let config = try Config.parse(yaml: Self.yaml, file: "test.yaml")
        let metrics = ClassifyMetrics(config: config)
        let input = [
            Self.result("acme-home", "2026-11-25T10:00:00Z", ok: true),
            Self.result("acme-home", "2026-11-25T10:01:00Z", ok: false),
            Self.result("acme-home", "2026-11-25T10:02:00Z", ok: false),
            Self.result("acme-shop", "2026-11-25T07:30:00Z", ok: true),
            "not json",
            Self.result("acme-home", "2026-11-25T10:03:00Z", ok: false),
        ].joined(separator: "\n") + "\n"
        let run = try ClassifyHarness.run(config: config, input: input, metrics: metrics)
        // The outage, and ACME's budget warning: 2 minutes down is 33x the hour's 3.6 s and 6.7x the 18 s of the
        // six hours less the 07:00 window.
        #expect(run.incidents.map { $0["state"] as? String } == ["down", "budget"])
        let scrape = Exposition(text: metrics.render())
        let home = ["check": "acme-home", "site": "acme", "client": "ACME Ltd", "tier": "enhanced", "kind": "http"]
        #expect(scrape.value("lookout_check_state", home.merging(["state": "down"]) { $1 }) == 1)
        for state in ClassifyMetrics.states where state != "down" {
            #expect(scrape.value("lookout_check_state", home.merging(["state": state]) { $1 }) == 0, "\(state)")
        }
        #expect(scrape.value("lookout_check_state", ["check": "acme-shop", "state": "maintenance"]) == 1)
        #expect(scrape.value("lookout_check_state", ["check": "acme-shop", "state": "up"]) == 0)
        #expect(scrape.value("lookout_check_incident_open", home) == 1)
        #expect(scrape.value("lookout_check_incident_open", ["check": "acme-shop"]) == 0)
        #expect(scrape.value("lookout_classify_incident_events_total", ["event": "opened"]) == 2)
        #expect(scrape.value("lookout_classify_lines_read_total") == 6)
        #expect(scrape.value("lookout_classify_lines_rejected_total") == 1)
        #expect(scrape.value("lookout_classify_last_event_timestamp_seconds")
            == Double(Timestamp(rfc3339: "2026-11-25T10:03:00Z")!.milliseconds / 1000))
        // Cardinality: seven state series per check, no location label (classify merges locations).
        #expect(scrape.samples.filter { $0.name == "lookout_check_state" }.count == 14)
        #expect(scrape.samples.allSatisfy { $0.labels["location"] == nil })
        let (status, printed) = try scrape.promtool()
        #expect(status == 0, "promtool check metrics: \(printed)")
        #expect(printed.isEmpty, "promtool's lint: \(printed)")
    }
}
