import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
@testable import LookoutCommands
@testable import LookoutCore
@testable import LookoutProbe
@testable import LookoutTesting
import NIOCore
import NIOHTTP1
import Testing

/// The receiver tested for real: a Hummingbird server on 127.0.0.1, pings over HTTP, pings stored in a SQLite file,
/// and the heartbeat check judging them on a manual clock.
@Suite(.serialized) struct HeartbeatReceiverTests {
    static let backupToken = "bk-7f3a9c1e5d2b8f4a6c0e"
    static let hostToken = "host-2b8f4a6c0e7f3a9c1e5d"
    static let t0 = Timestamp(rfc3339: "2026-11-25T08:00:00Z")!

    static func config() throws -> Config {
        try Config.parse(yaml: """
            tiers: {enhanced: {outage: critical, degraded: warning}}
            sites:
              - id: acme
                tier: enhanced
                checks:
                  - id: acme-backup
                    heartbeat: {every: 5m, grace: 1m}
                    token: ${BACKUP_TOKEN}
                  - id: acme-web1
                    heartbeat: {every: 5m, grace: 1m}
                    token_file: \(tokenFile.path)
                    metrics:
                      warn: ['$.disk["/"].used_pct < 80']
                      critical: ['$.disk["/"].used_pct < 90', '$.load.5m < 4']
            """, file: "hb.yaml", environment: ["BACKUP_TOKEN": backupToken])
    }

    static let tokenFile: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lookout-hb-token-\(UUID())")
        try? (hostToken + "\n").write(to: url, atomically: true, encoding: .utf8)
        return url
    }()

    /// A running receiver and what a test needs to talk to it and judge its checks.
    final class Harness: @unchecked Sendable {
        let clock = ManualClock(HeartbeatReceiverTests.t0)
        let statePath: String
        let config: Config
        var store: PingStore
        var port = 0
        var server: HeartbeatReceiver.Server?

        init() throws {
            statePath = FileManager.default.temporaryDirectory.appendingPathComponent("lookout-hb-\(UUID()).sqlite").path
            config = try HeartbeatReceiverTests.config()
            store = try PingStore(path: statePath)
        }

        func start(idleTimeout: TimeSpan = HeartbeatReceiver.defaultIdleTimeout) async throws {
            let receiver = HeartbeatReceiver(checks: config.allChecks, store: store, clock: clock, metrics: ProbeMetrics(),
                                             maxBodyBytes: 1000, idleTimeout: idleTimeout)
            let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
            server = receiver.start(host: "127.0.0.1", port: 0, logger: Logger(label: "test")) { continuation.yield($0) }
            for await p in stream { port = p; break }
        }

        func stop() async {
            await server?.stop()
        }

        /// Stops the receiver and opens the same state file again, as a restart does.
        func restart() async throws {
            await stop()
            store = try PingStore(path: statePath)
            try await start()
        }

        func ping(_ path: String, body: String = "", method: HTTPMethod = .POST) async throws -> (Int, String) {
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
            request.method = method
            if !body.isEmpty { request.body = .bytes(ByteBuffer(string: body)) }
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
            return (Int(response.status.code), text)
        }

        func judge(_ checkID: String) async -> ProbeOutcome {
            let check = config.check(checkID)!
            let services = try! ProbeServices(pings: store)
            let outcome = await check.kind.run(ProbeRun(checkID: checkID, timeout: .seconds(1), startedAt: clock.now(), services: services))
            await services.shutdown()
            return outcome
        }

        deinit { try? FileManager.default.removeItem(atPath: statePath) }

        /// Runs `body` against a started receiver and always stops it, whether the body passes or throws.
        static func with(idleTimeout: TimeSpan = HeartbeatReceiver.defaultIdleTimeout, _ body: (Harness) async throws -> Void) async throws {
            let h = try Harness()
            try await h.start(idleTimeout: idleTimeout)
            do { try await body(h) } catch { await h.stop(); throw error }
            await h.stop()
        }
    }

    /// A TCP connection to the receiver that sends `text` and then nothing.
    static func rawConnection(port: Int, sending text: String) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { close(fd); throw POSIXError(.ECONNREFUSED) }
        _ = text.withCString { send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
        return fd
    }

    /// Whether the server has closed the connection (end of file or a reset), without waiting.
    static func closedByServer(_ fd: Int32) -> Bool {
        var byte: UInt8 = 0
        let n = recv(fd, &byte, 1, Int32(MSG_DONTWAIT))
        return n == 0 || (n < 0 && errno == ECONNRESET)
    }

    /// Slowloris and idle keep-alive connections are closed after the idle timeout, so they cannot hold the file
    /// descriptors real pings need; a ping meanwhile is answered at once. Fails without the timeout: the half-sent
    /// requests stay open until the read times out.
    @Test func connectionsWithoutACompleteRequestAreClosedAfterTheIdleTimeout() async throws {
        try await Harness.with(idleTimeout: .seconds(1)) { (h: Harness) async throws in
            let slow = try (0..<50).map { _ in
                try Self.rawConnection(port: h.port, sending: "POST /ping/\(HeartbeatReceiverTests.backupToken) HTTP/1.1\r\nHost: a\r\n")
            }
            let idle = try Self.rawConnection(port: h.port, sending: "")
            defer { for fd in slow + [idle] { close(fd) } }
            #expect(try await h.ping("/ping/\(HeartbeatReceiverTests.backupToken)", method: .GET).0 == 200,
                    "a real ping is answered beside them")
            // Closed after about a second; a loaded machine gets up to 20 s before the test says they stayed open.
            var closed = 0
            for _ in 0..<40 where closed < 51 {
                try await Task.sleep(for: .milliseconds(500))
                closed = (slow + [idle]).filter(Self.closedByServer).count
            }
            #expect(closed == 51, "\(51 - closed) of 51 connections without a complete request were still open after 20 s")
        }
    }

    @Test func onTimeThenLateThenRecovered() async throws {
        try await Harness.with { (h: Harness) async throws in
        #expect(try await h.ping("/ping/\(HeartbeatReceiverTests.backupToken)", method: .GET).0 == 200)
        h.clock.advance(by: .minutes(5))
        #expect(await h.judge("acme-backup").ok)
        h.clock.advance(by: .minutes(1))
        let late = await h.judge("acme-backup")
        #expect(!late.ok)
        #expect(late.error == "no ping since 2026-11-25T08:00:00Z")
        #expect(try await h.ping("/ping/\(HeartbeatReceiverTests.backupToken)").0 == 200)
        #expect(await h.judge("acme-backup").ok)
        }
    }

    @Test func failAndExitCodeSignals() async throws {
        try await Harness.with { (h: Harness) async throws in
        #expect(try await h.ping("/ping/\(HeartbeatReceiverTests.backupToken)/fail", body: "tar: short read").0 == 200)
        let failed = await h.judge("acme-backup")
        #expect(!failed.ok && failed.error == "job reported failure at 2026-11-25T08:00:00Z")
        #expect(try await h.ping("/ping/\(HeartbeatReceiverTests.backupToken)/0").0 == 200)
        #expect(await h.judge("acme-backup").ok)
        #expect(try await h.ping("/ping/\(HeartbeatReceiverTests.backupToken)/2", body: "line 1\nrsync error 23\n").0 == 200)
        let two = await h.judge("acme-backup")
        #expect(!two.ok && two.error == "job reported failure (exit code 2) at 2026-11-25T08:00:00Z")
        #expect(two.details.contains(JSONMember(key: "output_tail", value: .string("line 1\nrsync error 23"))))
        #expect(try await h.ping("/ping/\(HeartbeatReceiverTests.backupToken)/256").0 == 400)
        }
    }

    @Test func startFollowedByARunThatOverruns() async throws {
        try await Harness.with { (h: Harness) async throws in
        #expect(try await h.ping("/ping/\(HeartbeatReceiverTests.backupToken)/start").0 == 200)
        h.clock.advance(by: .seconds(59))
        #expect(await h.judge("acme-backup").ok)
        h.clock.advance(by: .seconds(1))
        let overran = await h.judge("acme-backup")
        #expect(!overran.ok && overran.error == "started at 2026-11-25T08:00:00Z and not finished within 1m")
        }
    }

    @Test func unknownTokenAndOversizedBodyRecordNothing() async throws {
        try await Harness.with { (h: Harness) async throws in
        #expect(try await h.ping("/ping/not-a-configured-token-at-all").0 == 404)
        #expect(try await h.ping("/ping/\(HeartbeatReceiverTests.backupToken.dropLast())").0 == 404)
        let big = String(repeating: "x", count: 1001)
        #expect(try await h.ping("/ping/\(HeartbeatReceiverTests.backupToken)", body: big).0 == 413)
        #expect(try h.store.count(for: "acme-backup") == 0)
        let metrics = try await h.ping("/metrics", method: .GET)
        #expect(metrics.1.contains(#"lookout_pings_rejected_total{reason="unknown_token"} 2"#))
        #expect(metrics.1.contains(#"lookout_pings_rejected_total{reason="body_too_large"} 1"#))
        #expect(!metrics.1.contains(HeartbeatReceiverTests.backupToken))
        }
    }

    @Test func aPushOverTheCriticalDiskThresholdIsDown() async throws {
        try await Harness.with { (h: Harness) async throws in
        #expect(h.config.check("acme-web1")?.probe.resultKind == "host")
        #expect(h.config.check("acme-backup")?.probe.resultKind == "heartbeat")
        let push = #"{"host":"web1","load":{"1m":0.5,"5m":0.4,"15m":0.3},"disk":{"/":{"used_pct":93.5},"/var":{"used_pct":40}}}"#
        #expect(try await h.ping("/ping/\(HeartbeatReceiverTests.hostToken)", body: push).0 == 200)
        let down = await h.judge("acme-web1")
        #expect(!down.ok)
        #expect(down.failed == [#"$.disk["/"].used_pct < 90"#])
        let warm = #"{"host":"web1","load":{"5m":0.4},"disk":{"/":{"used_pct":85}}}"#
        #expect(try await h.ping("/ping/\(HeartbeatReceiverTests.hostToken)", body: warm).0 == 200)
        let degraded = await h.judge("acme-web1")
        #expect(degraded.ok && degraded.degraded)
        #expect(degraded.failed == [#"$.disk["/"].used_pct < 80"#])
        // A missing push is a heartbeat failure like any other.
        h.clock.advance(by: .minutes(6))
        #expect(await h.judge("acme-web1").error == "no ping since 2026-11-25T08:00:00Z")
        }
    }

    @Test func aRestartKeepsTheLastPingTimes() async throws {
        try await Harness.with { (h: Harness) async throws in
        #expect(try await h.ping("/ping/\(HeartbeatReceiverTests.backupToken)").0 == 200)
        h.clock.advance(by: .minutes(3))
        try await h.restart()
        h.clock.advance(by: .minutes(2))
        let judged = await h.judge("acme-backup")
        #expect(judged.ok)
        #expect(judged.details.contains(JSONMember(key: "last_ping", value: .string("2026-11-25T08:00:00Z"))))
        h.clock.advance(by: .minutes(1))
        #expect(await h.judge("acme-backup").error == "no ping since 2026-11-25T08:00:00Z")
        }
    }

    @Test func hostMetricsReadTheRealHost() throws {
        let doc = HostMetrics.collect(mounts: ["/"], services: ["lookout-no-such-service"], at: HeartbeatReceiverTests.t0,
                                      serviceState: { _ in "inactive" })
        #expect(doc["load"]?["5m"]?.doubleValue != nil)
        #expect((doc["memory"]?["used_pct"]?.doubleValue ?? -1) >= 0)
        let root = try #require(doc["disk"]?["/"]?["used_pct"]?.doubleValue)
        #expect(root > 0 && root <= 100)
        #expect(doc["services"]?["lookout-no-such-service"] == .string("inactive"))
        // The assertion syntax the thresholds use reads what push sends.
        #expect(try JSONPathAssertion(parsing: #"$.disk["/"].used_pct <= 100"#).failure(in: doc) == nil)
    }
}
