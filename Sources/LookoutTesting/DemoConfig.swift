import LookoutCore

/// DemoConfig is the embedded config `--demo` runs: three sites of different tiers against a demo target the probe
/// starts on loopback, so a fresh clone shows the whole pipeline with no setup.
public enum DemoConfig {
    public static func yaml(port: Int, bannerPort: Int? = nil) -> String {
        let bannerPort = bannerPort ?? port
        return """
        timezone: Europe/London
        maintenance_policy:
          daily_min_contract_hours: 50
          earliest: "07:00"
          latest: "10:00"
        tiers:
          enhanced:    {contract_hours: 60, outage: critical, degraded: warning, ticket: true, sla: 99.9}
          standard:    {contract_hours: 10, outage: warning,  degraded: info,    ticket: true, sla: 99.5}
          unsupported: {outage: info, degraded: none}
          prospect:    {outage: none, degraded: none}
        defaults:
          every: 5s
          timeout: 2s
          confirm: {failures: 3, for: 10s}
          recover: {successes: 2}
        sites:
          - id: acme
            name: ACME Ltd
            tier: enhanced
            url: http://127.0.0.1:\(port)/
            maintenance:
              - {name: morning, daily: "08:00-09:00"}
            checks:
              - id: acme-home
                http: http://127.0.0.1:\(port)/
                expect: {status: [200], contains: ["<footer"], max_ms: 2000}
              - id: acme-shop
                every: 2s
                http: http://127.0.0.1:\(port)/shop
                size_anomaly: {samples: 5, min_samples: 3}
              - id: acme-health
                health: http://127.0.0.1:\(port)/health_check.php
                assert: ['$.queue.failed < 10']
              - id: acme-smtp
                tcp: 127.0.0.1:\(bannerPort)
                expect_banner: "220"
          - id: globex
            name: Globex
            tier: standard
            maintenance:
              - {name: patching, weekly: "tue 07:00-09:00"}
            checks:
              - id: globex-port
                tcp: 127.0.0.1:\(bannerPort)
          - id: initech
            name: Initech (prospect)
            tier: prospect
            checks:
              - id: initech-closed
                tcp: 127.0.0.1:1
                timeout: 1s
        """
    }
}
