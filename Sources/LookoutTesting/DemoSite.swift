import Foundation
import LookoutCore
import NIOCore
import NIOPosix

/// DemoSite is everything the demo talks to, on loopback, so a fresh clone shows the whole story with no setup:
///
/// - `/` a full page with a footer, except for a short outage: requests `outage` answer 503 (the incident the demo
///   confirms, announces, tickets and resolves);
/// - `/shop` a full page for its first runs, then only the header (the incident the size anomaly exists for);
/// - `/health_check.php` a JSON health report with a degraded component;
/// - a TCP port that greets with an SMTP-style `220` banner;
/// - a Slack-shaped chat webhook and a Zendesk-shaped helpdesk, which tell `transcript` in plain words what they
///   receive: what the #outages channel would show, and the ticket's life.
public final class DemoSite: Sendable {
    public let ports: DemoConfig.Ports
    public var port: Int { ports.site }
    public var bannerPort: Int { ports.banner }
    private let http: LoopbackHTTPServer
    private let chat: LoopbackHTTPServer
    private let helpdesk: LoopbackHTTPServer
    private let banner: Channel

    /// How many requests `/shop` serves whole before it breaks.
    public static let shopHealthyRuns = 5
    /// The requests to `/` that fail: at `every: 1s`, from about the 4th second to the 9th.
    public static let outage = 4...9

    private init(http: LoopbackHTTPServer, chat: LoopbackHTTPServer, helpdesk: LoopbackHTTPServer, banner: Channel) {
        self.http = http
        self.chat = chat
        self.helpdesk = helpdesk
        self.banner = banner
        ports = DemoConfig.Ports(site: http.port, banner: banner.localAddress?.port ?? 0, chat: chat.port, helpdesk: helpdesk.port)
    }

    /// Listens on `ports` (0: an ephemeral port), or fails having closed what it opened; `transcript` gets one
    /// readable line (or block) per thing the chat channel and the helpdesk receive.
    public static func start(ports: DemoConfig.Ports, transcript: @escaping @Sendable (String) -> Void = { _ in }) async throws -> DemoSite {
        var opened: [LoopbackHTTPServer] = []
        do {
            let http = try await LoopbackHTTPServer(port: ports.site) { request, n in DemoSite.reply(path: request.path, count: n) }
            opened.append(http)
            let chat = try await LoopbackHTTPServer(port: ports.chat) { request, _ in
                transcript(DemoSite.chatMessage(request.bodyText))
                return .init(body: "ok")
            }
            opened.append(chat)
            let desk = DemoHelpdesk(transcript: transcript)
            let helpdesk = try await LoopbackHTTPServer(port: ports.helpdesk) { request, _ in desk.handle(request) }
            opened.append(helpdesk)
            let banner = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(BannerHandler()) }
                }
                .bind(host: "127.0.0.1", port: ports.banner).get()
            return DemoSite(http: http, chat: chat, helpdesk: helpdesk, banner: banner)
        } catch {
            for server in opened { await server.stop() }
            throw error
        }
    }

    /// On the standard ports when they are free (so every stage's `--demo` names the same target), else on
    /// ephemeral ones (two demos at once, or the tests running several).
    public static func start(transcript: @escaping @Sendable (String) -> Void = { _ in }) async throws -> DemoSite {
        do { return try await start(ports: .standard, transcript: transcript) } catch {
            return try await start(ports: DemoConfig.Ports(site: 0, banner: 0, chat: 0, helpdesk: 0), transcript: transcript)
        }
    }

    public func stop() async {
        await http.stop()
        await chat.stop()
        await helpdesk.stop()
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
        case "/":
            if outage.contains(count) { return .init(status: 503, headers: html, body: "<h1>503 Service Unavailable</h1>") }
            return .init(headers: html, body: page("Welcome"))
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

    /// A Slack webhook body as the channel shows it: the plain `text`, indented under the channel's name.
    static func chatMessage(_ body: String) -> String {
        let text = JSONValue.parse(body)?["text"]?.stringValue ?? body
        let plain = text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&amp;", with: "&")
        return "#outages  " + plain.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\n          ")
    }
}

/// A Zendesk-shaped helpdesk: tickets created, commented and solved, each told to the transcript.
private final class DemoHelpdesk: Sendable {
    let transcript: @Sendable (String) -> Void
    private let tickets = Locked<[String: Int]>([:])  // external_id -> ticket id

    init(transcript: @escaping @Sendable (String) -> Void) { self.transcript = transcript }

    func handle(_ request: LoopbackHTTPServer.Request) -> LoopbackHTTPServer.Reply {
        let json = [("Content-Type", "application/json")]
        let ticket = JSONValue.parse(request.bodyText)?["ticket"]
        let comment = ticket?["comment"]?["body"]?.stringValue.map { $0.split(separator: "\n").first.map(String.init) ?? "" } ?? ""
        switch (request.method, request.path) {
        case ("GET", let path) where path.hasPrefix("/api/v2/tickets.json"):
            let external = path.components(separatedBy: "external_id=").last?.removingPercentEncoding ?? ""
            let known = tickets.withLock { $0[external] }
            return .init(headers: json, body: known.map { #"{"tickets":[{"id":\#($0)}]}"# } ?? #"{"tickets":[]}"#)
        case ("POST", "/api/v2/tickets.json"):
            let external = ticket?["external_id"]?.stringValue ?? ""
            let id = tickets.withLock { t in
                if let id = t[external] { return id }
                t[external] = t.count + 1
                return t.count
            }
            let subject = ticket?["subject"]?.stringValue ?? ""
            let priority = ticket?["priority"]?.stringValue ?? ""
            let requester = ticket?["requester"]?["email"]?.stringValue.map { ", requester \($0)" } ?? ""
            transcript("helpdesk  ticket #\(id) opened (\(priority)\(requester)): \(subject)")
            return .init(status: 201, headers: json, body: #"{"ticket":{"id":\#(id)}}"#)
        case ("PUT", let path) where path.hasPrefix("/api/v2/tickets/"):
            let id = path.dropFirst("/api/v2/tickets/".count).prefix { $0.isNumber }
            let solved = ticket?["status"]?.stringValue == "solved"
            transcript("helpdesk  ticket #\(id) \(solved ? "solved" : "commented"): \(comment)")
            return .init(headers: json, body: #"{"ticket":{"id":\#(id)}}"#)
        default:
            return .init(status: 404, headers: json, body: #"{"error":"RecordNotFound"}"#)
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
