import Foundation

/// ScannedObject is a validated JSON object line and the positions of its top-level members.
///
/// It borrows the line's bytes: use it only inside the reader callback that lent them.
public struct ScannedObject {
    public let bytes: UnsafeBufferPointer<UInt8>
    public let fields: [JSONField]

    public init(bytes: UnsafeBufferPointer<UInt8>, fields: [JSONField]) {
        self.bytes = bytes
        self.fields = fields
    }

    private var base: UnsafePointer<UInt8> { bytes.baseAddress! }

    /// The member whose key is `key`, compared on raw bytes (escaped keys are decoded first).
    public func field(_ key: JSONKey) -> JSONField? {
        for f in fields where keyEquals(f, key) { return f }
        return nil
    }

    public func keyEquals(_ field: JSONField, _ key: JSONKey) -> Bool {
        if field.keyEscaped { return JSONText.unescape(base, field.keyStart, field.keyEnd) == key.name }
        return key.matches(base + field.keyStart, field.keyEnd - field.keyStart)
    }

    public func key(_ field: JSONField) -> String {
        field.keyEscaped ? JSONText.unescape(base, field.keyStart, field.keyEnd)
            : String(decoding: UnsafeBufferPointer(rebasing: bytes[field.keyStart..<field.keyEnd]), as: UTF8.self)
    }

    /// The raw text of a member's value, exactly as written.
    public func rawValue(_ field: JSONField) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: bytes[field.valueStart..<field.valueEnd])
    }

    /// The raw text of a whole member, `"key":value`, exactly as written.
    public func rawMember(_ field: JSONField) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: bytes[field.memberStart..<field.valueEnd])
    }

    public func string(_ field: JSONField) -> String {
        field.valueEscaped ? JSONText.unescape(base, field.valueStart + 1, field.valueEnd - 1)
            : String(decoding: UnsafeBufferPointer(rebasing: bytes[(field.valueStart + 1)..<(field.valueEnd - 1)]), as: UTF8.self)
    }

    /// The string value's body when it has no escapes: compare or parse it without allocating.
    public func unescapedStringBody(_ field: JSONField) -> UnsafeBufferPointer<UInt8>? {
        field.kind == .string && !field.valueEscaped ? UnsafeBufferPointer(rebasing: bytes[(field.valueStart + 1)..<(field.valueEnd - 1)]) : nil
    }

    public func bool(_ field: JSONField) -> Bool { base[field.valueStart] == UInt8(ascii: "t") }

    /// The integer value of a number member, or nil when it has a fraction, an exponent or does not fit.
    public func integer(_ field: JSONField) -> Int64? {
        var i = field.valueStart
        let negative = base[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        var v: Int64 = 0
        while i < field.valueEnd {
            let d = base[i] &- 48
            guard d < 10 else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int64(d))
            guard !o1, !o2 else { return nil }
            v = a
            i += 1
        }
        return negative ? -v : v
    }

    public func double(_ field: JSONField) -> Double {
        if let i = integer(field) { return Double(i) }
        return Double(String(decoding: rawValue(field), as: UTF8.self)) ?? .nan
    }

    /// Parses a member's value into a `JSONValue` tree.
    public func value(_ field: JSONField) -> JSONValue {
        JSONValue.parse(rawValue(field)) ?? .null
    }
}

/// JSONKey is a member name prepared for byte comparison: a literal, whose bytes live as long as the program, so a
/// comparison copies nothing and counts no references (an array of bytes per key cost an allocation per
/// `requiredString("…")` and a retain per comparison on every line).
public struct JSONKey: Sendable, Hashable, ExpressibleByStringLiteral {
    public let literal: StaticString
    public init(_ literal: StaticString) { self.literal = literal }
    public init(stringLiteral literal: StaticString) { self.literal = literal }

    public var name: String { literal.description }
    public var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount) }

    /// Whether the `count` bytes at `start` are this key's.
    @inline(__always)
    public func matches(_ start: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        guard count == literal.utf8CodeUnitCount else { return false }
        let mine = literal.utf8Start
        var i = 0
        while i < count {
            if start[i] != mine[i] { return false }
            i += 1
        }
        return true
    }

    public static func == (a: JSONKey, b: JSONKey) -> Bool { a.bytes.elementsEqual(b.bytes) }
    public func hash(into hasher: inout Hasher) { hasher.combine(bytes: UnsafeRawBufferPointer(bytes)) }
}
