import Foundation
@testable import LookoutCore
@testable import LookoutProbe
import LookoutTesting
import NIOSSL
import Testing

/// A throwaway CA and a server certificate it signs, made in the test.
struct TestCertificates {
    let caPEM: String
    let serverContext: NIOSSLContext

    init(serverValidFor validity: TimeInterval, names: [String] = ["localhost"], notBefore: TimeInterval = -3600) throws {
        let now = Date()
        let ca = try TestCertificateAuthority(validFrom: now - 365 * 86_400, until: now + 365 * 86_400)
        let server = try ca.issue(names: names, validFrom: now + notBefore, until: now + validity)
        caPEM = ca.caPEM
        let config = TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(try NIOSSLCertificate(bytes: Array(server.certificatePEM.utf8), format: .pem))],
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(server.keyPEM.utf8), format: .pem)))
        serverContext = try NIOSSLContext(configuration: config)
    }

    func writeCA(in dir: URL) throws -> String {
        let path = dir.appendingPathComponent("ca.pem").path
        try caPEM.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}

@Suite struct TLSProbeTests {
    static func probe(_ certs: TestCertificates, extra: String = "", withCA: Bool = true) async throws -> ProbeOutcome {
        let dir = try ProbeTestSupport.tempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let caPath = try certs.writeCA(in: dir)
        let server = try await ProbeSite(tls: certs.serverContext) { _, _ in .init(body: "ok") }
        let check = try ProbeTestSupport.check("""
            - id: acme-cert
              tls: 127.0.0.1:\(server.port)
              server_name: localhost
            \(withCA ? "  ca_file: \(caPath)\n" : "")\(extra)
            """)
        let o = await ProbeTestSupport.run(check, at: SystemClock().now())
        await server.stop()
        return o
    }

    @Test func expiresInFiveDaysIsDegraded() async throws {
        let o = try await Self.probe(TestCertificates(serverValidFor: 5 * 86_400 + 3600))
        #expect(o.ok && o.degraded)
        #expect(o.failed == ["warn_days: 14"])
        #expect(o.error?.hasPrefix("the certificate expires in 5 days, on ") == true)
        #expect(o.details.first { $0.key == "days_left" }?.value == .int(5))
    }

    @Test func longValidityIsOK() async throws {
        let o = try await Self.probe(TestCertificates(serverValidFor: 90 * 86_400))
        #expect(o.ok && !o.degraded && o.failed.isEmpty && o.error == nil)
    }

    @Test func warnThresholdIsConfigurable() async throws {
        let o = try await Self.probe(TestCertificates(serverValidFor: 5 * 86_400 + 3600), extra: "  warn_days: 3")
        #expect(o.ok && !o.degraded)
    }

    @Test func expiredIsDown() async throws {
        let o = try await Self.probe(TestCertificates(serverValidFor: -86_400, notBefore: -30 * 86_400))
        #expect(!o.ok)
        #expect(o.failed == ["expiry"])
        #expect(o.error?.hasPrefix("the certificate expired on ") == true)
    }

    @Test func wrongHostnameIsDown() async throws {
        let o = try await Self.probe(TestCertificates(serverValidFor: 90 * 86_400, names: ["other.example"]))
        #expect(!o.ok)
        #expect(o.failed == ["hostname"])
        #expect(o.error == "the certificate does not name localhost")
    }

    @Test func untrustedChainIsDown() async throws {
        let o = try await Self.probe(TestCertificates(serverValidFor: 90 * 86_400), withCA: false)
        #expect(!o.ok)
        #expect(o.failed == ["chain"])
    }

    @Test func refusedPort() async throws {
        let port = try ProbeTestSupport.refusedPort()
        let check = try ProbeTestSupport.check("- id: acme-cert\n  tls: 127.0.0.1:\(port)")
        let o = await ProbeTestSupport.run(check)
        #expect(!o.ok)
        #expect(o.error == "connection refused")
    }

    @Test func silentPortTimesOut() async throws {
        let silent = try ProbeTestSupport.SilentPort()
        let check = try ProbeTestSupport.check("- id: acme-cert\n  tls: 127.0.0.1:\(silent.port)\n  timeout: 1s")
        let o = await ProbeTestSupport.run(check)
        #expect(!o.ok)
        #expect(o.error == "no TLS handshake within 1s")
    }

    /// Checks naming one ca_file share one parsed copy of it (`CAFileCache`) until the file changes.
    @Test func checksNamingOneCAFileShareOneParseUntilItChanges() throws {
        let dir = try ProbeTestSupport.tempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try TestCertificates(serverValidFor: 86_400).writeCA(in: dir)
        func trusted(_ id: String) throws -> [NIOSSLCertificate] {
            let check = try ProbeTestSupport.check("- id: \(id)\n  http: https://localhost/\n  ca_file: \(path)")
            guard case .certificates(let certs)? = (check.kind as? HTTPProbe)?.request.tls?.additionalTrustRoots.first else { return [] }
            return certs
        }
        let a = try trusted("a"), b = try trusted("b")
        #expect(a.count == 1 && b.count == 1)
        #expect(a.first === b.first, "one parse for both checks")
        _ = try TestCertificates(serverValidFor: 86_400).writeCA(in: dir)   // another CA at the same path
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(10)], ofItemAtPath: path)
        let c = try trusted("c")
        #expect(c.count == 1 && c.first != a.first, "a changed file is read again")
    }

    @Test func httpsWithCustomCA() async throws {
        let certs = try TestCertificates(serverValidFor: 90 * 86_400)
        let dir = try ProbeTestSupport.tempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let caPath = try certs.writeCA(in: dir)
        let server = try await ProbeSite(tls: certs.serverContext) { _, _ in .init(body: "<footer>") }
        let trusted = try ProbeTestSupport.check("- id: acme-https\n  http: https://localhost:\(server.port)/\n  ca_file: \(caPath)\n  expect: {contains: \"<footer\"}")
        let untrusted = try ProbeTestSupport.check("- id: acme-https2\n  http: https://localhost:\(server.port)/")
        let a = await ProbeTestSupport.run(trusted)
        let b = await ProbeTestSupport.run(untrusted)
        await server.stop()
        #expect(a.ok && a.status == 200)
        #expect(!b.ok)
        #expect(b.error?.hasPrefix("TLS handshake failed") == true)
    }
}
