import AsyncHTTPClient
import Foundation
import LookoutCore
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// HTTPRequestSpec is the request part shared by `http` and `health` checks: method, headers (with `${ENV}`
/// secrets), body, redirect limit and TLS trust, parsed at load and fetched with the shared client.
public struct HTTPRequestSpec: Sendable {
    public var url: String
    public var method: HTTPMethod = .GET
    /// Header values with `${ENV}` already substituted; the values are registered as secrets.
    public var headers: [(name: String, value: String)] = []
    public var body: String?
    /// How many redirects to follow; 0 reports the 3xx itself.
    public var maxRedirects = 5
    /// nil uses the client's default (system roots, full verification).
    public var tls: TLSConfiguration?
    public var host: String

    static let keys: Set<String> = ["method", "headers", "body", "redirects", "ca_file", "verify_tls"]

    init(target: ConfigNode, check: ConfigMapping, context: ConfigContext) throws {
        (url, host) = try HTTPRequestSpec.target(target)
        if let n = check["method"] {
            let text = try n.string().uppercased()
            guard ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"].contains(text) else {
                throw n.error("\(n.path) must be one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS (got \"\(text)\")")
            }
            method = HTTPMethod(rawValue: text)
        }
        if let n = check["headers"] {
            for (name, value) in try n.namedEntries() {
                guard !name.isEmpty, name.utf8.allSatisfy({ $0 > 32 && $0 < 127 && $0 != UInt8(ascii: ":") }) else {
                    throw value.error("header name \"\(name)\" is not a valid HTTP header name")
                }
                let text = try value.scalarText()
                headers.append((name, try Secret.interpolate(text, environment: context.environment, at: value)))
            }
        }
        body = try check["body"]?.string()
        if let n = check["redirects"] {
            maxRedirects = try n.int()
            guard (0...20).contains(maxRedirects) else { throw n.error("\(n.path) must be between 0 and 20") }
        }
        let verify = try check["verify_tls"]?.bool() ?? true
        if let n = check["ca_file"] {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.additionalTrustRoots = [.certificates(try CAFileCache.shared.certificates(of: n, context: context))]
            self.tls = tls
        }
        if !verify {
            var tls = self.tls ?? TLSConfiguration.makeClientConfiguration()
            tls.certificateVerification = .none
            self.tls = tls
        }
    }

    /// A check's target (http, health, browser): an http(s) URL with a host that the client can be handed, and
    /// that host.
    static func target(_ node: ConfigNode) throws -> (url: String, host: String) {
        let url = try node.string()
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = parsed.host, !host.isEmpty else {
            throw node.error("\(node.path) must be an http:// or https:// URL (got \"\(url)\")")
        }
        if let problem = url.httpURLProblem { throw node.error("\(node.path) \(problem) (got \"\(url)\")") }
        return (url, host)
    }

    /// The response of the last hop, with timings from the first request's start.
    public struct Response: Sendable {
        public var status: Int
        public var headers: HTTPHeaders
        /// The body, up to `maxBodyBytes`; `bytes` counts all of it.
        public var body: [UInt8]
        public var bytes: Int
        public var ttfbMs: Double
        public var totalMs: Double
        public var finalURL: String
        public var redirects: [String]
    }

    /// Why a fetch produced no response to judge: the assertion it names (for redirect loops) and a one-line reason.
    public struct Failure: Error, Sendable {
        public var assertion: String?
        public var reason: String
        public var elapsedMs: Double
    }

    /// Bodies above this are counted but not kept: assertions look at the first 8 MiB.
    static let maxBodyBytes = 8 << 20

    /// Fetches the URL, following redirects up to the limit, all within `timeout`.
    public func fetch(client: HTTPClient, timeout: TimeSpan) async -> Result<Response, Failure> {
        let started = NIODeadline.now()
        let deadline = started + .milliseconds(timeout.milliseconds)
        func ms(_ t: NIODeadline) -> Double { Double((t - started).nanoseconds) / 1_000_000 }
        var current = url
        var method = self.method
        var body = self.body
        var visited: [String] = [url]
        do {
            while true {
                var request = HTTPClientRequest(url: current)
                request.method = method
                request.headers.add(name: "User-Agent", value: "lookout-probe/\(Stage.version)")
                for h in headers { request.headers.replaceOrAdd(name: h.name, value: h.value) }
                if let body { request.body = .bytes(ByteBuffer(string: body)) }
                request.tlsConfiguration = tls
                let response = try await client.execute(request, deadline: deadline)
                let ttfb = ms(.now())
                let status = Int(response.status.code)
                if [301, 302, 303, 307, 308].contains(status), maxRedirects > 0,
                   let location = response.headers.first(name: "Location") {
                    // Drain the redirect's body so the connection can be reused.
                    for try await _ in response.body {}
                    // A Location the client cannot be handed (a port over 65535 traps inside it) is the answer's fault.
                    guard let next = URL(string: location, relativeTo: URL(string: current))?.absoluteString, next.httpURLProblem == nil else {
                        return .failure(Failure(assertion: "redirects", reason: "redirect to an invalid Location \"\(location)\"", elapsedMs: ms(.now())))
                    }
                    if visited.contains(next) {
                        let loop = (visited + [next]).map(HTTPRequestSpec.shortURL).joined(separator: " -> ")
                        return .failure(Failure(assertion: "redirects", reason: "redirect loop: \(loop)", elapsedMs: ms(.now())))
                    }
                    guard visited.count <= maxRedirects else {
                        return .failure(Failure(assertion: "redirects: \(maxRedirects)",
                                                reason: "more than \(maxRedirects) redirects (last to \(next))", elapsedMs: ms(.now())))
                    }
                    visited.append(next)
                    current = next
                    if status == 303 || ((status == 301 || status == 302) && method == .POST) {
                        method = .GET
                        body = nil
                    }
                    continue
                }
                var kept: [UInt8] = []
                var total = 0
                for try await chunk in response.body {
                    total += chunk.readableBytes
                    if kept.count < HTTPRequestSpec.maxBodyBytes {
                        kept.append(contentsOf: chunk.readableBytesView.prefix(HTTPRequestSpec.maxBodyBytes - kept.count))
                    }
                }
                return .success(Response(status: status, headers: response.headers, body: kept, bytes: total,
                                         ttfbMs: ttfb, totalMs: ms(.now()), finalURL: current,
                                         redirects: Array(visited.dropFirst())))
            }
        } catch {
            let elapsed = ms(.now())
            return .failure(Failure(assertion: nil, reason: HTTPRequestSpec.describe(error, elapsedMs: elapsed, timeout: timeout),
                                    elapsedMs: elapsed))
        }
    }

    static func shortURL(_ url: String) -> String {
        guard let u = URL(string: url) else { return url }
        return u.path.isEmpty ? "/" : u.path + (u.query.map { "?\($0)" } ?? "")
    }

    /// One line saying why a request failed, in the words an on-call person would use.
    static func describe(_ error: any Error, elapsedMs: Double, timeout: TimeSpan) -> String {
        if let e = error as? HTTPClientError {
            switch e {
            case .deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout:
                return "timed out after \(Int(elapsedMs.rounded())) ms (timeout \(timeout))"
            case .remoteConnectionClosed: return "the server closed the connection without a response"
            default: break
            }
        }
        if let e = error as? NIOSSLError { return "TLS handshake failed: \(oneLine("\(e)"))" }
        if let e = error as? BoringSSLError { return "TLS handshake failed: \(oneLine("\(e)"))" }
        if let e = error as? IOError {
            if e.errnoCode == ECONNREFUSED { return "connection refused" }
            return "connection failed: \(String(cString: strerror(e.errnoCode)))"
        }
        if let e = error as? NIOConnectionError {
            if let first = e.connectionErrors.first { return describe(first.error, elapsedMs: elapsedMs, timeout: timeout) }
            if e.dnsAError != nil || e.dnsAAAAError != nil { return "cannot resolve \(e.host)" }
        }
        if error is ChannelError, case .connectTimeout = error as! ChannelError {
            return "connection timed out after \(Int(elapsedMs.rounded())) ms"
        }
        let text = oneLine(String(describing: error))
        if text.contains("refused") { return "connection refused" }
        return "request failed: \(text)"
    }

    static func oneLine(_ s: String) -> String {
        let flat = s.split(whereSeparator: \.isNewline).joined(separator: " ")
        return flat.count > 300 ? String(flat.prefix(300)) + "..." : flat
    }
}
