import Foundation

/// JSONKind is the type of a JSON value found by `JSONScanner`.
public enum JSONKind: UInt8, Sendable, Equatable {
    case object, array, string, number, bool, null
}

/// JSONField locates one top-level member of a scanned object: byte offsets into the scanned line.
public struct JSONField: Sendable, Equatable {
    /// First byte of the key inside its quotes, and the offset of its closing quote.
    public var keyStart: Int, keyEnd: Int
    /// Offset of the opening quote of the key: where the member's text begins.
    public var memberStart: Int { keyStart - 1 }
    public var valueStart: Int, valueEnd: Int
    public var kind: JSONKind
    /// True when the key or string value holds backslash escapes and must be unescaped to be read.
    public var keyEscaped: Bool, valueEscaped: Bool
}

/// JSONSyntaxError says where and why a line is not the JSON the contract allows.
public struct JSONSyntaxError: Error, Sendable, CustomStringConvertible {
    public var offset: Int
    public var message: String
    public var description: String { "\(message) at byte \(offset + 1)" }
}

/// JSONScanner validates one JSON object line completely (grammar, UTF-8, escapes, nesting depth) and records where
/// each top-level member is, without building any values.
///
/// This is the hot path of every stage: a stage reads only the few fields it needs from the byte ranges and copies
/// the others through untouched, which is what keeps unknown fields unchanged and makes replays fast.
public struct JSONScanner {
    public static let maxDepth = 128

    private let p: UnsafePointer<UInt8>
    private let n: Int
    private var i = 0

    private init(_ p: UnsafePointer<UInt8>, _ n: Int) { self.p = p; self.n = n }

    /// Scans `bytes`, which must hold exactly one JSON object (surrounding whitespace allowed), into `fields`.
    /// Duplicate top-level keys are refused: which one a reader would pick is not defined.
    public static func scanObject(_ bytes: UnsafeBufferPointer<UInt8>, into fields: inout [JSONField]) throws(JSONSyntaxError) {
        fields.removeAll(keepingCapacity: true)
        guard let base = bytes.baseAddress, bytes.count > 0 else { throw JSONSyntaxError(offset: 0, message: "empty line") }
        var s = JSONScanner(base, bytes.count)
        s.skipWhitespace()
        guard s.i < s.n, s.p[s.i] == UInt8(ascii: "{") else {
            throw s.error(s.i < s.n ? "expected a JSON object" : "empty line")
        }
        s.i += 1
        s.skipWhitespace()
        // Keys seen so far, by length and first byte: a new key is compared with the others only when one of them
        // might equal it (or escapes are involved), instead of with every earlier key of every line.
        var seen: UInt64 = 0
        var anyEscaped = false
        if s.i < s.n, s.p[s.i] == UInt8(ascii: "}") {
            s.i += 1
        } else {
            while true {
                guard s.i < s.n, s.p[s.i] == UInt8(ascii: "\"") else { throw s.error("expected a quoted key") }
                let keyStart = s.i + 1
                let keyEscaped = try s.scanString()
                let keyEnd = s.i - 1
                s.skipWhitespace()
                guard s.i < s.n, s.p[s.i] == UInt8(ascii: ":") else { throw s.error("expected ':' after key") }
                s.i += 1
                s.skipWhitespace()
                let valueStart = s.i
                let (kind, valueEscaped) = try s.scanValue(depth: 1)
                let field = JSONField(keyStart: keyStart, keyEnd: keyEnd, valueStart: valueStart, valueEnd: s.i,
                                      kind: kind, keyEscaped: keyEscaped, valueEscaped: valueEscaped)
                let length = keyEnd - keyStart
                let bit: UInt64 = 1 << UInt64((length &* 7 &+ (length > 0 ? Int(s.p[keyStart]) : 0)) & 63)
                if keyEscaped || anyEscaped || seen & bit != 0 {
                    for other in fields where s.sameKey(other, field) {
                        throw JSONSyntaxError(offset: keyStart - 1, message: "duplicate key")
                    }
                }
                seen |= bit
                anyEscaped = anyEscaped || keyEscaped
                fields.append(field)
                s.skipWhitespace()
                guard s.i < s.n else { throw s.error("unterminated object") }
                if s.p[s.i] == UInt8(ascii: ",") {
                    s.i += 1
                    s.skipWhitespace()
                    continue
                }
                guard s.p[s.i] == UInt8(ascii: "}") else { throw s.error("expected ',' or '}'") }
                s.i += 1
                break
            }
        }
        s.skipWhitespace()
        guard s.i == s.n else { throw s.error("unexpected data after the object") }
    }

    /// Validates any single JSON value filling `bytes` and returns its kind.
    public static func validateValue(_ bytes: UnsafeBufferPointer<UInt8>) throws(JSONSyntaxError) -> JSONKind {
        guard let base = bytes.baseAddress, bytes.count > 0 else { throw JSONSyntaxError(offset: 0, message: "empty value") }
        var s = JSONScanner(base, bytes.count)
        s.skipWhitespace()
        let (kind, _) = try s.scanValue(depth: 0)
        s.skipWhitespace()
        guard s.i == s.n else { throw s.error("unexpected data after the value") }
        return kind
    }

    private func error(_ message: String) -> JSONSyntaxError { JSONSyntaxError(offset: i, message: message) }

    private func sameKey(_ a: JSONField, _ b: JSONField) -> Bool {
        if a.keyEscaped || b.keyEscaped {
            return JSONText.unescape(p, a.keyStart, a.keyEnd) == JSONText.unescape(p, b.keyStart, b.keyEnd)
        }
        let len = a.keyEnd - a.keyStart
        return len == b.keyEnd - b.keyStart && memcmp(p + a.keyStart, p + b.keyStart, len) == 0
    }

    @inline(__always) private mutating func skipWhitespace() {
        while i < n {
            let c = p[i]
            guard c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { return }
            i += 1
        }
    }

    private mutating func scanValue(depth: Int) throws(JSONSyntaxError) -> (JSONKind, Bool) {
        guard i < n else { throw error("expected a value") }
        switch p[i] {
        case UInt8(ascii: "\""): return (.string, try scanString())
        case UInt8(ascii: "{"): try scanContainer(close: UInt8(ascii: "}"), object: true, depth: depth + 1); return (.object, false)
        case UInt8(ascii: "["): try scanContainer(close: UInt8(ascii: "]"), object: false, depth: depth + 1); return (.array, false)
        case UInt8(ascii: "t"): try literal("true"); return (.bool, false)
        case UInt8(ascii: "f"): try literal("false"); return (.bool, false)
        case UInt8(ascii: "n"): try literal("null"); return (.null, false)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try scanNumber(); return (.number, false)
        default: throw error("unexpected character")
        }
    }

    private mutating func literal(_ word: StaticString) throws(JSONSyntaxError) {
        let len = word.utf8CodeUnitCount
        guard n - i >= len, memcmp(p + i, word.utf8Start, len) == 0 else { throw error("invalid literal") }
        i += len
    }

    private mutating func scanContainer(close: UInt8, object: Bool, depth: Int) throws(JSONSyntaxError) {
        guard depth <= JSONScanner.maxDepth else { throw error("nesting deeper than \(JSONScanner.maxDepth)") }
        i += 1
        skipWhitespace()
        if i < n, p[i] == close { i += 1; return }
        while true {
            if object {
                guard i < n, p[i] == UInt8(ascii: "\"") else { throw error("expected a quoted key") }
                _ = try scanString()
                skipWhitespace()
                guard i < n, p[i] == UInt8(ascii: ":") else { throw error("expected ':' after key") }
                i += 1
                skipWhitespace()
            }
            _ = try scanValue(depth: depth)
            skipWhitespace()
            guard i < n else { throw error(object ? "unterminated object" : "unterminated array") }
            if p[i] == UInt8(ascii: ",") { i += 1; skipWhitespace(); continue }
            guard p[i] == close else { throw error(object ? "expected ',' or '}'" : "expected ',' or ']'") }
            i += 1
            return
        }
    }

    private mutating func scanNumber() throws(JSONSyntaxError) {
        if p[i] == UInt8(ascii: "-") { i += 1 }
        guard i < n, isDigit(p[i]) else { throw error("invalid number") }
        if p[i] == UInt8(ascii: "0") { i += 1 } else { while i < n, isDigit(p[i]) { i += 1 } }
        if i < n, p[i] == UInt8(ascii: ".") {
            i += 1
            guard i < n, isDigit(p[i]) else { throw error("invalid number") }
            while i < n, isDigit(p[i]) { i += 1 }
        }
        if i < n, p[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            if i < n, p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-") { i += 1 }
            guard i < n, isDigit(p[i]) else { throw error("invalid number") }
            while i < n, isDigit(p[i]) { i += 1 }
        }
    }

    @inline(__always) private func isDigit(_ c: UInt8) -> Bool { c &- 48 < 10 }

    /// Scans a string starting at its opening quote; leaves `i` after the closing quote. Returns whether it had escapes.
    private mutating func scanString() throws(JSONSyntaxError) -> Bool {
        i += 1
        var escaped = false
        while i < n {
            let c = p[i]
            if c == UInt8(ascii: "\"") { i += 1; return escaped }
            if c == UInt8(ascii: "\\") {
                escaped = true
                try scanEscape()
            } else if c < 0x20 {
                throw error("control character in string")
            } else if c < 0x80 {
                i += 1
            } else {
                try scanUTF8Sequence()
            }
        }
        throw error("unterminated string")
    }

    private mutating func scanEscape() throws(JSONSyntaxError) {
        guard i + 1 < n else { throw error("unterminated escape") }
        switch p[i + 1] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
             UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            i += 2
        case UInt8(ascii: "u"):
            let unit = try hex4(at: i + 2)
            i += 6
            if unit >= 0xD800 && unit < 0xDC00 {
                // A high surrogate must be followed by an escaped low one, as every strict decoder requires.
                guard i + 1 < n, p[i] == UInt8(ascii: "\\"), p[i + 1] == UInt8(ascii: "u") else {
                    throw error("unpaired surrogate escape")
                }
                let low = try hex4(at: i + 2)
                guard low >= 0xDC00 && low < 0xE000 else { throw error("unpaired surrogate escape") }
                i += 6
            } else if unit >= 0xDC00 && unit < 0xE000 {
                throw error("unpaired surrogate escape")
            }
        default:
            throw error("invalid escape")
        }
    }

    private func hex4(at start: Int) throws(JSONSyntaxError) -> UInt32 {
        guard start + 4 <= n else { throw error("invalid \\u escape") }
        var v: UInt32 = 0
        for k in start..<(start + 4) {
            guard let d = JSONText.hexValue(p[k]) else { throw JSONSyntaxError(offset: k, message: "invalid \\u escape") }
            v = v << 4 | d
        }
        return v
    }

    /// Well-formed UTF-8 per the Unicode standard's table 3-7: no overlongs, no surrogates, nothing past U+10FFFF.
    private mutating func scanUTF8Sequence() throws(JSONSyntaxError) {
        let c = p[i]
        @inline(__always) func cont(_ k: Int, _ lo: UInt8 = 0x80, _ hi: UInt8 = 0xBF) -> Bool {
            i + k < n && p[i + k] >= lo && p[i + k] <= hi
        }
        switch c {
        case 0xC2...0xDF: guard cont(1) else { break }; i += 2; return
        case 0xE0: guard cont(1, 0xA0), cont(2) else { break }; i += 3; return
        case 0xE1...0xEC, 0xEE, 0xEF: guard cont(1), cont(2) else { break }; i += 3; return
        case 0xED: guard cont(1, 0x80, 0x9F), cont(2) else { break }; i += 3; return
        case 0xF0: guard cont(1, 0x90), cont(2), cont(3) else { break }; i += 4; return
        case 0xF1...0xF3: guard cont(1), cont(2), cont(3) else { break }; i += 4; return
        case 0xF4: guard cont(1, 0x80, 0x8F), cont(2), cont(3) else { break }; i += 4; return
        default: break
        }
        throw error("invalid UTF-8")
    }
}
