import Yams

/// YAMLPlainTag resolves the tag of a plain (unquoted, untagged) YAML scalar exactly as Yams' default resolver does,
/// without running its seven regular expressions on every scalar.
///
/// Yams resolves tags with NSRegularExpression, which made tag resolution (and the duplicate-key check that hashes
/// every key by its resolved tag) most of the time spent loading a 1,000-check config. Most scalars cannot match any
/// rule (ids, URLs, `30s`), and a few shapes are decided exactly here; anything else still goes to Yams' own rules,
/// so the result is the same for every string (the tests compare both on a table and on random strings).
enum YAMLPlainTag {
    static func resolve(_ s: String) -> Tag.Name {
        quick(s) ?? Resolver.default.resolveTag(of: Node.scalar(Node.Scalar(s)))
    }

    /// Yams' own answer, for the tests that check `resolve` against it.
    static func reference(_ s: String) -> String { Resolver.default.resolveTag(of: Node.scalar(Node.Scalar(s))).rawValue }

    /// The tag when it can be decided without the regular expressions, nil when they are needed.
    static func quick(_ s: String) -> Tag.Name? {
        let u = s.utf8
        // Only printable ASCII: the rules' `$` also matches before a final line terminator, which is left to them.
        guard let first = u.first, u.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else { return nil }
        switch first {
        case UInt8(ascii: "y"), UInt8(ascii: "Y"), UInt8(ascii: "n"), UInt8(ascii: "N"), UInt8(ascii: "t"),
             UInt8(ascii: "T"), UInt8(ascii: "f"), UInt8(ascii: "F"), UInt8(ascii: "o"), UInt8(ascii: "O"):
            // A letter can only start the bool and null rules, which are lists of words.
            if boolWords.contains(s) { return .bool }
            if nullWords.contains(s) { return .null }
            return .str
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            if u.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
                // `0` and digits without a leading zero are the int rule's decimal form; `0123`-like strings are
                // octal or float depending on their digits: left to the rules.
                if first != UInt8(ascii: "0") || u.count == 1 { return .int }
                return nil
            }
            // Numbers and timestamps hold only these; anything else (`30s`, `1h30m`, `5xx`) matches no rule.
            if u.contains(where: { !numberish($0) }) { return .str }
            return nil
        case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "<"), UInt8(ascii: "~"),
             UInt8(ascii: "="):
            return nil
        default:
            // No rule's pattern can start with any other character.
            return .str
        }
    }

    private static let boolWords: Set<String> = [
        "yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE",
        "on", "On", "ON", "off", "Off", "OFF",
    ]
    private static let nullWords: Set<String> = ["null", "Null", "NULL"]

    /// Every character the int, float and timestamp rules can hold after a leading digit.
    private static func numberish(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"),
             UInt8(ascii: "A")...UInt8(ascii: "F"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: ":"),
             UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "x"), UInt8(ascii: "o"), UInt8(ascii: "b"),
             UInt8(ascii: "t"), UInt8(ascii: "T"), UInt8(ascii: "Z"), UInt8(ascii: " "), UInt8(ascii: "\t"):
            true
        default:
            false
        }
    }
}
