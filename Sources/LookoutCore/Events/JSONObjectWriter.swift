/// JSONObjectWriter builds one compact JSON object line into a byte buffer, members in the order they are written,
/// which is what makes every stage's output byte-identical from run to run.
public struct JSONObjectWriter {
    public private(set) var bytes: [UInt8]
    private var empty = true

    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
        bytes.append(UInt8(ascii: "{"))
    }

    /// Starts from an existing object's members, copied byte for byte, so unknown fields pass through unchanged.
    public init(copying object: ScannedObject, except skipped: [JSONKey] = []) {
        self.init(capacity: object.bytes.count + 128)
        for f in object.fields where !skipped.contains(where: { object.keyEquals(f, $0) }) {
            separator()
            bytes.append(contentsOf: object.rawMember(f))
        }
    }

    private mutating func separator() {
        if empty { empty = false } else { bytes.append(UInt8(ascii: ",")) }
    }

    private mutating func key(_ k: String) {
        separator()
        JSONText.appendQuoted(k, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    public mutating func add(_ name: String, _ value: String) { key(name); JSONText.appendQuoted(value, to: &bytes) }
    public mutating func add(_ name: String, _ value: String?) { if let value { add(name, value) } else { addNull(name) } }
    public mutating func add(_ name: String, _ value: Bool) { key(name); bytes.append(contentsOf: (value ? "true" : "false").utf8) }
    public mutating func add(_ name: String, _ value: Int) { key(name); bytes.append(contentsOf: String(value).utf8) }
    public mutating func add(_ name: String, _ value: Int64) { key(name); bytes.append(contentsOf: String(value).utf8) }
    public mutating func add(_ name: String, _ value: Timestamp) {
        key(name)
        bytes.append(UInt8(ascii: "\""))
        value.appendRFC3339(to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }
    public mutating func add(_ name: String, _ value: JSONValue) { key(name); value.append(to: &bytes) }
    public mutating func add(_ name: String, _ value: [String]) { add(name, .array(value.map { .string($0) })) }
    public mutating func addNull(_ name: String) { key(name); bytes.append(contentsOf: "null".utf8) }
    /// Adds a member whose value is already valid JSON text.
    public mutating func addRaw(_ name: String, _ json: UnsafeBufferPointer<UInt8>) { key(name); bytes.append(contentsOf: json) }

    /// The finished object, without the trailing newline.
    public mutating func finish() -> [UInt8] {
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }
}
