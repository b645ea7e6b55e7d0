import Foundation
import Hummingbird
import Logging
import LookoutCore
import LookoutMetrics
import NIOCore

/// HeartbeatReceiver serves the ping endpoints healthchecks.io made familiar, plus `/metrics`:
///
/// `GET|POST|HEAD /ping/<token>` success, `/ping/<token>/start`, `/ping/<token>/fail`, `/ping/<token>/<exit-code>`
/// (0 is success, 1-255 failure). An unknown token gets 404 and nothing is recorded; a body over `maxBodyBytes`
/// gets 413 and nothing is recorded. With an `actions:` section it also serves the one-tap links at `/act`
/// (`ActionEndpoint`) and the screenshot links at `/shot` (`ScreenshotEndpoint`).
public struct HeartbeatReceiver: Sendable {
    public static let defaultMaxBodyBytes = 100 * 1024
    /// How long a connection may sit without a complete request head: an idle keep-alive connection, or one that sends
    /// its headers a byte at a time (slowloris), is closed after this. Without it 1,100 idle connections exhausted the
    /// 1,024 file descriptors systemd gives a service and every real ping timed out. A cron job's `curl` sends its
    /// whole request at once, so 15 s is generous.
    public static let defaultIdleTimeout = TimeSpan.seconds(15)

    private let tokens: [(token: [UInt8], checkID: String)]
    private let store: PingStore
    private let clock: any WallClock
    private let metrics: ProbeMetrics
    public let maxBodyBytes: Int
    public let idleTimeout: TimeSpan
    private let actions: ActionEndpoint?
    private let screenshots: ScreenshotEndpoint?

    public init(checks: [Check], store: PingStore, clock: any WallClock, metrics: ProbeMetrics,
                maxBodyBytes: Int = HeartbeatReceiver.defaultMaxBodyBytes, idleTimeout: TimeSpan = HeartbeatReceiver.defaultIdleTimeout,
                actions: ActionEndpoint? = nil, screenshots: ScreenshotEndpoint? = nil) {
        tokens = checks.compactMap { check in
            (check.probe as? HeartbeatProbe).map { (Array($0.token.value.utf8), check.id) }
        }
        self.store = store
        self.clock = clock
        self.metrics = metrics
        self.maxBodyBytes = maxBodyBytes
        self.idleTimeout = idleTimeout
        self.actions = actions
        self.screenshots = screenshots
    }

    /// The check a token belongs to. Every configured token is compared in full, in constant time, so response
    /// timing tells an attacker nothing about how close a guess was.
    func checkID(forToken candidate: String) -> String? {
        let c = Array(candidate.utf8)
        var found: String?
        for (token, id) in tokens {
            var diff = UInt8(truncatingIfNeeded: token.count ^ c.count)
            for i in 0..<token.count { diff |= token[i] ^ (i < c.count ? c[i] : 0) }
            if diff == 0 { found = id }
        }
        return found
    }

    /// Handles one ping; returns the HTTP status to answer with.
    func receive(token: String, signal: String?, body: [UInt8]) -> HTTPResponse.Status {
        guard let checkID = checkID(forToken: token) else {
            metrics.rejectPing(reason: "unknown_token")
            return .notFound
        }
        var kind = Ping.Kind.success
        var exitCode: Int?
        switch signal {
        case nil: break
        case "start"?: kind = .start
        case "fail"?: kind = .fail
        case let s?:
            guard let code = Int(s), (0...255).contains(code) else {
                metrics.rejectPing(reason: "bad_signal")
                return .badRequest
            }
            exitCode = code
            kind = code == 0 ? .success : .fail
        }
        let ping = Ping(checkID: checkID, at: clock.now(), kind: kind, exitCode: exitCode, body: body)
        do {
            try store.record(ping)
        } catch {
            metrics.rejectPing(reason: "store_error")
            return .serviceUnavailable
        }
        metrics.ping(check: checkID, signal: kind.rawValue, at: ping.at)
        return .ok
    }

    /// The Hummingbird router with the ping and metrics routes.
    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        let handler: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, context in
            var request = request
            guard let token = context.parameters.get("token") else { return Response(status: .notFound) }
            let body: ByteBuffer
            do {
                body = try await request.collectBody(upTo: maxBodyBytes)
            } catch {
                metrics.rejectPing(reason: "body_too_large")
                return Response(status: .contentTooLarge, body: .init(byteBuffer: ByteBuffer(string: "body over \(maxBodyBytes) bytes\n")))
            }
            let status = receive(token: token, signal: context.parameters.get("signal"), body: Array(buffer: body))
            let text = status == .ok ? "OK\n" : status == .notFound ? "not found\n" : "\(status.reasonPhrase)\n"
            return Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        for method in [HTTPRequest.Method.get, .post, .head] {
            router.on("ping/:token", method: method, use: handler)
            router.on("ping/:token/:signal", method: method, use: handler)
        }
        actions?.register(on: router)
        screenshots?.register(on: router)
        MetricsServer.addRoute(to: router) { metrics.render() }
        return router
    }

    /// Starts listening on `host:port` (port 0 picks a free one, reported through `onRunning`); the server runs
    /// until `Server.stop()`, which lets requests in flight finish.
    public func start(host: String, port: Int, logger: Logger,
                      onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> Server {
        MetricsServer.serve(router(), host: host, port: port, serverName: "lookout-probe", idleTimeout: idleTimeout,
                            logger: logger, onRunning: onRunning)
    }

    /// Server is a running receiver.
    public typealias Server = MetricsServer.Running
}
