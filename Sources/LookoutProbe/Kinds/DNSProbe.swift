import Foundation
import LookoutCore

/// DNSProbe resolves a name and, optionally, checks the answers.
///
/// ```yaml
/// - id: acme-dns
///   dns: acme.example
///   record: A                  # A (default), AAAA, CNAME, MX, NS, TXT
///   server: 1.1.1.1            # optional: ask this server (IP[:port]) directly
///   expect: ["203.0.113.10"]   # each must be among the answers
/// ```
/// A and AAAA without `server` use the system resolver (getaddrinfo, so /etc/hosts applies); it cannot be cancelled,
/// so a resolution that outlives the timeout is reported at the deadline and its thread finishes on its own. Other
/// types, or a `server`, use `DNSWireClient` over UDP (the system's first nameserver when no server is given).
public struct DNSProbe: ProbeKind {
    public static let name = "dns"
    public static let settingKeys: Set<String> = ["record", "expect", "server"]

    public enum Record: String, Sendable { case a = "A", aaaa = "AAAA", cname = "CNAME", mx = "MX", ns = "NS", txt = "TXT" }

    public let name: String
    public let record: Record
    public let expected: [String]
    /// The server to ask directly, with its port.
    public let server: (host: String, port: UInt16)?

    public var host: String? { nil }

    public init(target: ConfigNode, check: ConfigMapping, context: ConfigContext) throws {
        name = try target.string()
        guard !name.isEmpty, !name.contains("/"), !name.contains(" ") else {
            throw target.error("dns target must be a host name (got \"\(name)\")")
        }
        if let n = check["record"] {
            let text = try n.string().uppercased()
            guard let r = Record(rawValue: text) else {
                throw n.error("\(n.path) must be one of A, AAAA, CNAME, MX, NS, TXT (got \"\(text)\")")
            }
            record = r
        } else {
            record = .a
        }
        let record = self.record
        if let n = check["server"] {
            let text = try n.scalarText()
            var host = text, port: UInt16 = 53
            if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
                host = String(text[text.index(after: text.startIndex)..<close])
                let rest = text[text.index(after: close)...]
                if rest.hasPrefix(":") { guard let p = UInt16(rest.dropFirst()), p > 0 else { throw n.error("\(n.path) has an invalid port") }; port = p }
            } else if text.filter({ $0 == ":" }).count == 1, let colon = text.firstIndex(of: ":") {
                host = String(text[..<colon])
                guard let p = UInt16(text[text.index(after: colon)...]), p > 0 else { throw n.error("\(n.path) has an invalid port") }
                port = p
            }
            guard host.isIPAddress else { throw n.error("\(n.path) must be an IP address, optionally with :port (got \"\(text)\")") }
            server = (host, port)
        } else {
            server = nil
        }
        expected = try (check["expect"]?.list() ?? []).map { n in
            let text = try n.scalarText()
            guard record == .a || record == .aaaa else { return DNSProbe.normalized(text, record: record) }
            var v4 = in_addr(), v6 = in6_addr()
            let valid = record == .a ? inet_pton(AF_INET, text, &v4) == 1 : inet_pton(AF_INET6, text, &v6) == 1
            guard valid else { throw n.error("\(n.path) \"\(text)\" is not an \(record == .a ? "IPv4" : "IPv6") address") }
            return DNSProbe.canonical(text, family: record == .a ? AF_INET : AF_INET6) ?? text
        }
    }

    /// Names compare without case and trailing dot; TXT compares exactly.
    static func normalized(_ text: String, record: Record) -> String {
        guard record != .txt else { return text }
        var t = text.lowercased()
        while t.hasSuffix(".") { t.removeLast() }
        return t
    }

    public func run(_ run: ProbeRun) async -> ProbeOutcome {
        let started = ContinuousClock.now
        let family = record == .a ? AF_INET : AF_INET6
        let name = self.name
        let answer: Result<[String], ResolveError>?
        if server != nil || (record != .a && record != .aaaa) {
            guard let target = server ?? DNSWireClient.systemServer().map({ ($0, UInt16(53)) }),
                  let type = DNSWireClient.RecordType(name: record.rawValue) else {
                return ProbeOutcome(ok: false, error: "no DNS server to ask: set server: or a nameserver in /etc/resolv.conf")
            }
            let timeout = run.timeout.milliseconds
            let record = self.record
            answer = await withCheckedContinuation { c in
                DispatchQueue.global().async {
                    let r = DNSWireClient.ask(name: name, type: type, server: target.0, port: target.1, timeoutMs: timeout)
                    c.resume(returning: r.map { $0.map { DNSProbe.normalized($0, record: record) } }
                        .mapError { ResolveError(message: $0 == .timeout ? "no answer from \(target.0) within \(run.timeout)" : $0.description) })
                }
            }
        } else {
            answer = await BlockingCall.run(timeout: run.timeout) { DNSProbe.resolve(name, family: family) }
        }
        let ms = ProbeOutcome.round((ContinuousClock.now - started).fractionalMilliseconds)
        guard let answer else {
            var o = ProbeOutcome(ok: false, error: "no answer for \(name) within \(run.timeout)")
            o.latencyMs = ms
            return o
        }
        var outcome = ProbeOutcome(ok: true)
        outcome.latencyMs = ms
        switch answer {
        case .failure(let why):
            outcome.ok = false
            outcome.error = "cannot resolve \(name) (\(record.rawValue)): \(why)"
        case .success(let addresses):
            outcome.details = [JSONMember(key: "addresses", value: .array(addresses.map { .string($0) }))]
            if let server { outcome.details.append(JSONMember(key: "server", value: .string(server.host))) }
            if addresses.isEmpty, expected.isEmpty {
                outcome.fail("record: \(record.rawValue)", because: "\(name) has no \(record.rawValue) record")
            }
            for e in expected where !addresses.contains(e) {
                outcome.fail("expect: \(e)", because: "\(name) \(record.rawValue) is \(addresses.isEmpty ? "empty" : addresses.joined(separator: ", ")), not \(e)")
            }
        }
        return outcome
    }

    static func canonical(_ text: String, family: Int32) -> String? {
        var buf = [UInt8](repeating: 0, count: 16)
        guard inet_pton(family, text, &buf) == 1 else { return nil }
        var out = [CChar](repeating: 0, count: 64)
        guard inet_ntop(family, buf, &out, 64) != nil else { return nil }
        return String(nulTerminated: out)
    }

    static func resolve(_ name: String, family: Int32) -> Result<[String], ResolveError> {
        var hints = addrinfo()
        hints.ai_family = family
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(name, nil, &hints, &list)
        guard rc == 0 else { return .failure(ResolveError(message: String(cString: gai_strerror(rc)))) }
        defer { freeaddrinfo(list) }
        var out: [String] = []
        var p = list
        while let a = p {
            var text = [CChar](repeating: 0, count: 64)
            if family == AF_INET {
                a.pointee.ai_addr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                    var addr = sin.pointee.sin_addr
                    _ = inet_ntop(AF_INET, &addr, &text, 64)
                }
            } else {
                a.pointee.ai_addr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin in
                    var addr = sin.pointee.sin6_addr
                    _ = inet_ntop(AF_INET6, &addr, &text, 64)
                }
            }
            let s = String(nulTerminated: text)
            if !s.isEmpty, !out.contains(s) { out.append(s) }
            p = a.pointee.ai_next
        }
        return .success(out)
    }

    struct ResolveError: Error { var message: String }
}

extension DNSProbe.ResolveError: CustomStringConvertible { var description: String { message } }

/// BlockingCall runs a blocking system call on a thread and gives up waiting at the timeout.
enum BlockingCall {
    static func run<T: Sendable>(timeout: TimeSpan, _ body: @escaping @Sendable () -> T) async -> T? {
        await withCheckedContinuation { (c: CheckedContinuation<T?, Never>) in
            let once = OnceFlag()
            DispatchQueue.global().async {
                let v = body()
                if once.take() { c.resume(returning: v) }
            }
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(Int(timeout.milliseconds))) {
                if once.take() { c.resume(returning: nil) }
            }
        }
    }
}
