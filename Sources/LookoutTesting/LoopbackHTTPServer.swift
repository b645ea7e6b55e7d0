import Foundation
import LookoutCore
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// LoopbackHTTPServer serves canned responses on 127.0.0.1 with SwiftNIO: the demo's target, the tests' sites and
/// the benchmark's server. Each request is answered by `respond(path, n)`, where `n` counts requests to that path.
public final class LoopbackHTTPServer: Sendable {
    /// What to answer: a status, headers, a body, and how long to wait before answering (a slow site).
    public struct Reply: Sendable {
        public var status: Int
        public var headers: [(String, String)]
        public var body: [UInt8]
        public var delay: TimeSpan

        public init(status: Int = 200, headers: [(String, String)] = [], body: String = "", delay: TimeSpan = .zero) {
            self.status = status
            self.headers = headers
            self.body = Array(body.utf8)
            self.delay = delay
        }
    }

    public typealias Responder = @Sendable (_ path: String, _ count: Int) -> Reply

    /// A whole request, for servers that read what they are sent (the demo's chat and helpdesk receivers).
    public struct Request: Sendable {
        public var method: String
        public var path: String
        public var body: [UInt8]
        public var bodyText: String { String(decoding: body, as: UTF8.self) }
    }
    public typealias RequestResponder = @Sendable (_ request: Request, _ count: Int) -> Reply

    public let port: Int
    private let channel: Channel
    /// Requests so far, by path.
    private let counter: Locked<[String: Int]>

    /// Starts listening on an ephemeral port of 127.0.0.1; with `tls`, serves HTTPS.
    public convenience init(tls: NIOSSLContext? = nil, respond: @escaping Responder) async throws {
        try await self.init(tls: tls, port: 0) { request, n in respond(request.path, n) }
    }

    /// Starts listening on `port` of 127.0.0.1 (0: an ephemeral one); `handle` sees each request whole.
    public init(tls: NIOSSLContext? = nil, port: Int, handle respond: @escaping RequestResponder) async throws {
        let counter = Locked<[String: Int]>([:])
        self.counter = counter
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(ReplyHandler(respond: respond, counter: counter))
                }
            }
        channel = try await bootstrap.bind(host: "127.0.0.1", port: port).get()
        self.port = channel.localAddress?.port ?? 0
    }

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// How many requests for `path` have arrived whole so far.
    public func requestCount(_ path: String) -> Int { counter.withLock { $0[path] ?? 0 } }

    /// Stops listening; connections in progress are left to finish.
    public func stop() async {
        try? await channel.close()
    }
}

private final class ReplyHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let respond: LoopbackHTTPServer.RequestResponder
    /// Requests so far, by path.
    let counter: Locked<[String: Int]>
    private var path = "/"
    private var keepAlive = true
    private var method = HTTPMethod.GET
    private var body: [UInt8] = []

    init(respond: @escaping LoopbackHTTPServer.RequestResponder, counter: Locked<[String: Int]>) {
        self.respond = respond
        self.counter = counter
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            path = head.uri
            keepAlive = head.isKeepAlive
            method = head.method
            body = []
        case .body(let chunk):
            body += chunk.readableBytesView
        case .end:
            let count = counter.withLock { counts in
                counts[path, default: 0] += 1
                return counts[path]!
            }
            let reply = respond(LoopbackHTTPServer.Request(method: method.rawValue, path: path, body: body), count)
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            if reply.delay.milliseconds > 0 {
                context.eventLoop.scheduleTask(in: .milliseconds(reply.delay.milliseconds)) {
                    let (handler, context) = loopBound.value
                    handler.write(reply, context: context)
                }
            } else {
                write(reply, context: context)
            }
        }
    }

    private func write(_ reply: LoopbackHTTPServer.Reply, context: ChannelHandlerContext) {
        guard context.channel.isActive else { return }
        var headers = HTTPHeaders(reply.headers)
        headers.replaceOrAdd(name: "Content-Length", value: String(reply.body.count))
        if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: reply.status), headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if method != .HEAD, !reply.body.isEmpty {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: reply.body)))), promise: nil)
        }
        let keep = keepAlive
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { [channel = context.channel] _ in
            if !keep { channel.close(promise: nil) }
        }
    }
}
