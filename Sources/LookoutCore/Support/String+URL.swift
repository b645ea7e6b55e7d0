import Foundation

extension String {
    /// Without `suffix` at the end, if it was there (a base URL's trailing slash).
    package func trimmingSuffix(_ suffix: String) -> String { hasSuffix(suffix) ? String(dropLast(suffix.count)) : self }

    /// Percent-encoded for a URL query value: only RFC 3986 unreserved ASCII characters stay as they are.
    /// `%2F` written as `%2f`: both are valid, and a server may echo either.
    package var lowercasedPercentEscapes: String {
        var out = ""
        var rest = Substring(self)
        while let p = rest.firstIndex(of: "%"), rest.distance(from: p, to: rest.endIndex) >= 3 {
            let end = rest.index(p, offsetBy: 3)
            out += rest[..<p] + rest[p..<end].lowercased()
            rest = rest[end...]
        }
        return out + rest
    }

    package var queryValueEncoded: String {
        addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")) ?? self
    }
}

extension String {
    /// Why this text is not an http(s) URL the HTTP client can be handed safely, or nil when it is: it must parse,
    /// have an http or https scheme and a host, and any port must be 1...65535 (a larger port traps inside the
    /// client, so every URL is checked at load and again just before it is sent).
    package var httpURLProblem: String? {
        guard let parts = URLComponents(string: self) else { return "is not a valid URL" }
        guard let scheme = parts.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            return "must be an http:// or https:// URL"
        }
        guard let host = parts.host, !host.isEmpty else { return "has no host" }
        if let port = parts.port, !(1...65535).contains(port) { return "has port \(port), outside 1...65535" }
        // A port too long for Int makes URLComponents drop it silently: look at the authority's text itself.
        if let whole = dropFirst(scheme.count + 3).split(whereSeparator: { "/?#".contains($0) }).first,
           case let authority = whole.split(separator: "@").last ?? whole,
           let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            let digits = authority[authority.index(after: colon)...]
            if !digits.isEmpty, Int(digits).map({ !(1...65535).contains($0) }) ?? true {
                return "has port \(digits), outside 1...65535"
            }
        }
        return nil
    }
}
