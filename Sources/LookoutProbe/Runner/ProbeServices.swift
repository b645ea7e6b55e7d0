import AsyncHTTPClient
import Foundation
import GRDB
import Logging
import LookoutCore
import NIOCore
import NIOPosix

/// ProbeServices holds what every check run shares: one HTTP client (one connection pool, one event loop group), the
/// body-size baselines, and the headless browser of browser checks (started at the first one) with the folder their
/// screenshots go to. The runner creates it, passes it into each run, and shuts it down after the last run.
public final class ProbeServices: Sendable {
    public let http: HTTPClient
    public let baselines: BodySizeBaseline
    /// Heartbeat pings, when the receiver runs (`probe --listen`); heartbeat checks read them.
    public let pings: PingStore?
    /// Counters for `GET /metrics`.
    public let metrics: ProbeMetrics
    /// Where failed browser runs leave their screenshots; nil keeps none.
    public let screenshots: ScreenshotStore?
    public let browserSettings: BrowserSettings
    private let browsers = Locked<[String: SharedBrowser]>([:])

    /// BrowserSettings bound the shared browser: how many pages it has open at once, and the memory (PSS of its
    /// whole process group) past which it is replaced.
    public struct BrowserSettings: Sendable {
        public var pages: Int
        public var memoryCapBytes: Int
        public init(pages: Int = 2, memoryCapBytes: Int = 1 << 30) {
            self.pages = pages
            self.memoryCapBytes = memoryCapBytes
        }
    }

    /// - Parameters:
    ///   - state: the `--state` database, so baselines survive restarts; nil keeps them in memory.
    ///   - perHostConnections: the most connections the pool opens to one host (politeness).
    ///   - pings: the heartbeat ping store, when the receiver runs.
    ///   - screenshots: the folder for browser checks' screenshots (beside `--state`); nil keeps none.
    public init(state: DatabaseQueue? = nil, perHostConnections: Int = 4, pings: PingStore? = nil,
                metrics: ProbeMetrics = ProbeMetrics(), screenshots: String? = nil,
                browser: BrowserSettings = BrowserSettings()) throws {
        self.pings = pings
        self.metrics = metrics
        self.screenshots = screenshots.map(ScreenshotStore.init(directory:))
        self.browserSettings = browser
        var config = HTTPClient.Configuration()
        // Redirects are followed by the probe itself, to name loops and count hops in the result.
        config.redirectConfiguration = .disallow
        config.decompression = .enabled(limit: .ratio(50))
        config.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = max(1, perHostConnections)
        config.connectionPool.idleTimeout = .seconds(30)
        // A monitor wants the first connection error, not a silent retry until the deadline: a refused port is
        // reported at once, and confirmation (classify) is where flakiness is absorbed.
        config.connectionPool.retryConnectionEstablishment = false
        http = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: config)
        baselines = try BodySizeBaseline(database: state ?? StateDatabase.open(path: nil, migrations: BodySizeBaseline.migrations))
    }

    /// The shared browser running `executable`, created on first use (it starts Chromium at its first page).
    public func browser(executable: String) -> SharedBrowser {
        browsers.withLock { browsers in
            if let b = browsers[executable] { return b }
            let b = SharedBrowser(executable: executable, pages: browserSettings.pages, memoryCap: browserSettings.memoryCapBytes,
                                  logger: Logger(label: "probe"))
            browsers[executable] = b
            return b
        }
    }

    /// Closes the HTTP client's connections and kills the browser; call once, after the last run.
    public func shutdown() async {
        try? await http.shutdown()
        for browser in browsers.withLock({ Array($0.values) }) { await browser.shutdown() }
    }

    /// Runs Swift concurrency's jobs on the NIO event loops the HTTP client already uses, rather than on a second pool
    /// of threads: every request otherwise hops from a task to an event loop and back, two thread wake-ups each way.
    /// Call first thing in `main`, once, on the main thread. `LOOKOUT_CONCURRENCY_POOL=1` keeps Swift's own pool.
    @discardableResult
    public static func runConcurrencyOnEventLoops() -> Bool {
        if ProcessInfo.processInfo.environment["LOOKOUT_CONCURRENCY_POOL"] == "1" { return false }
        return NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }

    /// For runs made outside a runner (tests, one-off use): lives as long as the process.
    public static let standalone: ProbeServices = {
        do { return try ProbeServices() } catch { fatalError("cannot open an in-memory database: \(error)") }
    }()
}
