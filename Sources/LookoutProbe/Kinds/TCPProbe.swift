import Foundation
import LookoutCore

/// TCPProbe connects to `host:port` and, optionally, expects a banner (an SMTP `220`, an SSH version line).
///
/// It uses a non-blocking socket and `poll(2)`, so a port that accepts and never answers costs no CPU while waiting
/// and never outlives the check's timeout.
public struct TCPProbe: ProbeKind {
    public static let name = "tcp"
    public static let settingKeys: Set<String> = ["expect_banner", "send"]

    public let hostName: String
    public let port: UInt16
    public let expectBanner: String?
    public let send: String?

    public var host: String? { hostName }

    public init(target: ConfigNode, check: ConfigMapping, context: ConfigContext) throws {
        let text = try target.string()
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]), port > 0 else {
            throw target.error("tcp target must be host:port (got \"\(text)\")")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw target.error("tcp target must be host:port (got \"\(text)\")") }
        hostName = host
        self.port = port
        expectBanner = try check["expect_banner"]?.string()
        // What is sent may carry a credential (an AUTH line), so it may reference ${ENV} values, kept secret.
        send = try check["send"].map { try Secret.interpolate(try $0.string(), environment: context.environment, at: $0) }
    }

    public func run(_ run: ProbeRun) async -> ProbeOutcome {
        let deadline = ContinuousClock.now + .milliseconds(run.timeout.milliseconds)
        let started = ContinuousClock.now
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: self.probe(deadline: deadline, started: started))
            }
        }
    }

    private func probe(deadline: ContinuousClock.Instant, started: ContinuousClock.Instant) -> ProbeOutcome {
        func elapsedMs() -> Double { (ContinuousClock.now - started).fractionalMilliseconds }
        func remainingMs() -> Int32 { max(0, (deadline - ContinuousClock.now).pollMilliseconds) }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(hostName, String(port), &hints, &list) == 0, let first = list else {
            return ProbeOutcome(ok: false, error: "cannot resolve \(hostName)")
        }
        defer { freeaddrinfo(list) }
        let fd = socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
        guard fd >= 0 else { return ProbeOutcome(ok: false, error: "cannot open a socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        if connect(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) != 0 && errno != EINPROGRESS {
            return ProbeOutcome(ok: false, error: "connection failed: \(String(cString: strerror(errno)))")
        }
        var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        guard poll(&pfd, 1, remainingMs()) == 1 else {
            return ProbeOutcome(ok: false, error: "connection timed out after \(Int(elapsedMs())) ms")
        }
        var soError: Int32 = 0
        var len = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &len)
        guard soError == 0 else { return ProbeOutcome(ok: false, error: "connection failed: \(String(cString: strerror(soError)))") }
        var outcome = ProbeOutcome(ok: true)
        outcome.details.append(JSONMember(key: "connect_ms", value: .double((elapsedMs() * 1000).rounded() / 1000)))
        if let send { _ = send.withCString { Foundation.write(fd, $0, strlen($0)) } }
        if let expectBanner {
            var received: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 4096)
            while !String(decoding: received, as: UTF8.self).contains(expectBanner), received.count < 65536 {
                pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard poll(&pfd, 1, remainingMs()) == 1 else { break }
                let n = Foundation.read(fd, &chunk, chunk.count)
                if n <= 0 { break }
                received.append(contentsOf: chunk[..<n])
            }
            let banner = String(decoding: received.prefix(200), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            outcome.details.append(JSONMember(key: "banner", value: .string(banner)))
            if !String(decoding: received, as: UTF8.self).contains(expectBanner) {
                outcome.fail("expect_banner: \(expectBanner)", because: received.isEmpty
                    ? "no banner within the timeout" : "banner does not contain \"\(expectBanner)\"")
            }
        }
        outcome.latencyMs = (elapsedMs() * 1000).rounded() / 1000
        return outcome
    }
}
