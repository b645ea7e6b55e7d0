import Foundation
@testable import LookoutCommands
@testable import LookoutCore
@testable import LookoutProbe
@testable import LookoutTesting
import Testing

/// Builds checks from config text the way `probe` does, and the odd network peers the tests need.
enum ProbeTestSupport {
    static func config(checks: String, environment: [String: String] = [:], file: String = "test.yaml") throws -> Config {
        let yaml = """
            tiers:
              standard: {outage: warning, degraded: info}
            sites:
              - id: acme
                tier: standard
                checks:
            \(checks.split(separator: "\n", omittingEmptySubsequences: false).map { "      " + $0 }.joined(separator: "\n"))
            """
        return try Config.parse(yaml: yaml, file: file, environment: environment)
    }

    static func check(_ text: String, environment: [String: String] = [:]) throws -> Check {
        try #require(config(checks: text, environment: environment).allChecks.first)
    }

    /// The config error for one check's text, as printed (`FILE:LINE: message`).
    static func error(_ text: String, environment: [String: String] = [:]) -> String? {
        do { _ = try config(checks: text, environment: environment); return nil } catch { return "\(error)" }
    }

    static func run(_ check: Check, services: ProbeServices = .standalone, at: Timestamp = Timestamp(milliseconds: 1_795_593_600_000)) async -> ProbeOutcome {
        await check.kind.run(ProbeRun(checkID: check.id, timeout: check.timeout, startedAt: at, services: services))
    }

    /// A port with a listener that never accepts: connections complete (the kernel's backlog) and then nothing.
    final class SilentPort {
        let fd: Int32
        let port: Int
        init() throws {
            (fd, port) = try ProbeTestSupport.bound()
            guard listen(fd, 16) == 0 else { throw POSIXError(.EIO) }
        }
        deinit { close(fd) }
    }

    /// A port nothing listens on: bound once to learn a free number, then released.
    static func refusedPort() throws -> Int {
        let (fd, port) = try bound()
        close(fd)
        return port
    }

    static func bound() throws -> (Int32, Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard ok == 0 else { throw POSIXError(.EADDRINUSE) }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        return (fd, Int(UInt16(bigEndian: addr.sin_port)))
    }

    static func tempDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lookout-probe-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// The sites the HTTP tests probe, one path per behaviour.
enum TestSite {
    static let fullPage = "<html><head><title>ACME</title></head><body><header>ACME</header><main>"
        + String(repeating: "<p>Our products are the finest in the land.</p>", count: 200)
        + "</main><footer>&copy; ACME</footer></body></html>"
    static let headerOnly = "<html><head><title>ACME</title></head><body><header>ACME</header>"

    static func reply(path: String, count: Int) -> ProbeSite.Reply {
        let html = [("Content-Type", "text/html")]
        switch path {
        case "/": return .init(headers: html, body: fullPage)
        case "/header-only": return .init(headers: html, body: headerOnly)
        case "/unavailable": return .init(status: 503, headers: html, body: "<h1>Service Unavailable</h1>")
        case "/slow": return .init(headers: html, body: fullPage, delay: .seconds(2))
        // Far longer than any timeout a test sets, so a busy test process cannot make it answer in time.
        // Long past any timeout even when the suite starves the probe's timer for a minute (seen in CI).
        case "/hang": return .init(headers: html, body: fullPage, delay: .seconds(600))
        case "/loop-a": return .init(status: 302, headers: [("Location", "/loop-b")])
        case "/loop-b": return .init(status: 301, headers: [("Location", "/loop-a")])
        case "/moved": return .init(status: 301, headers: [("Location", "/")])
        case "/error-page": return .init(headers: html, body: fullPage + "<!-- Fatal error: Uncaught PDOException -->")
        case "/health":
            return .init(headers: [("Content-Type", "application/json")], body: """
                {"status":"fail","checks":{"database":"ok","cache":{"status":"degraded"},"search":{"status":"fail","message":"down"}},\
                "queue":{"failed":25},"disk":{"/":{"used_pct":93}}}
                """)
        case "/health-ok":
            return .init(headers: [("Content-Type", "application/json")], body: #"{"status":"ok","checks":{"database":"ok"},"queue":{"failed":0}}"#)
        case "/not-json": return .init(status: 503, headers: html, body: "<h1>oops</h1>")
        default:
            // `/shop?run=N`-style paths are served whole below a threshold count, then header-only.
            if path.hasPrefix("/flaky") { return .init(headers: html, body: count <= 5 ? fullPage : headerOnly) }
            return .init(status: 404, body: "not found")
        }
    }
}

/// The library's loopback server (the report tests have their own `LoopbackHTTPServer` in this target).
typealias ProbeSite = LookoutTesting.LoopbackHTTPServer
