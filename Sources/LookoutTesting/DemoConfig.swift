import LookoutCore

/// DemoConfig is the embedded config `--demo` runs: three sites of different tiers against a demo target on
/// loopback, and routing to a demo chat channel and a demo helpdesk that the demo receives itself, so a fresh clone
/// shows the whole story (outage, incident, message, ticket, report) with no setup.
///
/// `text` is the standard config, on the standard ports; `pipelines/demo.yaml` is a byte-for-byte copy of it (a test
/// keeps them identical), for `--config`, `pipelines/replay` and `pipelines/daily-report`. Its two secrets come from
/// `environment` (`pipelines/demo.env`), which `--demo` supplies itself.
public enum DemoConfig {
    /// Where the demo listens: the target's HTTP and banner ports, the chat webhook and the helpdesk.
    public struct Ports: Sendable, Equatable {
        public var site: Int
        public var banner: Int
        public var chat: Int
        public var helpdesk: Int

        public init(site: Int, banner: Int, chat: Int, helpdesk: Int) {
            self.site = site
            self.banner = banner
            self.chat = chat
            self.helpdesk = helpdesk
        }

        /// The ports of `pipelines/demo.yaml`.
        public static let standard = Ports(site: 17480, banner: 17481, chat: 17482, helpdesk: 17483)
    }

    /// The standard demo config, as in `pipelines/demo.yaml`.
    public static var text: String { yaml(.standard) }

    /// The values of the demo config's secrets: the chat webhook's URL and the helpdesk's API token.
    public static func environment(_ ports: Ports = .standard) -> [String: String] {
        ["LOOKOUT_DEMO_CHAT_WEBHOOK": "http://127.0.0.1:\(ports.chat)/services/demo/outages",
         "LOOKOUT_DEMO_HELPDESK_TOKEN": "demo-token"]
    }

    public static func yaml(_ ports: Ports) -> String {
        """
        # The demo config: what `--demo` runs (Sources/LookoutTesting/DemoConfig.swift holds the same text).
        # The targets, the chat channel and the helpdesk are the demo's own loopback servers (`probe demo-site`).
        # Its secrets come from the environment: `set -a; . pipelines/demo.env; set +a`.
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
            url: http://127.0.0.1:\(ports.site)/
            client: ACME Ltd
            contact_email: it@acme.example
            maintenance:
              - {name: morning, daily: "08:00-09:00"}
            checks:
              - id: acme-home                # the demo target goes down for a few seconds after its third request
                every: 1s
                confirm: {failures: 2, for: 2s}
                http: http://127.0.0.1:\(ports.site)/
                expect: {status: [200], contains: ["<footer"], max_ms: 2000}
              - id: acme-shop
                every: 2s
                http: http://127.0.0.1:\(ports.site)/shop
                size_anomaly: {samples: 5, min_samples: 3}
              - id: acme-health
                health: http://127.0.0.1:\(ports.site)/health_check.php
                assert: ['$.queue.failed < 10']
              - id: acme-smtp
                tcp: 127.0.0.1:\(ports.banner)
                expect_banner: "220"
          - id: globex
            name: Globex
            tier: standard
            maintenance:
              - {name: patching, weekly: "tue 07:00-09:00"}
            checks:
              - id: globex-port
                tcp: 127.0.0.1:\(ports.banner)
          - id: initech
            name: Initech (prospect)
            tier: prospect
            checks:
              - id: initech-closed
                tcp: 127.0.0.1:1
                timeout: 1s
        routing:
          group_wait: 1s
          sinks:
            outages:                         # the #outages channel: the demo prints what it receives
              kind: slack
              webhook_url: ${LOOKOUT_DEMO_CHAT_WEBHOOK}
            helpdesk:                        # a Zendesk-shaped helpdesk the demo runs
              kind: zendesk
              url: http://127.0.0.1:\(ports.helpdesk)
              email: monitoring@agency.example
              token: ${LOOKOUT_DEMO_HELPDESK_TOKEN}
          routes:
            - {severity: critical, sinks: [outages, helpdesk]}

        """
    }
}
