import Foundation
import LookoutCore

/// DNSWireClient asks one DNS server one question over UDP (RFC 1035 wire format) and decodes the answers of the
/// asked type: A, AAAA, CNAME, NS, MX (`10 mail.acme.example`), TXT (the strings joined). It exists so a dns check can
/// ask a specific server (`server:`) and for record types getaddrinfo cannot return.
enum DNSWireClient {
    enum RecordType: UInt16, Sendable {
        case a = 1, ns = 2, cname = 5, mx = 15, txt = 16, aaaa = 28

        init?(name: String) {
            switch name.uppercased() {
            case "A": self = .a
            case "AAAA": self = .aaaa
            case "CNAME": self = .cname
            case "NS": self = .ns
            case "MX": self = .mx
            case "TXT": self = .txt
            default: return nil
            }
        }
    }

    enum Failure: Error, Equatable, CustomStringConvertible {
        case timeout
        case noSuchName
        case serverFailure(rcode: Int)
        case malformed(String)
        case socket(String)

        var description: String {
            switch self {
            case .timeout: "no answer from the server"
            case .noSuchName: "no such name (NXDOMAIN)"
            case .serverFailure(let rcode): "the server answered with rcode \(rcode)"
            case .malformed(let why): "malformed answer: \(why)"
            case .socket(let why): why
            }
        }
    }

    /// The question in wire format, with the given id and recursion desired.
    static func query(name: String, type: RecordType, id: UInt16) -> [UInt8] {
        var q: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xff), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
        for label in name.split(separator: ".") {
            let bytes = Array(label.utf8.prefix(63))
            q.append(UInt8(bytes.count))
            q += bytes
        }
        q += [0, UInt8(type.rawValue >> 8), UInt8(type.rawValue & 0xff), 0, 1]
        return q
    }

    /// Decodes a response to `query(..., id:)`: the answers of `type`, in order.
    static func parse(_ m: [UInt8], id: UInt16, type: RecordType) throws(Failure) -> [String] {
        guard m.count >= 12 else { throw .malformed("shorter than a header") }
        guard UInt16(m[0]) << 8 | UInt16(m[1]) == id else { throw .malformed("the id does not match the question") }
        let rcode = Int(m[3] & 0x0f)
        if rcode == 3 { throw .noSuchName }
        if rcode != 0 { throw .serverFailure(rcode: rcode) }
        let qd = Int(m[4]) << 8 | Int(m[5])
        let an = Int(m[6]) << 8 | Int(m[7])
        var i = 12
        for _ in 0..<qd {
            _ = try name(m, at: &i)
            i += 4
        }
        var out: [String] = []
        for _ in 0..<an {
            _ = try name(m, at: &i)
            guard i + 10 <= m.count else { throw .malformed("truncated record") }
            let rtype = UInt16(m[i]) << 8 | UInt16(m[i + 1])
            let length = Int(m[i + 8]) << 8 | Int(m[i + 9])
            i += 10
            guard i + length <= m.count else { throw .malformed("truncated record data") }
            let end = i + length
            defer { i = end }
            guard rtype == type.rawValue else { continue }  // a CNAME on the way to an A, say
            switch type {
            case .a where length == 4:
                out.append(m[i..<end].map(String.init).joined(separator: "."))
            case .aaaa where length == 16:
                var text = [CChar](repeating: 0, count: 64)
                _ = Array(m[i..<end]).withUnsafeBytes { inet_ntop(AF_INET6, $0.baseAddress, &text, 64) }
                out.append(String(nulTerminated: text))
            case .cname, .ns:
                var j = i
                out.append(try name(m, at: &j))
            case .mx:
                guard length >= 3 else { throw .malformed("short MX record") }
                let preference = Int(m[i]) << 8 | Int(m[i + 1])
                var j = i + 2
                out.append("\(preference) \(try name(m, at: &j))")
            case .txt:
                var j = i
                var text = ""
                while j < end {
                    let n = Int(m[j])
                    guard j + 1 + n <= end else { throw .malformed("truncated TXT string") }
                    text += String(decoding: m[(j + 1)..<(j + 1 + n)], as: UTF8.self)
                    j += 1 + n
                }
                out.append(text)
            default:
                throw .malformed("record of the wrong size")
            }
        }
        return out
    }

    /// A possibly compressed name at `i`; `i` moves past it (not past the target of a pointer).
    static func name(_ m: [UInt8], at i: inout Int) throws(Failure) -> String {
        var labels: [String] = []
        var p = i
        var jumped = false
        var hops = 0
        while true {
            guard p < m.count else { throw .malformed("name runs past the end") }
            let n = Int(m[p])
            if n == 0 {
                if !jumped { i = p + 1 }
                break
            }
            if n & 0xc0 == 0xc0 {
                guard p + 1 < m.count else { throw .malformed("truncated name pointer") }
                hops += 1
                guard hops < 32 else { throw .malformed("name pointer loop") }
                if !jumped { i = p + 2 }
                jumped = true
                p = (n & 0x3f) << 8 | Int(m[p + 1])
                continue
            }
            guard p + 1 + n <= m.count else { throw .malformed("truncated label") }
            labels.append(String(decoding: m[(p + 1)..<(p + 1 + n)], as: UTF8.self))
            p += 1 + n
        }
        return labels.joined(separator: ".")
    }

    /// Sends the question to `server:port` and waits (with poll, no CPU) for the matching answer until `timeoutMs`.
    static func ask(name: String, type: RecordType, server: String, port: UInt16, timeoutMs: Int64) -> Result<[String], Failure> {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        hints.ai_flags = AI_NUMERICHOST
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(server, String(port), &hints, &list) == 0, let a = list else {
            return .failure(.socket("the server \(server) is not an IP address"))
        }
        defer { freeaddrinfo(list) }
        let fd = socket(a.pointee.ai_family, a.pointee.ai_socktype, a.pointee.ai_protocol)
        guard fd >= 0 else { return .failure(.socket("cannot open a socket: \(String(cString: strerror(errno)))")) }
        defer { close(fd) }
        guard connect(fd, a.pointee.ai_addr, a.pointee.ai_addrlen) == 0 else {
            return .failure(.socket("cannot reach \(server): \(String(cString: strerror(errno)))"))
        }
        let id = UInt16.random(in: 0...UInt16.max)
        let q = query(name: name, type: type, id: id)
        guard send(fd, q, q.count, 0) == q.count else {
            return .failure(.socket("cannot send to \(server): \(String(cString: strerror(errno)))"))
        }
        let deadline = ContinuousClock.now + .milliseconds(timeoutMs)
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let ms = (deadline - ContinuousClock.now).pollMilliseconds
            guard ms > 0 else { return .failure(.timeout) }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let n = poll(&p, 1, ms)
            if n < 0 && errno == EINTR { continue }
            guard n == 1 else { return .failure(.timeout) }
            let got = recv(fd, &buf, buf.count, 0)
            if got < 0 {
                if errno == ECONNREFUSED { return .failure(.socket("\(server) refused the query (nothing listens on port \(port))")) }
                continue
            }
            let message = Array(buf[..<got])
            // A stray datagram with another id is ignored, as resolvers do (it may be a spoofing attempt).
            if got >= 2, UInt16(message[0]) << 8 | UInt16(message[1]) != id { continue }
            do { return .success(try parse(message, id: id, type: type)) } catch { return .failure(error) }
        }
    }

    /// The first `nameserver` in /etc/resolv.conf.
    static func systemServer() -> String? {
        guard let text = try? String(contentsOfFile: "/etc/resolv.conf", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") {
            let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if parts.count >= 2, parts[0] == "nameserver" { return String(parts[1]) }
        }
        return nil
    }
}
