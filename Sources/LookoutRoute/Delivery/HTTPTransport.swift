import AsyncHTTPClient
import Foundation
import LookoutCore
import NIOCore
import NIOHTTP1

/// SinkRequest is one request a sink wants made; the URL and headers may hold secrets and are never printed raw.
public struct SinkRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(String, String)]
    public var body: [UInt8]
    /// The delivery's idempotency key, sent as `Idempotency-Key` so a receiver can drop a repeat.
    public var idempotencyKey: String?
    public var timeout: TimeSpan

    public init(method: String, url: String, headers: [(String, String)] = [], body: [UInt8] = [],
                idempotencyKey: String? = nil, timeout: TimeSpan = .seconds(10)) {
        self.method = method; self.url = url; self.headers = headers; self.body = body
        self.idempotencyKey = idempotencyKey; self.timeout = timeout
    }

    public static func json(_ method: String, _ url: String, _ body: JSONValue, headers: [(String, String)] = [],
                            key: String?, timeout: TimeSpan) -> SinkRequest {
        var bytes: [UInt8] = []
        body.append(to: &bytes)
        return SinkRequest(method: method, url: url, headers: [("Content-Type", "application/json")] + headers,
                               body: bytes, idempotencyKey: key, timeout: timeout)
    }
}

/// SinkResponse is the part of an answer sinks look at.
public struct SinkResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.status = status; self.headers = headers; self.body = body
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
    }

    public var isSuccess: Bool { (200..<300).contains(status) }
    public var json: JSONValue? { body.withUnsafeBufferPointer { JSONValue.parse($0) } }
}

/// HTTPTransport makes requests for sinks: the real network, or the dry run that only prints them.
public protocol HTTPTransport: Sendable {
    /// Returns the answer, or a failure for a timeout or a refused connection (always retryable).
    func execute(_ request: SinkRequest) async -> Result<SinkResponse, SinkFailure>
}

extension HTTPTransport {
    /// Makes the request and turns any answer but 2xx into its failure (retryable by status, with `Retry-After`).
    func executeExpectingSuccess(_ request: SinkRequest, now: Timestamp) async -> Result<SinkResponse, SinkFailure> {
        switch await execute(request) {
        case .failure(let f): return .failure(f)
        case .success(let r) where r.isSuccess: return .success(r)
        case .success(let r): return .failure(.http(r, now: now))
        }
    }

    /// Makes the request of a sink whose receiver answers nothing worth keeping (a webhook): any 2xx is sent.
    func deliver(_ request: SinkRequest, now: Timestamp) async -> SinkResult {
        switch await executeExpectingSuccess(request, now: now) {
        case .failure(let failure): .failed(failure)
        case .success: .sent(ref: nil)
        }
    }
}

/// AsyncHTTPTransport sends with one process-wide async-http-client.
public struct AsyncHTTPTransport: HTTPTransport {
    public init() {}

    // A separate connect timeout: otherwise a refused connection is retried inside the client until the request's
    // deadline passes. Connections are kept alive per host, as many as a sink may have requests in flight (the
    // pool's default of 8 would queue a higher `concurrency` inside the client). The client lives as long as the
    // process, so it is never shut down.
    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration(timeout: .init(connect: .seconds(3)))
        configuration.connectionPool = .init(idleTimeout: .seconds(60),
                                             concurrentHTTP1ConnectionsPerHostSoftLimit: ConfiguredSink.maxConcurrency)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    public func execute(_ spec: SinkRequest) async -> Result<SinkResponse, SinkFailure> {
        // Checked here too, not only at load: a delivery queued under an older config may hold a URL the client
        // would trap on, and a trap on resume would block every sink on every restart. It can never succeed, so
        // it is a dead letter, not a retry.
        if let problem = spec.url.httpURLProblem {
            return .failure(SinkFailure("\(spec.method) not sent: the URL \(problem)", retryable: false))
        }
        var request = HTTPClientRequest(url: spec.url)
        request.method = HTTPMethod(rawValue: spec.method)
        for (k, v) in spec.headers { request.headers.add(name: k, value: v) }
        if let key = spec.idempotencyKey { request.headers.replaceOrAdd(name: "Idempotency-Key", value: key) }
        request.headers.replaceOrAdd(name: "User-Agent", value: "lookout-route/\(Stage.version)")
        if !spec.body.isEmpty { request.body = .bytes(ByteBuffer(bytes: spec.body)) }
        do {
            let response = try await AsyncHTTPTransport.client.execute(request, timeout: .milliseconds(spec.timeout.milliseconds))
            var buffer = try await response.body.collect(upTo: 1 << 20)
            let body = buffer.readBytes(length: buffer.readableBytes) ?? []
            return .success(SinkResponse(status: Int(response.status.code),
                                         headers: response.headers.map { ($0.name, $0.value) }, body: body))
        } catch {
            // The error text may name the host; the redactor masks a secret URL whole.
            return .failure(SinkFailure("\(spec.method) failed: \(error)", retryable: true))
        }
    }
}

/// DryRunTransport prints each request it would make as a `would_send` line, secrets masked, and answers as a
/// helpdesk would so multi-step deliveries can be shown in full.
public struct DryRunTransport: HTTPTransport {
    public let writer: LineWriter

    public init(writer: LineWriter) { self.writer = writer }

    public func execute(_ spec: SinkRequest) async -> Result<SinkResponse, SinkFailure> {
        var w = JSONObjectWriter()
        w.add("v", 1)
        w.add("type", "would_send")
        w.add("method", spec.method)
        w.add("url", Redactor.shared.redact(spec.url))
        if let key = spec.idempotencyKey { w.add("key", key) }
        let type = spec.headers.first { $0.0.caseInsensitiveCompare("Content-Type") == .orderedSame }?.1
        if let type, !type.hasPrefix("application/json"), !type.hasPrefix("text/") {
            // A file (a screenshot upload, a multipart form): its size and type, not its bytes; the type without its
            // parameters, whose random multipart boundary would make two dry runs differ.
            w.add("body", "\(spec.body.count) bytes of \(type.split(separator: ";").first.map(String.init) ?? type)")
        } else {
            let body = Redactor.shared.redact(String(decoding: spec.body, as: UTF8.self))
            w.add("body", JSONValue.parse(body) ?? .string(body))
        }
        try? writer.write(w.finish())
        try? writer.flush()
        return .success(SinkResponse(status: 200, body: Array(
            #"{"ok":true,"ts":"dry-run","ticket":{"id":"dry-run"},"id":"dry-run","upload":{"token":"dry-run"},"results":[],"total":0}"#.utf8)))
    }
}

/// DeadlineTransport applies a sink's configured `timeout` to every request the sink makes.
struct DeadlineTransport: HTTPTransport {
    let base: any HTTPTransport
    let timeout: TimeSpan

    func execute(_ request: SinkRequest) async -> Result<SinkResponse, SinkFailure> {
        var request = request
        request.timeout = timeout
        return await base.execute(request)
    }
}
