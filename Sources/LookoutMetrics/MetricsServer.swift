import Hummingbird
import Logging
import LookoutCore
import NIOCore
import ServiceLifecycle

/// MetricsServer serves one stage's `GET /metrics` over HTTP/1 (Hummingbird, as the probe's receiver does), for a
/// stage with no other server: `classify --metrics-listen ADDR:PORT`, `route --metrics-listen ADDR:PORT`.
public enum MetricsServer {
    /// The Prometheus text format's content type.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// Adds `GET /metrics` to a router (the probe's receiver shares it). `render` may suspend: route's reads the
    /// outbox on the database's own thread rather than blocking the server's event loop.
    public static func addRoute(to router: Router<BasicRequestContext>, render: @escaping @Sendable () async -> String) {
        router.get("metrics") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(string: await render())))
        }
    }

    /// Starts serving `/metrics` on `host:port` (0 picks a free port, reported through `onRunning`) until
    /// `Running.stop()`.
    public static func start(host: String, port: Int, serverName: String, logger: Logger,
                             render: @escaping @Sendable () async -> String,
                             onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> Running {
        let router = Router()
        addRoute(to: router, render: render)
        return serve(router, host: host, port: port, serverName: serverName, logger: logger, onRunning: onRunning)
    }

    /// Serves `router` on `host:port` until `Running.stop()`. A scraper or a cron job's `curl` sends its whole
    /// request at once, so an idle or half-sent connection is closed after `idleTimeout` and a stray client cannot
    /// hold file descriptors for good.
    public static func serve(_ router: Router<BasicRequestContext>, host: String, port: Int, serverName: String,
                             idleTimeout: TimeSpan = .seconds(15), logger: Logger,
                             onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> Running {
        let app = Application(router: router,
                              server: .http1(configuration: .init(idleTimeout: .milliseconds(idleTimeout.milliseconds))),
                              configuration: .init(address: .hostname(host, port: port), serverName: serverName),
                              onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) }, logger: logger)
        let group = ServiceGroup(services: [app], logger: logger)
        return Running(group: group, task: Task { try await group.run() })
    }

    /// Running is a started server.
    public struct Running: Sendable {
        let group: ServiceGroup
        let task: Task<Void, Error>

        /// Stops accepting, finishes requests in flight, and returns when the server is down.
        public func stop() async {
            await group.triggerGracefulShutdown()
            _ = try? await task.value
        }
    }
}
