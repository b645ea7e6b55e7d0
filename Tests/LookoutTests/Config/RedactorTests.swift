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
}
