import Foundation

/// Redactor replaces every known secret value with `[redacted]` in text bound for logs, errors and output lines.
///
/// Secrets register themselves when the config resolves them, so nothing that prints has to know which values
/// are secret. URLs of webhooks are secrets whole: their path is the credential.
public final class Redactor: Sendable {
    public static let shared = Redactor()
    public static let mask = "[redacted]"

    private let secrets = Locked<[String]>([])

    public func register(_ secret: String) {
        // Very short values would blank out ordinary words; config validation refuses them as secrets anyway.
        guard secret.count >= 4 else { return }
        secrets.withLock { secrets in
            if !secrets.contains(secret) {
                secrets.append(secret)
                secrets.sort { $0.count > $1.count }  // longest first, so a secret containing another is masked whole
            }
        }
    }

    public func redact(_ text: String) -> String {
        let current = secrets.value
        guard !current.isEmpty else { return text }
        var out = text
        for s in current where out.contains(s) { out = out.replacingOccurrences(of: s, with: Redactor.mask) }
        return out
    }
}
