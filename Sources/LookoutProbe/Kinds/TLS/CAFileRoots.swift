import Foundation
import LookoutCore
import X509

/// The roots of each `ca_file`, read and parsed once per version of the file (path, size and modification time)
/// instead of once per check: an agency's config names one CA file in hundreds of checks, which then share one
/// parsed copy. A changed file is read again at the next load (SIGHUP).
final class CAFileRoots: Sendable {
    static let shared = CAFileRoots()
    private let byPath = Locked<[String: (stamp: String, roots: [Certificate])]>([:])

    func roots(of node: ConfigNode, context: ConfigContext) throws -> [Certificate] {
        var path = try node.string()
        if !path.hasPrefix("/") { path = context.directory + "/" + path }
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        let stamp = "\(attributes?[.size] ?? "-") \(modified)"
        if let cached = byPath.withLock({ $0[path] }), cached.stamp == stamp { return cached.roots }
        let roots = try HTTPRequestSpec.caCertificates(node, context: context) { try Certificate(derEncoded: $0.toDERBytes()) }
        byPath.withLock { $0[path] = (stamp, roots) }
        return roots
    }
}
