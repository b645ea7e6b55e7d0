import Foundation
import LookoutCore
import LookoutTesting
import Testing

/// The built `probe` against loopback sites: one-shot runs, the size baseline across processes, reload on SIGHUP and
/// a clean stop on SIGTERM that still writes the result of the run in flight.
@Suite struct ProbeEndToEndTests {
    static let fullPage = "<html><body><header>ACME</header><main>" + String(repeating: "<p>Fine products.</p>", count: 300)
        + "</main><footer>&copy; ACME</footer></body></html>"

    /// How many `/slow` requests the site has received (each is answered 1.5 s later).
    static let slowRequests = Counter()

    static func site() async throws -> LoopbackHTTPServer {
        try await LoopbackHTTPServer { path, n in
            if path == "/slow" { slowRequests.add() }
            switch path {
            case "/": return .init(body: fullPage)
            case "/shop": return .init(body: n <= 5 ? fullPage : "<html><body><header>ACME</header>")
            case "/down": return .init(status: 503, body: "down")
            case "/slow": return .init(body: fullPage, delay: .milliseconds(1500))
            case "/health":
                return .init(body: #"{"status":"fail","checks":{"db":"ok","cache":{"status":"degraded"},"search":"fail"}}"#)
            default: return .init(status: 404)
            }
        }
    }

    static func write(_ yaml: String, in dir: URL, name: String = "probe.yaml") throws -> String {
        let path = dir.appendingPathComponent(name).path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func config(_ checks: String) -> String {
        """
        tiers: {standard: {outage: warning, degraded: info}}
        defaults: {every: 1s, timeout: 3s}
        sites:
          - id: acme
            tier: standard
            checks:
        \(checks)
        """
    }

    /// SiteFolder is a loopback site and a temp folder with a probe config whose checks point at that site.
    struct SiteFolder {
        let server: LoopbackHTTPServer
        let dir: URL
        let config: String

        /// `checks` gets the running server and returns the YAML of the checks (indented for `config(_:)`).
        init(_ checks: (LoopbackHTTPServer) -> String) async throws {
            server = try await ProbeEndToEndTests.site()
            dir = try Fixtures.tempFolder("probe-e2e")
            config = try ProbeEndToEndTests.write(ProbeEndToEndTests.config(checks(server)), in: dir)
        }

        /// Replaces the config file, as an operator editing it before a SIGHUP would.
        func rewrite(_ yaml: String) throws { _ = try ProbeEndToEndTests.write(yaml, in: dir) }

        func remove() { try? FileManager.default.removeItem(at: dir) }
    }

    static func byCheck(_ lines: [String]) -> [String: JSONValue] {
        Dictionary(lines.compactMap { l in JSONValue.parse(l).flatMap { v in v["check"]?.stringValue.map { ($0, v) } } },
                   uniquingKeysWith: { a, _ in a })
    }

    @Test func onceAgainstALoopbackSite() async throws {
        let refused = LoopbackPort.free()
        let site = try await SiteFolder { """
                  - id: acme-home
                    http: \($0.baseURL)/
                    expect: {status: [200], contains: ["<footer", "/Fine (products|things)/"], min_bytes: 1000}
                  - id: acme-down
                    http: \($0.baseURL)/down
                  - id: acme-health
                    health: \($0.baseURL)/health
                  - id: acme-closed
                    http: http://127.0.0.1:\(refused)/
                  - id: acme-port
                    tcp: 127.0.0.1:\($0.port)
            """ }
        defer { site.remove() }
        let (server, config) = (site.server, site.config)
        let run = try ChildProcess.run("probe", ["--config", config, "--once", "--location", "lon1"], timeout: 30)
        await server.stop()
        #expect(run.status == 0, "\(run.stderrText)")
        let r = Self.byCheck(run.stdoutLines)
        #expect(r.count == 5)
        #expect(r["acme-home"]?["ok"] == .bool(true))
        #expect(r["acme-home"]?["status"] == .int(200))
        #expect(r["acme-home"]?["bytes"] == .int(Int64(Self.fullPage.utf8.count)))
        #expect(r["acme-home"]?["location"] == .string("lon1"))
        #expect(r["acme-home"]?["details"]?["ttfb_ms"]?.doubleValue != nil)
        #expect(r["acme-down"]?["ok"] == .bool(false))
        #expect(r["acme-down"]?["error"] == .string("status 503, expected 2xx"))
        #expect(r["acme-health"]?["failed"] == .array([.string("search"), .string("cache")]))
        #expect(r["acme-closed"]?["error"] == .string("connection refused"))
        #expect(r["acme-port"]?["ok"] == .bool(true))
        #expect(run.stdoutLines.allSatisfy { $0.hasPrefix(#"{"v":1,"type":"result","check":""#) })
    }

    @Test func checkFilterAndUnknownCheck() async throws {
        let site = try await SiteFolder { """
                  - id: acme-home
                    http: \($0.baseURL)/
                  - id: acme-down
                    http: \($0.baseURL)/down
            """ }
        defer { site.remove() }
        let (server, config) = (site.server, site.config)
        let one = try ChildProcess.run("probe", ["--config", config, "--once", "--check", "acme-down"], timeout: 30)
        let bad = try ChildProcess.run("probe", ["--config", config, "--once", "--check", "nope"], timeout: 30)
        await server.stop()
        #expect(one.stdoutLines.count == 1 && one.stdoutLines[0].contains(#""check":"acme-down""#))
        #expect(bad.status == 64)
        #expect(bad.stderrText.contains("unknown check id \"nope\""))
    }

    @Test func sizeBaselineSurvivesNewProcesses() async throws {
        let site = try await SiteFolder { """
                  - id: acme-shop
                    http: \($0.baseURL)/shop
            """ }
        defer { site.remove() }
        let (server, config) = (site.server, site.config)
        let state = site.dir.appendingPathComponent("state.sqlite").path
        var results: [JSONValue] = []
        for _ in 0..<6 {
            let run = try ChildProcess.run("probe", ["--config", config, "--once", "--state", state], timeout: 30)
            #expect(run.status == 0, "\(run.stderrText)")
            results += run.stdoutLines.compactMap(JSONValue.parse)
        }
        await server.stop()
        #expect(results.count == 6)
        #expect(results.prefix(5).allSatisfy { $0["ok"] == .bool(true) })
        #expect(results[5]["ok"] == .bool(false))
        #expect(results[5]["status"] == .int(200))
        #expect(results[5]["failed"] == .array([.string("body_size_anomaly")]))
    }

    /// A site with the one check acme-home and `probe` running on it (not `--once`), returned once its first
    /// acme-home result is out; the caller kills the probe and removes the folder.
    static func probeRunningAcmeHome() async throws -> (SiteFolder, CollectedChild) {
        let site = try await SiteFolder { """
                  - id: acme-home
                    http: \($0.baseURL)/
            """ }
        let probe: CollectedChild
        do { probe = try CollectedChild("probe", ["--config", site.config]) } catch { site.remove(); throw error }
        #expect(await probe.stdout.waitFor { $0.contains(#""check":"acme-home""#) }, "first run of acme-home")
        return (site, probe)
    }

    @Test func reloadOnSIGHUPAndCleanStopOnSIGTERM() async throws {
        let (site, probe) = try await Self.probeRunningAcmeHome()
        defer { probe.killIfRunning(); site.remove() }
        let server = site.server
        let collected = probe.stdout
        // Replace the check with a slow one and reload.
        try site.rewrite(Self.config("""
                  - id: acme-slow
                    http: \(server.baseURL)/slow
            """))
        probe.signal(SIGHUP)
        #expect(await collected.waitFor { $0.contains(#""check":"acme-slow""#) }, "the reloaded check runs")
        // Wait until a /slow request has reached the site but its result is not out yet: a run in flight.
        let isSlow: (String) -> Bool = { $0.contains(#""check":"acme-slow""#) }
        var inFlight = false
        for _ in 0..<400 {
            if Self.slowRequests.value > collected.count(isSlow) { inFlight = true; break }
            try await Task.sleep(for: .milliseconds(25))
        }
        #expect(inFlight)
        let started = Self.slowRequests.value
        let status = probe.stop(SIGTERM)
        let lines = collected.finish()
        await server.stop()
        #expect(status == 0)
        #expect(lines.filter(isSlow).count >= started, "every run that reached the site, including the one in flight, was written")
        let afterReload = lines.drop { !$0.contains(#""check":"acme-slow""#) }
        #expect(!afterReload.contains { $0.contains(#""check":"acme-home""#) }, "acme-home was retired by the reload")
    }

    /// A reload reads the config as the start did. Probe sends nothing through the routing sinks, so it starts with
    /// their secrets unset; its reload used to require them, and every SIGHUP on such a host failed.
    @Test func aRoutingSecretUnsetWhereProbeRunsDoesNotStopAReload() async throws {
        let routing = """
            routing:
              sinks:
                hook: {kind: webhook, url: "${LOOKOUT_TEST_UNSET_PROBE_HOOK}"}
              routes:
                - {sinks: [hook]}
            """
        let site = try await SiteFolder { "      - id: acme-home\n        http: \($0.baseURL)/\n" + routing }
        defer { site.remove() }
        let probe = try CollectedChild("probe", ["--config", site.config])
        defer { probe.killIfRunning() }
        let collected = probe.stdout, errors = probe.stderr
        #expect(await collected.waitFor { $0.contains(#""check":"acme-home""#) }, "starts: \(errors.lines)")
        try site.rewrite(Self.config("      - id: acme-other\n        http: \(site.server.baseURL)/\n" + routing))
        probe.signal(SIGHUP)
        #expect(await collected.waitFor { $0.contains(#""check":"acme-other""#) }, "the reloaded check runs: \(errors.lines)")
        #expect(!errors.lines.contains { $0.contains("reload failed") })
        let status = probe.stop(SIGTERM)
        await site.server.stop()
        #expect(status == 0)
    }

    @Test func badConfigOnSIGHUPKeepsTheRunningOne() async throws {
        let (site, probe) = try await Self.probeRunningAcmeHome()
        defer { probe.killIfRunning(); site.remove() }
        let server = site.server
        let collected = probe.stdout, errors = probe.stderr
        try site.rewrite("sites: [oops")
        probe.signal(SIGHUP)
        #expect(await errors.waitFor { $0.contains("reload failed, keeping the running config") }, "the bad config is reported")
        let before = collected.count { $0.contains(#""check":"acme-home""#) }
        #expect(await collected.waitFor(seconds: 30) { _ in collected.count { $0.contains(#""check":"acme-home""#) } > before },
                "acme-home keeps running")
        let status = probe.stop(SIGINT)
        await server.stop()
        #expect(status == 0)
    }
}

/// CollectedChild runs a built executable as a long-lived child, its stdout and stderr collected line by line.
struct CollectedChild {
    let process = Process()
    let stdout: LineCollector
    let stderr: LineCollector

    /// `environment` is added to this process's (a sink's URL is a secret, given as `${VAR}`).
    init(_ name: String, _ arguments: [String], environment: [String: String] = [:]) throws {
        process.executableURL = ChildProcess.executable(name)
        process.arguments = arguments
        if !environment.isEmpty { process.environment = ChildProcess.environment(adding: environment) }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        stdout = LineCollector(out.fileHandleForReading)
        stderr = LineCollector(err.fileHandleForReading)
    }

    func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// Sends `signal`, waits for the exit and for the output to end; returns the exit status.
    func stop(_ signal: Int32) -> Int32 {
        self.signal(signal)
        process.waitUntilExit()
        _ = stdout.finish()
        _ = stderr.finish()
        return process.terminationStatus
    }

    func killIfRunning() { if process.isRunning { signal(SIGKILL) } }
}

/// Reads a child's stdout on a thread, so a test can wait for lines while the child runs.
final class LineCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var buffer = Data()
    private let done = DispatchSemaphore(value: 0)
    private var ended = false

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                lock.withLock { buffer.append(chunk) }
            }
            done.signal()
        }
    }

    var lines: [String] {
        lock.withLock { String(decoding: buffer, as: UTF8.self).split(separator: "\n").map(String.init) }
    }

    func count(_ match: (String) -> Bool) -> Int { lines.filter(match).count }

    /// Bounded by a number of looks, not by the wall clock (`waitUntil`): in the full suite on two cores this waiter
    /// can be starved of the cooperative pool for a minute, and a deadline then ran out before it looked again at lines
    /// the child had long written (ProbeEndToEndTests under load).
    func waitFor(seconds: Double = 60, _ match: @escaping (String) -> Bool) async -> Bool {
        await waitUntil(timeout: seconds) { lines.contains(where: match) }
    }

    /// Waits for the end of the output (once; later calls return at once), at most a minute.
    func finish() -> [String] {
        if !lock.withLock({ ended }) {
            if done.wait(timeout: .now() + 60) == .timedOut { Issue.record("the child's output did not end within 60 s") }
            lock.withLock { ended = true }
        }
        return lines
    }
}

@Suite struct ProbeDemoAndSecretsTests {
    @Test func demoShowsHTTPHealthAndTCP() throws {
        let run = try ChildProcess.run("probe", ["--demo", "--once"], timeout: 30)
        #expect(run.status == 0, "\(run.stderrText)")
        let r = ProbeEndToEndTests.byCheck(run.stdoutLines)
        #expect(r["acme-home"]?["kind"] == .string("http"))
        #expect(r["acme-home"]?["ok"] == .bool(true))
        #expect(r["acme-health"]?["kind"] == .string("health"))
        #expect(r["acme-health"]?["degraded"] == .bool(true))
        #expect(r["acme-health"]?["failed"] == .array([.string("cache")]))
        #expect(r["acme-smtp"]?["ok"] == .bool(true))
        #expect(r["initech-closed"]?["ok"] == .bool(false))
    }

    /// `--output FILE` after a crash mid-line: the unfinished tail is cut (with a warning), the results are appended
    /// as whole lines, and stdout stays empty.
    @Test func outputFileCutsAnUnfinishedTailAndAppendsWholeLines() throws {
        let dir = try Fixtures.tempFolder("probe-e2e")
        defer { try? FileManager.default.removeItem(at: dir) }
        let output = dir.appendingPathComponent("results.ndjson").path
        let earlier = #"{"type":"result","check":"acme-home","at":"2026-11-25T00:00:00Z","ok":true}"#
        #expect(FileManager.default.createFile(atPath: output, contents: Data((earlier + "\n{\"type\":\"res").utf8)))
        let run = try ChildProcess.run("probe", ["--demo", "--once", "--output", output], timeout: 30)
        #expect(run.status == 0, "\(run.stderrText)")
        #expect(run.stdout.isEmpty)
        #expect(run.stderrText.contains("unfinished line"))
        let text = try String(contentsOfFile: output, encoding: .utf8)
        #expect(text.hasSuffix("\n"))
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.first == earlier)
        #expect(ProbeEndToEndTests.byCheck(Array(lines.dropFirst())).count == 6)
    }

    @Test func rotationOptionsNeedAnOutputFile() throws {
        let run = try ChildProcess.run("probe", ["--demo", "--once", "--rotate-daily"], timeout: 30)
        #expect(run.status == 64)
        #expect(run.stderrText.contains("--output"))
    }

    /// A plugin that prints the secret it was given, and a header secret: neither reaches stdout or stderr.
    @Test func secretsNeverReachProbeOutput() async throws {
        let dir = try Fixtures.tempFolder("probe-e2e")
        defer { try? FileManager.default.removeItem(at: dir) }
        let plugin = dir.appendingPathComponent("check_leaky").path
        try "#!/bin/sh\necho \"CRITICAL - token is $TOKEN | leak=1;;;;\"\nexit 2\n".write(toFile: plugin, atomically: true, encoding: .utf8)
        chmod(plugin, 0o755)
        let server = try await LoopbackHTTPServer { _, _ in .init(status: 500, body: "nope") }
        let config = try ProbeEndToEndTests.write(ProbeEndToEndTests.config("""
                  - id: acme-plugin
                    exec: \(plugin)
                    env: {TOKEN: "${LOOKOUT_PROBE_SECRET}"}
                  - id: acme-api
                    http: \(server.baseURL)/
                    headers: {Authorization: "Bearer ${LOOKOUT_PROBE_SECRET}"}
            """), in: dir)
        var env = ProcessInfo.processInfo.environment
        env["LOOKOUT_PROBE_SECRET"] = "tok-SUPERSECRET-42"
        let run = try ChildProcess.run("probe", ["--config", config, "--once"], environment: env, timeout: 30)
        await server.stop()
        #expect(run.stdoutLines.count == 2)
        #expect(!run.stdoutText.contains("SUPERSECRET"), "\(run.stdoutText)")
        #expect(!run.stderrText.contains("SUPERSECRET"))
        #expect(run.stdoutText.contains("CRITICAL - token is [redacted]"))
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func add() { lock.withLock { n += 1 } }
    var value: Int { lock.withLock { n } }
}
