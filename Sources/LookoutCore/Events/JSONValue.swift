import Foundation

/// JSONValue is a decoded JSON value that keeps object member order, so what a stage re-encodes reads as it came.
public indirect enum JSONValue: Hashable, Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([JSONMember])

    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.last(where: { $0.key == key })?.value
    }

    public var stringValue: String? { if case .string(let s) = self { s } else { nil } }
    public var boolValue: Bool? { if case .bool(let b) = self { b } else { nil } }
    public var doubleValue: Double? {
        switch self {
        case .int(let i): Double(i)
        case .double(let d): d
        default: nil
        }
    }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { a } else { nil } }

    /// Parses a complete JSON value (validated by `JSONScanner` first).
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> JSONValue? {
        guard (try? JSONScanner.validateValue(bytes)) != nil, let base = bytes.baseAddress else { return nil }
        var parser = Parser(p: base, n: bytes.count)
        return parser.value()
    }

    public static func parse(_ text: String) -> JSONValue? {
        var text = text
        return text.withUTF8 { parse($0) }
    }

    /// Compact JSON text with object members in their stored order.
    public func append(to out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let i): out.append(contentsOf: String(i).utf8)
        case .double(let d):
            if d.isFinite { out.append(contentsOf: (d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : "\(d)").utf8) }
            else { out.append(contentsOf: "null".utf8) }
        case .string(let s): JSONText.appendQuoted(s, to: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (k, item) in items.enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                item.append(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (k, m) in members.enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                JSONText.appendQuoted(m.key, to: &out)
                out.append(UInt8(ascii: ":"))
                m.value.append(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    public var jsonText: String {
        var out: [UInt8] = []
        append(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// A recursive-descent reader over text the scanner already validated, so it need not re-check the grammar.
    private struct Parser {
        let p: UnsafePointer<UInt8>
        let n: Int
        var i = 0

        mutating func ws() { while i < n, p[i] == 0x20 || p[i] == 0x0A || p[i] == 0x0D || p[i] == 0x09 { i += 1 } }

        mutating func value() -> JSONValue {
            ws()
            switch p[i] {
            case UInt8(ascii: "{"):
                i += 1
                var members: [JSONMember] = []
                ws()
                if p[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
                while true {
                    ws()
                    let key = string()
                    ws(); i += 1  // ':'
                    members.append(JSONMember(key: key, value: value()))
                    ws()
                    if p[i] == UInt8(ascii: ",") { i += 1; continue }
                    i += 1
                    return .object(members)
                }
            case UInt8(ascii: "["):
                i += 1
                var items: [JSONValue] = []
                ws()
                if p[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                while true {
                    items.append(value())
                    ws()
                    if p[i] == UInt8(ascii: ",") { i += 1; continue }
                    i += 1
                    return .array(items)
                }
            case UInt8(ascii: "\""): return .string(string())
            case UInt8(ascii: "t"): i += 4; return .bool(true)
            case UInt8(ascii: "f"): i += 5; return .bool(false)
            case UInt8(ascii: "n"): i += 4; return .null
            default:
                let start = i
                var integral = true
                while i < n, let c = Optional(p[i]), c == UInt8(ascii: "-") || c == UInt8(ascii: "+") || c == UInt8(ascii: ".")
                        || c | 0x20 == UInt8(ascii: "e") || (c >= 48 && c <= 57) {
                    if c == UInt8(ascii: ".") || c | 0x20 == UInt8(ascii: "e") { integral = false }
                    i += 1
                }
                let text = String(decoding: UnsafeBufferPointer(start: p + start, count: i - start), as: UTF8.self)
                if integral, let v = Int64(text) { return .int(v) }
                return .double(Double(text) ?? 0)
            }
        }

        mutating func string() -> String {
            let start = i + 1
            var escaped = false
            i += 1
            while p[i] != UInt8(ascii: "\"") {
                if p[i] == UInt8(ascii: "\\") { escaped = true; i += 2 } else { i += 1 }
            }
            i += 1
            if escaped { return JSONText.unescape(p, start, i - 1) }
            return String(decoding: UnsafeBufferPointer(start: p + start, count: i - 1 - start), as: UTF8.self)
        }
    }
}

/// JSONMember is one `key: value` pair of an object, in order.
public struct JSONMember: Hashable, Sendable {
    public var key: String
    public var value: JSONValue
    public init(key: String, value: JSONValue) { self.key = key; self.value = value }
}
