import Foundation
import LookoutCore

/// TextMatcher is one `contains` / `not_contains` entry: plain text, matched byte for byte, or a regular expression
/// written between slashes, `/<footer[^>]*>/`, with an optional `i` flag for case-insensitive (`/error/i`).
public struct TextMatcher: @unchecked Sendable {
    /// The entry exactly as written in config, used to name it in `failed`.
    public let written: String
    private let text: [UInt8]?
    // NSRegularExpression is immutable and documented as safe to share between threads.
    private let regex: NSRegularExpression?

    init(_ node: ConfigNode) throws {
        let s = try node.scalarText()
        guard !s.isEmpty else { throw node.error("\(node.path) must not be empty") }
        written = s
        if s.count >= 2, s.hasPrefix("/"), s.hasSuffix("/") || s.hasSuffix("/i"), s.dropFirst().contains("/") {
            let insensitive = s.hasSuffix("/i")
            let pattern = String(s.dropFirst().dropLast(insensitive ? 2 : 1))
            guard !pattern.isEmpty else { throw node.error("\(node.path) has an empty regular expression") }
            do {
                regex = try TextMatcher.compiled(pattern, insensitive: insensitive)
            } catch {
                throw node.error("\(node.path) is not a valid regular expression: \(pattern)")
            }
            text = nil
        } else {
            text = Array(s.utf8)
            regex = nil
        }
    }

    public var isRegex: Bool { regex != nil }

    /// Compiled expressions by pattern: a thousand checks sharing `/Product \d+/` compile it once. Config reloads add
    /// only the patterns they bring; the cache lives as long as the process, like the config's own text.
    private static let cache = RegexCache()

    static func compiled(_ pattern: String, insensitive: Bool) throws -> NSRegularExpression {
        try cache.regex(pattern, insensitive: insensitive)
    }

    /// Whether the body matches; `decoded` is the body as text, built once by the caller only if a regex needs it.
    func matches(_ body: [UInt8], decoded: () -> String) -> Bool {
        if let text { return TextMatcher.find(text, in: body) }
        let s = decoded()
        return regex!.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Bool {
        guard !needle.isEmpty else { return true }
        guard haystack.count >= needle.count else { return false }
        // memchr for the first byte, memcmp for the rest: glibc's memmem is not visible without _GNU_SOURCE.
        return haystack.withUnsafeBytes { h in
            needle.withUnsafeBytes { n in
                let base = h.baseAddress!
                let first = Int32(n[0])
                var offset = 0
                let last = h.count - n.count
                while offset <= last {
                    guard let hit = memchr(base + offset, first, last - offset + 1) else { return false }
                    let at = base.distance(to: UnsafeRawPointer(hit))
                    if memcmp(base + at, n.baseAddress!, n.count) == 0 { return true }
                    offset = at + 1
                }
                return false
            }
        }
    }

    /// One entry or a list of them.
    static func list(_ node: ConfigNode?) throws -> [TextMatcher] {
        try (node?.list() ?? []).map(TextMatcher.init)
    }
}

/// RegexCache shares one compiled NSRegularExpression per (pattern, options) between checks.
final class RegexCache: Sendable {
    private let compiled = Locked<[String: NSRegularExpression]>([:])

    func regex(_ pattern: String, insensitive: Bool) throws -> NSRegularExpression {
        let key = (insensitive ? "i/" : "/") + pattern
        return try compiled.withLock { compiled in
            if let r = compiled[key] { return r }
            let r = try NSRegularExpression(pattern: pattern, options: insensitive ? [.caseInsensitive] : [])
            compiled[key] = r
            return r
        }
    }
}
