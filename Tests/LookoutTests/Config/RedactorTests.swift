import Foundation
import LookoutCore
import Testing

/// A registered secret is masked in every form a server may echo it, and a `${VAR}` in a helpdesk `url` expands.
@Suite struct RedactorTests {
    @Test func everyEncodingOfASecretIsMasked() {
        let secret = "/services/T9REDACT/B9REDACT/tok+en=9REDACT"
        Redactor.shared.register(secret)
        let forms = [secret, secret.replacingOccurrences(of: "/", with: "\\/"),
                     secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!,
                     secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                         .replacingOccurrences(of: "%2F", with: "%2f").replacingOccurrences(of: "%2B", with: "%2b")
                         .replacingOccurrences(of: "%3D", with: "%3d"),
                     Data(secret.utf8).base64EncodedString()]
        for form in forms {
            #expect(Redactor.shared.redact("echo: \(form) end") == "echo: [redacted] end", "\(form)")
        }
    }

    /// A token with `-` and `.`: percent-encoded the strictest way (`%2D`, `%2E`), and inside a longer base64 text
    /// ("Bearer " + token, "u:" + token, "x" + token) at each alignment, no more than its first and last two bytes
    /// stay readable.
    @Test func aTokenIsMaskedInStrictPercentEncodingAndInsideLongerBase64() {
        let token = "xoxb-1111REDACT-2222.tokenREDACTvalue"
        Redactor.shared.register(token)
        let strict = token.addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"))!
        #expect(strict.contains("%2D"))
        #expect(Redactor.shared.redact("echo: \(strict) end") == "echo: [redacted] end")
        #expect(Redactor.shared.redact("echo: \(strict.replacingOccurrences(of: "%2D", with: "%2d").replacingOccurrences(of: "%2E", with: "%2e")) end") == "echo: [redacted] end")
        for prefix in ["Bearer ", "u:", "x", ""] {
            for suffix in ["", "\n", ":tail"] {
                let encoded = Data((prefix + token + suffix).utf8).base64EncodedString()
                let masked = Redactor.shared.redact(encoded)
                #expect(masked.contains("[redacted]"), "\(prefix)…\(suffix): \(masked)")
                // What is left readable decodes to at most the prefix plus two bytes of the token at each end.
                let visible = masked.components(separatedBy: "[redacted]").map(\.count).reduce(0, +)
                #expect(visible <= Data((prefix + suffix).utf8).base64EncodedString().count + 12, "\(prefix)…\(suffix): \(masked)")
            }
        }
    }
}
