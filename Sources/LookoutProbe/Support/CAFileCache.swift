import Foundation
import LookoutCore
import NIOSSL
import X509

/// CAFileCache reads each `ca_file` (a path relative to the config's folder) once per version of the file (path,
/// size and modification time) instead of once per check: an agency's config names one CA file in hundreds of
/// http, health and tls checks, which then share one parsed copy. A changed file is read again at the next load
/// (SIGHUP).
final class CAFileCache: Sendable {
    static let shared = CAFileCache()

    /// One version of a file: its certificates as the HTTP client takes them (http, health), and as
    /// swift-certificates judges a chain with them (tls), made on first use.
    private struct Entry {
        var stamp: String
        var certificates: [NIOSSLCertificate]
        var roots: [Certificate]?
    }
    private let byPath = Locked<[String: Entry]>([:])

    /// The certificates of a `ca_file`: at least one, or a config error. None where the checks do not run (a central
    /// host classifying, routing and reporting need not hold the probes' CA files).
    func certificates(of node: ConfigNode, context: ConfigContext) throws -> [NIOSSLCertificate] {
        guard context.checksRunHere else { _ = try node.string(); return [] }
        return try entry(of: node, context: context).entry.certificates
    }

    /// The certificates of a `ca_file` as trust roots for swift-certificates, and a key naming this version of the
    /// file (its path, size and modification time).
    func roots(of node: ConfigNode, context: ConfigContext) throws -> (roots: [Certificate], key: String) {
        guard context.checksRunHere else { _ = try node.string(); return ([], "") }
        let (path, entry) = try entry(of: node, context: context)
        let key = path + " " + entry.stamp
        if let roots = entry.roots { return (roots, key) }
        let roots: [Certificate]
        do { roots = try entry.certificates.map { try Certificate(derEncoded: $0.toDERBytes()) } } catch {
            throw node.error("cannot read ca_file \(path) as PEM certificates")
        }
        byPath.withLock { if $0[path]?.stamp == entry.stamp { $0[path]?.roots = roots } }
        return (roots, key)
    }

    private func entry(of node: ConfigNode, context: ConfigContext) throws -> (path: String, entry: Entry) {
        var path = try node.string()
        if !path.hasPrefix("/") { path = context.directory + "/" + path }
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        let stamp = "\(attributes?[.size] ?? "-") \(modified)"
        if let cached = byPath.withLock({ $0[path] }), cached.stamp == stamp { return (path, cached) }
        let certificates: [NIOSSLCertificate]
        do { certificates = try NIOSSLCertificate.fromPEMFile(path) } catch {
            throw node.error("cannot read ca_file \(path) as PEM certificates")
        }
        guard !certificates.isEmpty else { throw node.error("ca_file \(path) holds no certificate") }
        let entry = Entry(stamp: stamp, certificates: certificates)
        byPath.withLock { $0[path] = entry }
        return (path, entry)
    }
}
