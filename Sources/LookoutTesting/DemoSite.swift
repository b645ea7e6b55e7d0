import Foundation
import LookoutCore
import NIOCore
import NIOPosix

/// DemoSite is the loopback target `--demo` probes, so a fresh clone shows what the probe catches with no setup:
///
/// - `/` a full page with a footer;
/// - `/shop` a full page for its first runs, then only the header (the incident the size anomaly exists for);
/// - `/health_check.php` a JSON health report with a degraded component;
/// - a TCP port that greets with an SMTP-style `220` banner.
public final class DemoSite: Sendable {
    public let port: Int
    public let bannerPort: Int
    private let http: LoopbackHTTPServer
    private let banner: Channel

    /// How many requests `/shop` serves whole before it breaks.
    public static let shopHealthyRuns = 5

    public init() async throws {
        http = try await LoopbackHTTPServer { path, n in DemoSite.reply(path: path, count: n) }
        port = http.port
        banner = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(BannerHandler()) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        bannerPort = banner.localAddress?.port ?? 0
    }

    public func stop() async {
        await http.stop()
        try? await banner.close()
    }

    static let header = "<!doctype html><html><head><title>ACME Ltd</title></head><body><header><nav>Home | Shop | Contact</nav></header>"

    static func page(_ title: String) -> String {
        let products = (1...120).map { "<li class=\"product\">Product \($0): a fine thing at a fair price</li>" }.joined()
        return header + "<main><h1>\(title)</h1><ul>\(products)</ul></main><footer>&copy; 2026 ACME Ltd</footer></body></html>"
    }

    static func reply(path: String, count: Int) -> LoopbackHTTPServer.Reply {
        let html = [("Content-Type", "text/html; charset=utf-8")]
        switch path {
        case "/": return .init(headers: html, body: page("Welcome"))
        case "/shop":
            return .init(headers: html, body: count <= shopHealthyRuns ? page("Shop") : header + "</body></html>")
        case "/health_check.php":
            return .init(headers: [("Content-Type", "application/json")], body: """
                {"status":"degraded","checks":{"database":"ok","cache":{"status":"degraded","message":"redis slow"},\
                "disk":{"status":"ok","used_pct":71}},"queue":{"failed":2}}
                """)
        default: return .init(status: 404, headers: html, body: "not found")
        }
    }
}

/// Greets each connection with an SMTP-style banner and hangs up.
private final class BannerHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    func channelActive(context: ChannelHandlerContext) {
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "220 lookout demo ready\r\n"))).whenComplete { _ in
            channel.close(promise: nil)
        }
    }
}
