import Foundation
@testable import LookoutCore
@testable import LookoutReport
@testable import LookoutRoute
@testable import LookoutTesting
import Testing

/// The Slack payload stays within Slack's limits, and posting it reaches a real HTTP server on loopback.
@Suite struct SlackReportTests {
    static func blocks(_ payload: JSONValue) -> [JSONValue] { payload["blocks"]?.arrayValue ?? [] }

    @Test func fixturePayloadHasHeaderAndFallback() throws {
        let payload = SlackRenderer().payload(try ReportFixture.report())
        let blocks = SlackReportTests.blocks(payload)
        #expect(blocks.first?["type"]?.stringValue == "header")
        #expect(payload["text"]?.stringValue?.contains("Availability 95.471%") == true)
    }

    @Test func hugeReportsStayWithinLimits() throws {
        var report = try ReportFixture.report()
        let one = report.incidents[0]
        report.incidents = (0..<3000).map { k in
            var i = one
            i.cause = String(repeating: "very long cause \(k) ", count: 20)
            return i
        }
        report.title = String(repeating: "T", count: 400)
        let blocks = SlackReportTests.blocks(SlackRenderer().payload(report))
        #expect(blocks.count <= SlackRenderer.maxBlocks)
        #expect((blocks[0]["text"]?["text"]?.stringValue?.count ?? 0) <= SlackRenderer.maxHeaderCharacters)
        for b in blocks.dropFirst() {
            #expect((b["text"]?["text"]?.stringValue?.count ?? 0) <= SlackRenderer.maxSectionCharacters)
        }
        #expect(blocks.last?["text"]?["text"]?.stringValue?.contains("more sections left out") == true)
    }

    @Test func postsToAWebhookOnLoopback() async throws {
        let server = try LoopbackHTTPServer(responses: [(200, "ok")])
        defer { server.stop() }
        let secret = Secret("http://127.0.0.1:\(server.port)/services/T000/B000/XXXX", source: "test")
        let payload = SlackRenderer().payload(try ReportFixture.report(client: "ACME Ltd"))
        try await SlackWebhook(url: secret).deliver(payload)
        let request = try #require(server.requests.first)
        #expect(request.hasPrefix("POST /services/T000/B000/XXXX HTTP/1.1"))
        let body = try #require(request.components(separatedBy: "\r\n\r\n").last)
        let parsed = try #require(JSONValue.parse(body))
        #expect(parsed == payload)
    }

    @Test func retriesA429AndReportsAPermanentRefusalWithoutTheURL() async throws {
        let server = try LoopbackHTTPServer(responses: [(429, "rate_limited"), (404, "no_service")])
        defer { server.stop() }
        let secret = Secret("http://127.0.0.1:\(server.port)/services/SECRET-PATH", source: "test")
        let webhook = SlackWebhook(url: secret)
        await #expect {
            try await webhook.deliver(.object([JSONMember(key: "text", value: .string("x"))]), attempts: 3)
        } throws: { error in
            let text = "\(error)"
            return text.contains("404") && text.contains("no_service") && !text.contains("SECRET-PATH")
        }
        #expect(server.requests.count == 2)
    }

    @Test(arguments: [408, 425, 500, 503])
    func retriesWhatRouteRetries(status: Int) async throws {
        let server = try LoopbackHTTPServer(responses: [(status, "busy"), (200, "ok")])
        defer { server.stop() }
        try await SlackWebhook(url: Secret("http://127.0.0.1:\(server.port)/services/T/B/X", source: "test"))
            .deliver(.object([JSONMember(key: "text", value: .string("x"))]))
        #expect(server.requests.count == 2)
    }
}

/// LoopbackHTTPServer answers HTTP/1.1 requests on 127.0.0.1 with canned responses, one per connection, and
/// records each request; it stops when asked, and tests always ask.
final class LoopbackHTTPServer: @unchecked Sendable {
    let port: Int
    private let fd: Int32
    private let lock = NSLock()
    private var recorded: [String] = []
    private var stopped = false

    var requests: [String] { lock.lock(); defer { lock.unlock() }; return recorded }

    init(responses: [(Int, String)]) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        guard bound == 0, listen(fd, 8) == 0 else { throw POSIXError(.EADDRINUSE) }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        self.fd = fd
        port = Int(UInt16(bigEndian: addr.sin_port))
        start(responses)
    }

    private func start(_ responses: [(Int, String)]) {
        let listener = fd
        let thread = Thread { [self] in
            var queue = responses
            while !queue.isEmpty {
                let client = accept(listener, nil, nil)
                if client < 0 { return }
                let request = LoopbackHTTPServer.readRequest(client)
                lock.lock(); recorded.append(request); lock.unlock()
                let (status, body) = queue.removeFirst()
                let reason = status == 200 ? "OK" : "Error"
                let extra = status == 200 ? "" : "Retry-After: 0\r\n"
                let response = "HTTP/1.1 \(status) \(reason)\r\nContent-Type: text/plain\r\n\(extra)Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
                _ = response.withCString { send(client, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
                close(client)
            }
        }
        thread.start()
    }

    /// Reads headers, then as many body bytes as Content-Length says.
    static func readRequest(_ client: Int32) -> String {
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65536)
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        while true {
            let n = recv(client, &buffer, buffer.count, 0)
            if n <= 0 { break }
            data.append(contentsOf: buffer[0..<n])
            let text = String(decoding: data, as: UTF8.self)
            if let headerEnd = text.range(of: "\r\n\r\n") {
                let headers = text[..<headerEnd.lowerBound].lowercased()
                let length = headers.components(separatedBy: "\r\n").first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                if text.utf8.count - text[..<headerEnd.upperBound].utf8.count >= length { break }
            }
        }
        return String(decoding: data, as: UTF8.self)
    }

    func stop() {
        lock.lock(); defer { lock.unlock() }
        guard !stopped else { return }
        stopped = true
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }
}
