/// Secret holds a credential resolved at load (a webhook URL, an API token). Printing it shows only where it came
/// from; the value itself is registered with the `Redactor`, so it is masked wherever it might still be printed.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    public let value: String
    public let source: String

    public init(_ value: String, source: String) {
        self.value = value
        self.source = source
        Redactor.shared.register(value)
    }

    public var description: String { "[secret from \(source)]" }
    public var debugDescription: String { description }

    /// The variable name in a whole-value `${NAME}` reference, or nil.
    static func environmentReference(_ text: String) -> String? {
        guard text.hasPrefix("${"), text.hasSuffix("}"), text.count > 3 else { return nil }
        let name = text.dropFirst(2).dropLast()
        guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { return nil }
        return String(name)
    }

    /// Replaces every `${NAME}` in `text` from the environment (for header values such as `Bearer ${TOKEN}`);
    /// each substituted value is registered as a secret, and so is the whole result: a server echoing the header
    /// back base64-encoded encodes `Bearer TOKEN` as one, which no encoding of the token alone matches.
    package static func interpolate(_ text: String, environment: [String: String], at node: ConfigNode) throws -> String {
        var out = ""
        var substituted = false
        var rest = Substring(text)
        while let open = rest.range(of: "${") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else { break }
            let name = String(rest[open.upperBound..<close])
            guard let value = environment[name] else { throw node.error("environment variable \(name) is not set") }
            Redactor.shared.register(value)
            out += value
            substituted = true
            rest = rest[rest.index(after: close)...]
        }
        if substituted { Redactor.shared.register(out + rest) }
        return out + rest
    }
}
