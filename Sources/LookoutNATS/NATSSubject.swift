/// NATSSubject answers which subjects a NATS subject pattern (`*` one token, `>` one or more at the end) takes in:
/// the leaf topology refuses a read or a publish that its streams could never carry, instead of waiting forever.
public enum NATSSubject {
    /// True when every subject `filter` matches is also matched by `pattern` (`lookout.results.lon` and
    /// `lookout.results.>` are within `lookout.results.>`; `lookout.>` is not).
    public static func isWithin(_ filter: String, _ pattern: String) -> Bool {
        let f = filter.split(separator: ".", omittingEmptySubsequences: false)
        let p = pattern.split(separator: ".", omittingEmptySubsequences: false)
        for (i, token) in p.enumerated() {
            guard i < f.count else { return false }
            if token == ">" { return true }
            if f[i] == ">" { return false }
            if token == "*" { continue }
            if f[i] != token { return false }
        }
        return f.count == p.count
    }

    /// True when `filter` is within one of `patterns`.
    public static func isWithin(_ filter: String, anyOf patterns: [String]) -> Bool {
        patterns.contains { isWithin(filter, $0) }
    }
}
