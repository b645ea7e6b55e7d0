import Foundation
@testable import LookoutCore
@testable import LookoutProbe
import LookoutTesting
import NIOSSL
import Testing
import X509

/// The chain a tls check was sent, parsed and judged once and shared (`ServerChains`): what it names, and that a
/// verdict kept for later runs holds only while it would be given again.
@Suite struct ServerChainTests {
    let now = Date()
    let ca: TestCertificateAuthority

    init() throws { ca = try TestCertificateAuthority(validFrom: now - 365 * 86_400, until: now + 365 * 86_400) }

    /// The DER of a certificate `ca` issues for these names and addresses, valid for 90 days.
    func der(names: [String], addresses: [[UInt8]] = []) throws -> [UInt8] {
        let issued = try ca.issue(names: names, addresses: addresses, validFrom: now - 3600, until: now + 90 * 86_400)
        return try NIOSSLCertificate(bytes: Array(issued.certificatePEM.utf8), format: .pem).toDERBytes()
    }

    func caRoots() throws -> [Certificate] {
        try NIOSSLCertificate.fromPEMBytes(Array(ca.caPEM.utf8)).map { try Certificate(derEncoded: $0.toDERBytes()) }
    }

    @Test(arguments: [
        ("acme.example", true), ("ACME.example", true), ("www.shop.example", true), ("shop.example", false),
        ("a.b.shop.example", false), ("127.0.0.1", true), ("127.0.0.2", false), ("::1", true), ("::2", false),
        ("other.example", false),
    ])
    func namesTheHostsItCarries(host: String, named: Bool) throws {
        let der = try der(names: ["acme.example", "*.shop.example"],
                               addresses: [[127, 0, 0, 1], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]])
        let chain = try #require(ServerChain(der: [der]))
        #expect(chain.names(host) == named)
    }

    @Test func aKeptVerdictHoldsOnlyWhileEveryCertificateOnThePathIsValid() async throws {
        let chain = try #require(ServerChain(der: [try der(names: ["acme.example"])]))
        let roots = try caRoots()
        #expect(await chain.chainFailure(extraRoots: roots, at: now) == nil)
        // Kept from the first verdict: the same answer without judging again.
        #expect(await chain.chainFailure(extraRoots: roots, at: now + 86_400) == nil)
        // Past the CA's end the path is no longer valid: judged again, and refused.
        #expect(await chain.chainFailure(extraRoots: roots, at: now + 400 * 86_400) != nil)
    }

    @Test func chainsAreSharedPerRootsAndBounded() throws {
        let chains = ServerChains(limit: 2)
        let a = try der(names: ["a.example"]), b = try der(names: ["b.example"])
        let c = try der(names: ["c.example"])
        let first = try #require(chains.chain(der: [a], roots: "ca.pem 1"))
        #expect(chains.chain(der: [a], roots: "ca.pem 1") === first, "one parse for the same chain and roots")
        #expect(chains.chain(der: [a], roots: "") !== first, "judged apart against other roots")
        _ = chains.chain(der: [b], roots: "")
        _ = chains.chain(der: [c], roots: "")
        #expect(chains.count <= 2)
        #expect(chains.chain(der: [[0x30, 0x03, 0x02, 0x01, 0x01]], roots: "") == nil, "no readable leaf")
    }

    /// Two checks of one server, one trusting its CA and one not: the verdict kept for one is not the other's.
    @Test func aChainTrustedThroughOneCAFileIsNotTrustedWithoutIt() async throws {
        let certs = try TestCertificates(serverValidFor: 90 * 86_400)
        let trusted = try await TLSProbeTests.probe(certs)
        let untrusted = try await TLSProbeTests.probe(certs, withCA: false)
        #expect(trusted.ok)
        #expect(!untrusted.ok && untrusted.failed == ["chain"])
    }
}
