import Foundation
import Testing

/// contrib/health_check.php served for real by `php -S` on loopback, read by the built `probe` with a health check:
/// the endpoint and the probe must agree on the shape, including a failing component.
@Suite struct HealthCheckPHPTests {
    static let contrib = Fixtures.repository.appendingPathComponent("contrib")

    @Test func probeReadsTheReferenceEndpointWithOneComponentFailing() throws {
        let executable = try InstalledTool.php()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lookout-php-\(UUID())")
        let cache = dir.appendingPathComponent("cache")
        try FileManager.default.createDirectory(at: cache, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let port = LoopbackPort.free()
        let php = Process()
        php.executableURL = URL(fileURLWithPath: executable)
        php.arguments = ["-S", "127.0.0.1:\(port)", "-t", HealthCheckPHPTests.contrib.path]
        php.environment = [
            "HEALTH_TOKEN": "t0ken-for-the-test",
            "HEALTH_DB_DSN": "sqlite:\(dir.appendingPathComponent("site.sqlite").path)",
            "HEALTH_DB_PASSWORD": "db-password-never-printed",
            "HEALTH_WRITABLE": "\(cache.path):\(dir.appendingPathComponent("uploads-missing").path)",
            "HEALTH_QUEUE_SQL": "SELECT 3",
            // The disk component measures this machine's real disk: a full /tmp (a benchmark's data) made it
            // degraded and changed `failed`. This test is about the missing folder.
            "HEALTH_DISK_WARN_PCT": "100", "HEALTH_DISK_FAIL_PCT": "100",
        ]
        php.standardOutput = FileHandle.nullDevice
        php.standardError = FileHandle.nullDevice
        try php.run()
        // SIGKILL: a child spawned from a test thread inherits its blocked SIGTERM, so terminate() may not stop it.
        defer { kill(php.processIdentifier, SIGKILL); php.waitUntilExit() }
        // Wait until php accepts connections (bounded).
        for _ in 0..<50 {
            let probe = try ChildProcess.run("probe", ["--once", "--config", try config(port: port, dir: dir)],
                                             environment: ["HEALTH_TOKEN": "t0ken-for-the-test"], timeout: 30)
            if probe.stdoutText.lowercased().contains("connection refused") { usleep(100_000); continue }
            #expect(probe.status == 0, "\(probe.stderrText)")
            let line = probe.stdoutText
            #expect(line.contains(#""check":"shop-health""#))
            #expect(line.contains(#""ok":false"#), "\(line)")
            #expect(line.contains(#""failed":["writable_uploads_missing"]"#), "\(line)")
            #expect(line.contains(#""status":503"#))
            #expect(!line.contains("db-password-never-printed"))
            return
        }
        Issue.record("php -S did not start listening on 127.0.0.1:\(port)")
    }

    func config(port: Int, dir: URL) throws -> String {
        let path = dir.appendingPathComponent("c.yaml")
        try """
        tiers: {enhanced: {outage: critical}}
        sites:
          - id: shop
            tier: enhanced
            checks:
              - id: shop-health
                health: http://127.0.0.1:\(port)/health_check.php
                headers: {X-Health-Token: "${HEALTH_TOKEN}"}
                timeout: 5s
        """.write(to: path, atomically: true, encoding: .utf8)
        return path.path
    }
}
