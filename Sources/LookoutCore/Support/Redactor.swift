import Foundation

/// Redactor replaces every known secret value with `[redacted]` in text bound for logs, errors and output lines.
///
/// Secrets register themselves when the config resolves them, so nothing that prints has to know which values
/// are secret. URLs of webhooks are secrets whole: their path is the credential.
public final class Redactor: Sendable {
    public static let shared = Redactor()
    public static let mask = "[redacted]"

    private let secrets = Locked<[String]>([])

    /// Registers `secret` in every form a server, a proxy or our own JSON may echo it: raw, percent-encoded, JSON-
    /// escaped (also with `\/` for `/`, as PHP and others write) and base64 (a Basic credential echoed back).
    public func register(_ secret: String) {
        // Very short values would blank out ordinary words; config validation refuses them as secrets anyway.
        guard secret.count >= 4 else { return }
        let forms = Redactor.encodings(of: secret)
        secrets.withLock { secrets in
            var added = false
            for form in forms where form.count >= 4 && !secrets.contains(form) {
                secrets.append(form)
                added = true
            }
            if added { secrets.sort { $0.count > $1.count } }  // longest first, so a secret containing another is masked whole
        }
    }

    /// The forms of `secret` a reply may carry it in.
    static func encodings(of secret: String) -> [String] {
        var forms = [secret]
        var quoted: [UInt8] = []
        JSONText.appendQuoted(secret, to: &quoted)
        let json = String(decoding: quoted.dropFirst().dropLast(), as: UTF8.self)
        forms += [json, json.replacingOccurrences(of: "/", with: "\\/")]
        forms.append(secret.queryValueEncoded)
        forms.append(secret.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? secret)
        forms.append(secret.queryValueEncoded.lowercasedPercentEscapes)
        // The strictest percent-encoding (everything but letters and digits, `-` as `%2D`), as some servers echo.
        let strict = secret.addingPercentEncoding(withAllowedCharacters: Redactor.lettersAndDigits) ?? secret
        forms += [strict, strict.lowercasedPercentEscapes]
        let base64 = Data(secret.utf8).base64EncodedString()
        let unpadded = String(base64.reversed().drop { $0 == "=" }.reversed())
        forms += [base64, unpadded]
        forms += base64Cores(of: secret)
        forms += forms.suffix(from: forms.firstIndex(of: base64)!).map {
            $0.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        }
        var unique: [String] = []
        for f in forms where !unique.contains(f) { unique.append(f) }
        return unique
    }

    private static let lettersAndDigits = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")

    /// The base64 of `secret` inside a longer encoded text ("Bearer " + token, "user:" + password, a whole echoed
    /// header): at each of the three alignments, the characters that depend on the secret's bytes alone. The few
    /// bytes at either end that share a character with their neighbours stay visible, which gives nothing away.
    static func base64Cores(of secret: String) -> [String] {
        let bytes = Array(secret.utf8)
        return (0..<3).compactMap { offset in
            var encoded = Substring((Data(count: offset) + Data(bytes)).base64EncodedString())
            if offset > 0 { encoded = encoded.dropFirst(4) }
            if (offset + bytes.count) % 3 != 0 { encoded = encoded.dropLast(4) }
            // Under 8 characters (6 bytes) a form would mask ordinary text.
            return encoded.count >= 8 ? String(encoded) : nil
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
