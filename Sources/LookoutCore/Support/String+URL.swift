import Foundation

extension String {
    /// Without `suffix` at the end, if it was there (a base URL's trailing slash).
    package func trimmingSuffix(_ suffix: String) -> String { hasSuffix(suffix) ? String(dropLast(suffix.count)) : self }

    /// Percent-encoded for a URL query value: only RFC 3986 unreserved ASCII characters stay as they are.
    package var queryValueEncoded: String {
        addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")) ?? self
    }
}
