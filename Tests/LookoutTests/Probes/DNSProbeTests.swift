import Foundation
@testable import LookoutCore
@testable import LookoutProbe
import Testing

@Suite struct DNSProbeTests {
    @Test func resolvesLocalhost() async throws {
        let check = try ProbeTestSupport.check("- id: acme-dns\n  dns: localhost\n  expect: [\"127.0.0.1\"]")
        let o = await ProbeTestSupport.run(check)
        #expect(o.ok && o.failed.isEmpty)
        #expect(o.details.first?.value.arrayValue?.contains(.string("127.0.0.1")) == true)
    }

    @Test func unexpectedAddressFailsNamed() async throws {
        let check = try ProbeTestSupport.check("- id: acme-dns\n  dns: localhost\n  expect: [\"127.0.0.1\", \"203.0.113.10\"]")
        let o = await ProbeTestSupport.run(check)
        #expect(!o.ok)
        #expect(o.failed == ["expect: 203.0.113.10"])
        #expect(o.error?.hasPrefix("localhost A is 127.0.0.1") == true)
    }

    @Test func unknownNameFails() async throws {
        // `.invalid` is reserved (RFC 6761): resolvers must answer "no such name" without asking the network.
        let check = try ProbeTestSupport.check("- id: acme-dns\n  dns: nothing.invalid\n  timeout: 3s")
        let o = await ProbeTestSupport.run(check)
        #expect(!o.ok)
        #expect(o.error?.hasPrefix("cannot resolve nothing.invalid (A)") == true || o.error?.hasPrefix("no answer") == true)
    }
}

/// A DNS server on a loopback UDP port answering from a table; names not in it get NXDOMAIN.
final class LoopbackDNSServer: @unchecked Sendable {
    let port: Int
    private let fd: Int32
    private let records: [String: [(type: UInt16, data: [UInt8])]]

    init(records: [String: [(type: UInt16, data: [UInt8])]]) throws {
        self.records = records
        let (fd, port) = Self.boundSocket()
        self.fd = fd
        self.port = port
        Thread.detachNewThread { [self] in
            var buf = [UInt8](repeating: 0, count: 512)
            while true {
                var from = sockaddr_storage()
                var fromLen = socklen_t(MemoryLayout<sockaddr_storage>.size)
                let n = withUnsafeMutablePointer(to: &from) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, &buf, buf.count, 0, $0, &fromLen) }
                }
                if n <= 0 { return }
                let reply = answer(Array(buf[..<n]))
                _ = withUnsafePointer(to: &from) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, reply, reply.count, 0, $0, fromLen) }
                }
            }
        }
    }

    func answer(_ q: [UInt8]) -> [UInt8] {
        var i = 12
        let name = (try? DNSWireClient.name(q, at: &i)) ?? ""
        let qtype = UInt16(q[i]) << 8 | UInt16(q[i + 1])
        let question = q[12..<(i + 4)]
        guard let all = records[name] else {
            return [q[0], q[1], 0x81, 0x83, 0, 1, 0, 0, 0, 0, 0, 0] + question
        }
        // A CNAME first when asked for something else, as real servers chain them.
        let matching = all.filter { $0.type == qtype || $0.type == 5 }
        var out: [UInt8] = [q[0], q[1], 0x81, 0x80, 0, 1, 0, UInt8(matching.count), 0, 0, 0, 0] + question
        for r in matching {
            out += [0xc0, 0x0c, UInt8(r.type >> 8), UInt8(r.type & 0xff), 0, 1, 0, 0, 0x0e, 0x10,
                    UInt8(r.data.count >> 8), UInt8(r.data.count & 0xff)] + r.data
        }
        return out
    }

    func stop() { shutdown(fd, Int32(SHUT_RDWR)); close(fd) }

    /// A UDP socket bound to an ephemeral port on 127.0.0.1, and that port; nothing reads it until the caller does.
    static func boundSocket() -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        return (fd, Int(UInt16(bigEndian: addr.sin_port)))
    }

    static func name(_ s: String) -> [UInt8] {
        s.split(separator: ".").flatMap { [UInt8($0.utf8.count)] + Array($0.utf8) } + [0]
    }
}

@Suite struct DNSWireTests {
    static func server() throws -> LoopbackDNSServer {
        try LoopbackDNSServer(records: [
            "acme.example": [(1, [203, 0, 113, 10]), (1, [203, 0, 113, 11]),
                             (15, [0, 10] + LoopbackDNSServer.name("mail.acme.example")),
                             (16, [11] + Array("v=spf1 -all".utf8) + [4] + Array(" ok!".utf8))],
            "www.acme.example": [(5, LoopbackDNSServer.name("acme.example"))],
        ])
    }

    @Test(arguments: [
        ("record: A\n  expect: [\"203.0.113.10\", \"203.0.113.11\"]", true, [String](), ["203.0.113.10", "203.0.113.11"]),
        ("record: A\n  expect: [\"203.0.113.99\"]", false, ["expect: 203.0.113.99"], ["203.0.113.10", "203.0.113.11"]),
        ("record: MX\n  expect: [\"10 Mail.Acme.Example.\"]", true, [], ["10 mail.acme.example"]),
        ("record: TXT\n  expect: [\"v=spf1 -all ok!\"]", true, [], ["v=spf1 -all ok!"]),
        ("record: AAAA", false, ["record: AAAA"], []),
    ])
    func asksTheServer(settings: String, ok: Bool, failed: [String], answers: [String]) async throws {
        let server = try Self.server()
        defer { server.stop() }
        let check = try ProbeTestSupport.check("- id: acme-dns\n  dns: acme.example\n  server: 127.0.0.1:\(server.port)\n  \(settings)")
        let o = await ProbeTestSupport.run(check)
        #expect(o.ok == ok)
        #expect(o.failed == failed)
        #expect(o.details.first?.value == .array(answers.map { .string($0) }))
    }

    @Test func cnameChain() async throws {
        let server = try Self.server()
        defer { server.stop() }
        let check = try ProbeTestSupport.check("- id: acme-dns\n  dns: www.acme.example\n  server: 127.0.0.1:\(server.port)\n  record: CNAME\n  expect: acme.example")
        let o = await ProbeTestSupport.run(check)
        #expect(o.ok && o.failed.isEmpty)
    }

    @Test func noSuchName() async throws {
        let server = try Self.server()
        defer { server.stop() }
        let check = try ProbeTestSupport.check("- id: acme-dns\n  dns: missing.example\n  server: 127.0.0.1:\(server.port)")
        let o = await ProbeTestSupport.run(check)
        #expect(!o.ok)
        #expect(o.error == "cannot resolve missing.example (A): no such name (NXDOMAIN)")
    }

    @Test func silentServerTimesOut() async throws {
        // A bound UDP socket that never answers.
        let (fd, port) = LoopbackDNSServer.boundSocket()
        defer { close(fd) }
        let check = try ProbeTestSupport.check("- id: acme-dns\n  dns: acme.example\n  server: 127.0.0.1:\(port)\n  timeout: 500ms")
        let o = await ProbeTestSupport.run(check)
        #expect(!o.ok)
        #expect(o.error == "cannot resolve acme.example (A): no answer from 127.0.0.1 within 500ms")
    }

    @Test func compressedNamesAndPointerLoops() throws {
        // "mail" + pointer to offset 12 ("acme.example").
        let m: [UInt8] = Array(repeating: 0, count: 12) + LoopbackDNSServer.name("acme.example") + [4] + Array("mail".utf8) + [0xc0, 12]
        var i = 26
        #expect(try DNSWireClient.name(m, at: &i) == "mail.acme.example")
        #expect(i == m.count)
        let loop: [UInt8] = Array(repeating: 0, count: 12) + [0xc0, 12]
        var j = 12
        #expect(throws: DNSWireClient.Failure.malformed("name pointer loop")) { try DNSWireClient.name(loop, at: &j) }
    }
}
