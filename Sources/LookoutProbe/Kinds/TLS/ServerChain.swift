import Foundation
import LookoutCore
@_spi(FixedExpiryValidationTime) import X509

/// ServerChain is what a tls check needs from the certificates a server presented: the leaf's dates, names and
/// subject, and the chain judged against the trust roots. Parsed and judged once per chain (see `ServerChains`).
final class ServerChain: Sendable {
    let leaf: Certificate
    let intermediates: [Certificate]
    let subject: String
    let issuer: String
    /// The names the leaf carries: DNS names lowercased, IP addresses as their bytes.
    let dnsNames: [String]
    let ipAddresses: [[UInt8]]
    /// The times at which the chain was found to lead to a trusted root: any moment within holds the same verdict,
    /// since apart from each certificate's validity the RFC 5280 policy does not depend on time.
    private let trustedDuring = Locked<ClosedRange<Date>?>(nil)

    init?(der: [[UInt8]]) {
        guard let leafBytes = der.first, let leaf = try? Certificate(derEncoded: leafBytes) else { return nil }
        self.leaf = leaf
        intermediates = der.dropFirst().compactMap { try? Certificate(derEncoded: $0) }
        subject = leaf.subject.description
        issuer = leaf.issuer.description
        var dns: [String] = [], ips: [[UInt8]] = []
        let alternativeNames: SubjectAlternativeNames? = try? leaf.extensions.subjectAlternativeNames
        for name in alternativeNames.map(Array.init) ?? [] {
            switch name {
            case .dnsName(let pattern): dns.append(pattern.lowercased())
            case .ipAddress(let bytes): ips.append(Array(bytes.bytes))
            default: continue
            }
        }
        dnsNames = dns
        ipAddresses = ips
    }

    /// RFC 6125 matching against the subject alternative names (a leading `*.` covers one label); an IP target
    /// matches an IP entry.
    func names(_ host: String) -> Bool {
        var v4 = in_addr(), v6 = in6_addr()
        if inet_pton(AF_INET, host, &v4) == 1 {
            let bytes = withUnsafeBytes(of: &v4) { Array($0) }
            return ipAddresses.contains(bytes)
        }
        if inet_pton(AF_INET6, host, &v6) == 1 {
            let bytes = withUnsafeBytes(of: &v6) { Array($0) }
            return ipAddresses.contains(bytes)
        }
        let host = host.lowercased()
        for pattern in dnsNames {
            if pattern == host { return true }
            if pattern.hasPrefix("*."), let dot = host.firstIndex(of: "."), host[dot...] == pattern.dropFirst(),
               host[..<dot].count > 0 {
                return true
            }
        }
        return false
    }

    /// Why the chain does not lead to a trusted root (the system's, plus `extraRoots`) at `time`, or nil when it does.
    func chainFailure(extraRoots: [Certificate], at time: Date) async -> String? {
        if let trusted = trustedDuring.value, trusted.contains(time) { return nil }
        let roots = CertificateStore.systemTrustRoots.appending(contentsOf: extraRoots)
        var verifier = Verifier(rootCertificates: roots) { RFC5280Policy(fixedExpiryValidationTime: time) }
        switch await verifier.validate(leaf: leaf, intermediates: CertificateStore(intermediates)) {
        case .validCertificate(let path):
            let from = path.map(\.notValidBefore).max() ?? time, until = path.map(\.notValidAfter).min() ?? time
            if from <= time, time <= until { trustedDuring.withLock { $0 = from...until } }
            return nil
        case .couldNotValidate(let failures):
            if failures.isEmpty { return "the chain does not lead to a trusted root (issuer \(leaf.issuer))" }
            return "untrusted chain: \(HTTPRequestSpec.oneLine(String(describing: failures[0].policyFailureReason)))"
        }
    }
}

/// ServerChains keeps the chains tls checks were sent, by their bytes and the roots they are judged against: a
/// server presents the same certificates run after run until they are renewed, and parsing and judging them again
/// each time was about a tenth of a tls check's CPU (bench/RESULTS.md, issue 15). At most `limit` chains are kept;
/// past that the oldest half is dropped.
final class ServerChains: Sendable {
    static let shared = ServerChains(limit: 2_048)

    struct Key: Hashable {
        let der: [[UInt8]]
        /// Which extra roots (`ca_file`) the chain is judged against.
        let roots: String
    }
    private struct State {
        var chains: [Key: ServerChain] = [:]
        var order: [Key] = []
    }
    private let state = Locked(State())
    let limit: Int

    init(limit: Int) { self.limit = max(1, limit) }

    var count: Int { state.withLock { $0.chains.count } }

    /// The chain for these bytes, parsed on first sight; nil when the leaf cannot be read.
    func chain(der: [[UInt8]], roots: String) -> ServerChain? {
        let key = Key(der: der, roots: roots)
        if let known = state.withLock({ $0.chains[key] }) { return known }
        guard let parsed = ServerChain(der: der) else { return nil }
        return state.withLock { state in
            if let raced = state.chains[key] { return raced }
            if state.chains.count >= limit {
                let dropped = state.order.prefix(max(1, limit / 2))
                for old in dropped { state.chains[old] = nil }
                state.order.removeFirst(dropped.count)
            }
            state.chains[key] = parsed
            state.order.append(key)
            return parsed
        }
    }
}
