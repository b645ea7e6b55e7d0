import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// RecordingServer is a real HTTP server on 127.0.0.1 (ephemeral port) standing in for Slack, a helpdesk or a
/// webhook receiver: it records every request and answers with what the test's handler says.
final class RecordingServer: @unchecked Sendable {
    struct Request: Sendable {
        var method: String
        var uri: String
        var headers: [(String, String)]
        var body: [UInt8]
        var at: Date

        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
        var path: String { String(uri.split(separator: "?", maxSplits: 1).first ?? "") }
        var text: String { String(decoding: body, as: UTF8.self) }
        var json: Any? { try? JSONSerialization.jsonObject(with: Data(body)) }
        var idempotencyKey: String? { header("Idempotency-Key") }
    }

    struct Response: Sendable {
        var status: Int
        var headers: [(String, String)] = []
        var body: String = ""
        /// How long to hold the answer (a slow receiver); the event loop stays free meanwhile.
        var delay: Duration = .zero
        static let ok = Response(status: 200, body: "ok")
    }

    /// Gets each request with its 0-based number; runs on the server's event loop, so it must be quick.
    typealias Handler = @Sendable (Request, Int) -> Response

    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private var channel: Channel?
    private let lock = NSLock()
    private var recorded: [Request] = []
    private let handler: Handler
    private(set) var port = 0

    init(handler: @escaping Handler = { _, _ in .ok }) throws {
        self.handler = handler
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(Connection(server: self))
                }
            }
        let channel = try bootstrap.bind(host: "127.0.0.1", port: 0).wait()
        self.channel = channel
        port = channel.localAddress?.port ?? 0
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    var requests: [Request] { lock.withLock { recorded } }

    private var answering = 0
    private var mostAnswering = 0
    /// The most requests this server has held at once (received, not yet answered).
    var maxInFlight: Int { lock.withLock { mostAnswering } }

    /// Waits (bounded) until at least `count` requests arrived.
    func waitFor(_ count: Int, timeout: TimeInterval = 20) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if requests.count >= count { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return requests.count >= count
    }

    /// The same for async tests: suspends instead of blocking, so the tasks under test keep the cooperative pool.
    /// Bounded by a number of 10 ms looks rather than by the wall clock: in the full suite on two cores, synchronous
    /// tests can hold both of Swift's cooperative threads for a minute, starving this waiter and the code it waits
    /// for alike; a wall-clock deadline then ran out before either had run again (RouteClockTests in CI).
    func arrived(_ count: Int, timeout: Duration = .seconds(60)) async -> Bool {
        let looks = Int(timeout / .milliseconds(10))
        for _ in 0..<looks {
            if requests.count >= count { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return requests.count >= count
    }

    func shutdown() {
        try? channel?.close().wait()
        try? group.syncShutdownGracefully()
    }

    fileprivate func handle(_ request: Request) -> (Response, Int) {
        let index: Int = lock.withLock {
            recorded.append(request)
            answering += 1
            mostAnswering = max(mostAnswering, answering)
            return recorded.count - 1
        }
        return (handler(request, index), index)
    }

    private var answers: [Int: Date] = [:]
    /// When request `index` was answered (just before its bytes were written).
    func answeredAt(_ index: Int) -> Date? { lock.withLock { answers[index] } }

    fileprivate func answered(_ index: Int) {
        lock.withLock {
            answering -= 1
            answers[index] = Date()
        }
    }

    private final class Connection: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let server: RecordingServer
        var head: HTTPRequestHead?
        var body: [UInt8] = []

        init(server: RecordingServer) { self.server = server }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let h):
                head = h
                body = []
            case .body(var buffer):
                body += buffer.readBytes(length: buffer.readableBytes) ?? []
            case .end:
                guard let head else { return }
                let request = Request(method: head.method.rawValue, uri: head.uri,
                                      headers: head.headers.map { ($0.name, $0.value) }, body: body, at: Date())
                let (response, index) = server.handle(request)
                self.head = nil
                if response.delay > .zero {
                    let (seconds, attoseconds) = response.delay.components
                    let nanoseconds = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
                    let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                    context.eventLoop.scheduleTask(in: .nanoseconds(nanoseconds)) {
                        let (handler, context) = bound.value
                        handler.answer(response, index, to: head, context: context)
                    }
                } else {
                    answer(response, index, to: head, context: context)
                }
            }
        }

        private func answer(_ response: Response, _ index: Int, to head: HTTPRequestHead, context: ChannelHandlerContext) {
            var headers = HTTPHeaders(response.headers)
            headers.replaceOrAdd(name: "Content-Length", value: String(response.body.utf8.count))
            if !headers.contains(name: "Content-Type") { headers.add(name: "Content-Type", value: "application/json") }
            let keepAlive = head.isKeepAlive
            if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
            // Counted as answered before the bytes leave, so the client cannot send its next request first.
            server.answered(index)
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .init(statusCode: response.status), headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: response.body)))), promise: nil)
            let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
            if !keepAlive {
                let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
                done.whenComplete { _ in bound.value.close(promise: nil) }
            }
        }
    }
}

/// FakeHelpdesk answers like Zendesk or Freshdesk for the calls lookout makes, keeping tickets in memory: creation
/// honours `Idempotency-Key` (Zendesk) and both support finding a ticket by the incident id.
final class FakeHelpdesk: @unchecked Sendable {
    enum Flavor { case zendesk, freshdesk }
    let flavor: Flavor
    private let lock = NSLock()
    private(set) var ticketsByIncident: [String: Int] = [:]
    /// Every ticket ever created, to catch a duplicate that `ticketsByIncident` would hide.
    private(set) var created: [Int] = []
    private var byKey: [String: Int] = [:]
    private(set) var solved: Set<Int> = []
    private(set) var comments: [Int: [String]] = [:]
    /// Every comment, reply or note in order, with whether the customer can see it.
    private(set) var notes: [Int: [(body: String, isPublic: Bool)]] = [:]
    /// Zendesk uploads by token (`POST /api/v2/uploads.json`), and the tokens each ticket's first comment attached.
    private(set) var uploads: [String: (filename: String?, contentType: String?, bytes: [UInt8])] = [:]
    private(set) var attached: [Int: [String]] = [:]
    private var next = 100

    init(_ flavor: Flavor) { self.flavor = flavor }

    var ticketCount: Int { lock.withLock { ticketsByIncident.count } }
    var createdCount: Int { lock.withLock { created.count } }
    func ticket(for incident: String) -> Int? { lock.withLock { ticketsByIncident[incident] } }
    func isSolved(_ id: Int) -> Bool { lock.withLock { solved.contains(id) } }
    var solvedCount: Int { lock.withLock { solved.count } }
    func commentCount(_ ticket: Int) -> Int { lock.withLock { comments[ticket]?.count ?? 0 } }
    func notes(_ ticket: Int) -> [(body: String, isPublic: Bool)] { lock.withLock { notes[ticket] ?? [] } }
    var uploadCount: Int { lock.withLock { uploads.count } }
    func upload(_ token: String) -> (filename: String?, contentType: String?, bytes: [UInt8])? { lock.withLock { uploads[token] } }
    func attachedTokens(_ ticket: Int) -> [String] { lock.withLock { attached[ticket] ?? [] } }

    func respond(_ r: RecordingServer.Request) -> RecordingServer.Response {
        lock.withLock {
            switch (flavor, r.method, r.path) {
            case (.zendesk, "GET", "/api/v2/tickets.json"):
                let id = query(r.uri, "external_id").flatMap { ticketsByIncident[$0] }
                return .init(status: 200, body: id.map { #"{"tickets":[{"id":\#($0)}],"count":1}"# } ?? #"{"tickets":[],"count":0}"#)
            case (.zendesk, "POST", "/api/v2/uploads.json"):
                let token = "upload\(uploads.count + 1)"
                uploads[token] = (query(r.uri, "filename"), r.header("Content-Type"), r.body)
                return .init(status: 201, body: #"{"upload":{"token":"\#(token)","attachment":{"id":1}}}"#)
            case (.zendesk, "POST", "/api/v2/tickets.json"):
                let ticket = (r.json as? [String: Any])?["ticket"] as? [String: Any]
                let incident = ticket?["external_id"] as? String ?? "?"
                let id = create(incident: incident, key: r.idempotencyKey)
                let tokens = (ticket?["comment"] as? [String: Any])?["uploads"] as? [String] ?? []
                if attached[id] == nil { attached[id] = tokens }
                return .init(status: 201, body: #"{"ticket":{"id":\#(id),"external_id":"\#(incident)"}}"#)
            case (.zendesk, "PUT", let path) where path.hasPrefix("/api/v2/tickets/"):
                let id = Int(path.dropFirst("/api/v2/tickets/".count).dropLast(".json".count)) ?? -1
                let ticket = (r.json as? [String: Any])?["ticket"] as? [String: Any]
                if let comment = ticket?["comment"] as? [String: Any], let body = comment["body"] as? String {
                    comments[id, default: []].append(body)
                    notes[id, default: []].append((body, comment["public"] as? Bool ?? true))
                }
                if ticket?["status"] as? String == "solved" { solved.insert(id) }
                return .init(status: 200, body: #"{"ticket":{"id":\#(id)}}"#)
            case (.freshdesk, "GET", "/api/v2/search/tickets"):
                let q = query(r.uri, "query") ?? ""
                let incident = q.split(separator: "'").dropFirst().first.map(String.init)
                let id = incident.flatMap { ticketsByIncident[$0] }
                return .init(status: 200, body: id.map { #"{"results":[{"id":\#($0)}],"total":1}"# } ?? #"{"results":[],"total":0}"#)
            case (.freshdesk, "POST", "/api/v2/tickets"):
                // JSON, or the multipart form a ticket with attachments takes.
                let fields = (r.json as? [String: Any])?["custom_fields"] as? [String: Any]
                let incident = fields?["cf_lookout_incident"] as? String
                    ?? r.formParts?.first { $0.name == "custom_fields[cf_lookout_incident]" }?.text ?? "?"
                let id = create(incident: incident, key: nil)
                return .init(status: 201, body: #"{"id":\#(id)}"#)
            case (.freshdesk, "POST", let path) where path.hasSuffix("/reply"):
                let id = Int(path.split(separator: "/")[3]) ?? -1
                comments[id, default: []].append((r.json as? [String: Any])?["body"] as? String ?? "")
                notes[id, default: []].append(((r.json as? [String: Any])?["body"] as? String ?? "", true))
                return .init(status: 201, body: #"{"id":1}"#)
            case (.freshdesk, "POST", let path) where path.hasSuffix("/notes"):
                let id = Int(path.split(separator: "/")[3]) ?? -1
                let note = r.json as? [String: Any]
                notes[id, default: []].append((note?["body"] as? String ?? "", !(note?["private"] as? Bool ?? true)))
                return .init(status: 201, body: #"{"id":2}"#)
            case (.freshdesk, "PUT", let path) where path.hasPrefix("/api/v2/tickets/"):
                let id = Int(path.split(separator: "/")[3]) ?? -1
                if (r.json as? [String: Any])?["status"] as? Int == 4 { solved.insert(id) }
                return .init(status: 200, body: #"{"id":\#(id)}"#)
            default:
                return .init(status: 404, body: #"{"error":"not found"}"#)
            }
        }
    }

    private func create(incident: String, key: String?) -> Int {
        if let key, let id = byKey[key] { return id }
        next += 1
        created.append(next)
        ticketsByIncident[incident] = next
        if let key { byKey[key] = next }
        return next
    }

    private func query(_ uri: String, _ name: String) -> String? {
        URLComponents(string: uri)?.queryItems?.first { $0.name == name }?.value
    }
}
