import Foundation
import Testing

/// Every duration, count, port and size the config accepts runs through every stage without trapping: probe
/// (`--once`, and with its heartbeat receiver for a moment), classify, route (a dry run, and sending to a refused
/// receiver with its retries) and report. A red team found `every: 53375995584d` loading and then trapping in report,
/// a heartbeat `every` of 106751991166d trapping in probe, and a port of 99999 trapping in route on every restart.
/// The bounds are `TimeSpan.maxConfigured` and `ConfigBounds`; each setting is drawn from its accepted range: all at
/// the top, all at the bottom, and seeded random draws in between (each value at its minimum, its maximum, or
/// log-uniform between them). The settings later issues added (escalation, action links, control windows, the status
/// board, NATS, screenshots, the body-size ratio, the budget warning's burn rates) are drawn too; the NATS ones are only loaded here (no server runs).
@Suite struct ConfigBoundsTests {
    /// What a setting accepts, in the unit the config is written in.
    enum Range: Sendable {
        /// Milliseconds, written `Nms`.
        case duration(Int64, Int64)
        case count(Int64, Int64)
        case percent(Double, Double)
        /// A loopback port that nothing here listens on (probe and route connect to it).
        case port
    }

    static let maxDuration: Int64 = 366 * 86_400_000
    /// Every number in `config(_:)`, by the name it is filled in under.
    static let ranges: [String: Range] = [
        "daily_min_contract_hours": .count(0, 744), "contract_hours": .count(0, 744), "sla": .percent(0.001, 100),
        "every": .duration(1, maxDuration), "timeout": .duration(1, maxDuration), "failures": .count(1, 10_000),
        "for": .duration(0, maxDuration), "successes": .count(1, 10_000),
        "window": .count(3, 64), "high": .percent(0.01, 100), "low": .percent(0.01, 100), "quorum": .count(1, 10_000),
        "reminder": .duration(0, maxDuration), "out_of_order": .duration(0, maxDuration),
        "certificate_warning_days": .count(0, 3650), "late_notification": .duration(0, maxDuration),
        "port": .port, "redirects": .count(0, 20), "max_ms": .count(1, maxDuration), "min_bytes": .count(0, 1 << 40),
        "samples": .count(1, 10_000), "min_samples": .count(1, 10_000), "accept_after": .duration(1, maxDuration),
        "warn_days": .count(0, 3650), "heartbeat_every": .duration(1, maxDuration), "grace": .duration(1, maxDuration),
        "group_wait": .duration(0, maxDuration), "update_interval": .duration(0, maxDuration),
        "base": .duration(0, maxDuration), "max_delay": .duration(0, maxDuration), "max_attempts": .count(1, 10_000),
        "max_age": .duration(0, maxDuration), "sink_timeout": .duration(0, maxDuration), "pace": .duration(0, maxDuration),
        "concurrency": .count(1, 64), "hook_port": .port,
        // Added with later issues: escalation, action links, control windows, the status board, NATS, screenshots,
        // the body-size anomaly's ratio.
        "escalate_after": .duration(1, 7 * 86_400_000), "link_ttl": .duration(300_000, 7 * 86_400_000),
        "silence_for": .duration(60_000, 86_400_000), "max_control_duration": .duration(60_000, 90 * 86_400_000),
        "stale_after": .duration(60_000, 86_400_000), "duplicate_window": .duration(1000, 7 * 86_400_000),
        "memory_lines": .count(1, 10_000_000), "spool_max_bytes": .count(0, 1 << 40),
        "screenshot_keep": .count(1, 10_000), "screenshot_max_age": .duration(1, maxDuration), "ratio": .percent(0.001, 0.999),
        "burn_1h": .percent(1, 1000), "burn_6h": .percent(1, 1000),
    ]

    /// One value for every setting.
    struct Draw: Sendable, CustomTestStringConvertible {
        enum Pick: Sendable { case maximum, minimum, random(UInt64) }
        var pick: Pick
        var testDescription: String {
            switch pick {
            case .maximum: "every setting at its maximum"
            case .minimum: "every setting at its minimum"
            case .random(let seed): "random settings, seed \(seed)"
            }
        }

        func values() -> [String: String] {
            var rng = SeededGenerator(seed: { if case .random(let s) = pick { s } else { 0 } }())
            var out: [String: String] = [:]
            for (name, range) in ConfigBoundsTests.ranges.sorted(by: { $0.key < $1.key }) {
                // At random, a third of the settings sit at an end of their range: the ends are where arithmetic overflows.
                let end: Int = switch pick {
                case .maximum: 1
                case .minimum: 0
                case .random: Int.random(in: 0..<6, using: &rng)
                }
                out[name] = ConfigBoundsTests.value(range, end: end, rng: &rng)
            }
            // The few rules between settings, so every draw is a config the stages accept.
            if let low = Double(out["low"]!), let high = Double(out["high"]!), low > high { (out["low"], out["high"]) = (out["high"]!, out["low"]!) }
            if Int(out["min_samples"]!)! > Int(out["samples"]!)! { (out["min_samples"], out["samples"]) = (out["samples"]!, out["min_samples"]!) }
            if out["pace"] != "0ms" { out["concurrency"] = "1" }
            // An action link's silence may not outlast what classify accepts.
            if Self.ms(out["silence_for"]!) > Self.ms(out["max_control_duration"]!) { out["silence_for"] = out["max_control_duration"] }
            return out
        }

        static func ms(_ text: String) -> Int64 { Int64(text.dropLast(2))! }

        /// Six random draws; `LOOKOUT_BOUNDS_DRAWS=N` draws more (`LOOKOUT_BOUNDS_FIRST=K` starts at seed K).
        static let all: [Draw] = {
            let env = ProcessInfo.processInfo.environment
            let count = env["LOOKOUT_BOUNDS_DRAWS"].flatMap { UInt64($0) } ?? 6, first = env["LOOKOUT_BOUNDS_FIRST"].flatMap { UInt64($0) } ?? 1
            return [Draw(pick: .maximum), Draw(pick: .minimum)] + (first..<(first + count)).map { Draw(pick: .random($0)) }
        }()
    }

    /// `end` 0 is the minimum, 1 the maximum, anything else a log-uniform draw between them.
    static func value(_ range: Range, end: Int, rng: inout SeededGenerator) -> String {
        func between(_ low: Int64, _ high: Int64) -> Int64 {
            if end == 0 { return low }
            if end == 1 { return high }
            let span = log(Double(high - low) + 1)
            return min(high, low + Int64(exp(Double.random(in: 0...span, using: &rng)) - 1))
        }
        switch range {
        case .duration(let low, let high): return "\(between(low, high))ms"
        case .count(let low, let high): return "\(between(low, high))"
        case .percent(let low, let high):
            return end == 0 ? "\(low)" : end == 1 ? "\(high)" : String(format: "%.3f", Double.random(in: low...high, using: &rng))
        case .port:
            let port = end == 0 ? 1 : end == 1 ? 65535 : Int(between(1024, 65535))
            return "\(LoopbackPort.closed(near: port))"
        }
    }

    static func config(_ v: [String: String]) -> String {
        """
        timezone: Europe/London
        actions: {public_url: "http://127.0.0.1:\(v["hook_port"]!)", key: "${BOUNDS_ACTIONS_KEY}", link_ttl: \(v["link_ttl"]!), silence_for: \(v["silence_for"]!)}
        status: {stale_after: \(v["stale_after"]!)}
        nats: {duplicate_window: \(v["duplicate_window"]!), memory_lines: \(v["memory_lines"]!), spool_max_bytes: \(v["spool_max_bytes"]!)}
        maintenance_policy: {daily_min_contract_hours: \(v["daily_min_contract_hours"]!), earliest: "00:00", latest: "23:59"}
        tiers:
          enhanced: {contract_hours: \(v["contract_hours"]!), outage: critical, degraded: warning, ticket: true, sla: \(v["sla"]!)}
        defaults:
          every: \(v["every"]!)
          timeout: \(v["timeout"]!)
          confirm: {failures: \(v["failures"]!), for: \(v["for"]!)}
          recover: {successes: \(v["successes"]!)}
        classify:
          flapping: {window: \(v["window"]!), high: \(v["high"]!), low: \(v["low"]!)}
          quorum: \(v["quorum"]!)
          reminder: \(v["reminder"]!)
          out_of_order: \(v["out_of_order"]!)
          max_control_duration: \(v["max_control_duration"]!)
          budget_warning: {burn_1h: \(v["burn_1h"]!), burn_6h: \(v["burn_6h"]!)}
        report:
          certificate_warning_days: \(v["certificate_warning_days"]!)
          late_notification: \(v["late_notification"]!)
        sites:
          - id: big
            name: Every bound drawn from its range
            tier: enhanced
            url: http://127.0.0.1:\(v["port"]!)/
            maintenance:
              - {name: long, from: "2026-01-01T00:00", to: "2026-12-31T23:59"}
            checks:
              - id: big-http
                http: http://127.0.0.1:\(v["port"]!)/
                redirects: \(v["redirects"]!)
                expect: {max_ms: \(v["max_ms"]!), min_bytes: \(v["min_bytes"]!)}
                size_anomaly: {ratio: \(v["ratio"]!), samples: \(v["samples"]!), min_samples: \(v["min_samples"]!), accept_after: \(v["accept_after"]!)}
              - id: big-tls
                tls: https://127.0.0.1:\(v["port"]!)/
                warn_days: \(v["warn_days"]!)
              - id: big-browser
                browser: http://127.0.0.1:\(v["port"]!)/
                screenshots: {keep: \(v["screenshot_keep"]!), max_age: \(v["screenshot_max_age"]!)}
              - id: big-heartbeat
                heartbeat: {every: \(v["heartbeat_every"]!), grace: \(v["grace"]!)}
                token: ${BOUNDS_TOKEN}
          - id: small
            name: Opens incidents under the routing bounds
            tier: enhanced
            checks:
              - {id: small-tcp, tcp: "127.0.0.1:\(v["port"]!)", every: 1s, confirm: {failures: 1, for: 0s}, recover: {successes: 1}}
        routing:
          group_wait: \(v["group_wait"]!)
          update_interval: \(v["update_interval"]!)
          retry: {base: \(v["base"]!), max_delay: \(v["max_delay"]!), max_attempts: \(v["max_attempts"]!), max_age: \(v["max_age"]!)}
          sinks:
            hook: {kind: webhook, url: "${BOUNDS_HOOK}", timeout: \(v["sink_timeout"]!), pace: \(v["pace"]!), concurrency: \(v["concurrency"]!)}
            desk: {kind: zendesk, url: "http://127.0.0.1:\(v["hook_port"]!)", email: a@b.example, token: "${BOUNDS_TOKEN}"}
          routes:
            - {severity: critical, sinks: [desk], escalate: [{after: \(v["escalate_after"]!), sinks: [hook]}]}
        """
    }

    /// A day of results: big-* pass and fail with figures near their bounds, small-tcp fails and recovers.
    static var input: String {
        var lines: [String] = []
        for k in 0..<40 {
            let at = String(format: "2026-11-25T10:%02d:%02dZ", k / 2, (k % 2) * 30)
            let ok = k % 7 != 3
            lines.append(#"{"v":1,"type":"result","check":"small-tcp","at":"\#(at)","ok":\#(ok),"kind":"tcp","latency_ms":1.5\#(ok ? "" : #","error":"refused""#)}"#)
            lines.append(#"{"v":1,"type":"result","check":"big-http","at":"\#(at)","ok":\#(k % 2 == 0),"kind":"http","latency_ms":31622399999,"status":200,"bytes":1099511627776}"#)
            lines.append(#"{"v":1,"type":"result","check":"big-heartbeat","at":"\#(at)","ok":\#(k % 3 != 0),"kind":"heartbeat"}"#)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A long-running stage stopped by SIGTERM after `seconds` exits 0 (a trap ends it by a signal).
    static func runsAndStops(_ name: String, _ arguments: [String], in dir: URL, environment: [String: String], for seconds: Double) throws {
        let stage = try BackgroundStage(name, arguments, in: dir, tag: name, environment: environment)
        usleep(UInt32(seconds * 1_000_000))
        let running = stage.process.isRunning
        let status = stage.terminate()
        #expect(running, "\(name) \(arguments.joined(separator: " ")) stopped by itself: \(stage.stderr.suffix(1500))")
        #expect(stage.process.terminationReason == .exit && status == 0,
                "\(name): exit \(status) (\(stage.process.terminationReason == .exit ? "exit" : "signal")): \(stage.stderr.suffix(1500))")
    }

    @Test(arguments: Draw.all)
    func everyAcceptedValueRunsThroughEveryStage(_ draw: Draw) throws {
        let values = draw.values()
        let tmp = try Fixtures.tempFolder("config-bounds")
        defer { try? FileManager.default.removeItem(at: tmp) }
        let config = tmp.appendingPathComponent("c.yaml")
        try Self.config(values).write(to: config, atomically: true, encoding: .utf8)
        let secrets = ["BOUNDS_HOOK": "http://127.0.0.1:\(values["hook_port"]!)/hook", "BOUNDS_TOKEN": "bounds-token-0123456789abcdef",
                       "BOUNDS_ACTIONS_KEY": String(repeating: "a", count: 64)]
        let env = ChildProcess.environment(adding: secrets)
        let sorted = values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")

        let probe = try ChildProcess.run("probe", ["--config", config.path, "--once"], environment: env)
        #expect(probe.status == 0, "probe --once: exit \(probe.status): \(probe.stderrText) [\(sorted)]")
        // The heartbeat receiver's evaluator runs on its own schedule: left running a moment, then stopped.
        try Self.runsAndStops("probe", ["--config", config.path, "--listen", "127.0.0.1:0", "--control", tmp.appendingPathComponent("control.ndjson").path], in: tmp, environment: secrets, for: 1.5)

        let classify = try ChildProcess.run("classify", ["--config", config.path], stdin: Data(Self.input.utf8), environment: env)
        #expect(classify.status == 0, "classify: exit \(classify.status): \(classify.stderrText) [\(sorted)]")
        #expect(classify.stdoutText.contains(#""type":"incident""#))
        let route = try ChildProcess.run("route", ["--config", config.path, "--dry-run"], stdin: classify.stdout, environment: env)
        #expect(route.status == 0, "route: exit \(route.status): \(route.stderrText) [\(sorted)]")
        #expect(route.stdoutText.contains(#""type":"would_send""#))
        // Sending for real to receivers that refuse: every attempt fails and is retried by the drawn policy.
        let classified = tmp.appendingPathComponent("classified.ndjson")
        try classify.stdout.write(to: classified)
        try Self.runsAndStops("route", ["--config", config.path, "--input", classified.path, "--follow", "--state", tmp.appendingPathComponent("route.sqlite").path],
                              in: tmp, environment: secrets, for: 1.5)
        for format in ["markdown", "json", "html"] {
            let report = try ChildProcess.run("report", ["--config", config.path, "--day", "2026-11-25", "--format", format],
                                              stdin: classify.stdout + route.stdout, environment: env)
            #expect(report.status == 0, "report --format \(format): exit \(report.status): \(report.stderrText) [\(sorted)]")
        }
        let site = tmp.appendingPathComponent("status-site")
        let status = try ChildProcess.run("report", ["--config", config.path, "--status-site", site.path, classified.path], environment: env)
        #expect(status.status == 0, "report --status-site: exit \(status.status): \(status.stderrText) [\(sorted)]")
        #expect(FileManager.default.fileExists(atPath: site.appendingPathComponent("index.html").path))
    }
}
