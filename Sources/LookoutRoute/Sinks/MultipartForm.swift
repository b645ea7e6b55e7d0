import Foundation
import LookoutCore
import MultipartKit
import NIOCore
import NIOHTTP1

/// MultipartForm is a `multipart/form-data` body (RFC 7578) for a helpdesk that takes files only that way: text fields
/// in order, then files, serialized by MultipartKit under a random boundary that appears in no part.
struct MultipartForm: Sendable {
    struct File: Sendable {
        var field: String
        var filename: String
        var contentType: String
        var bytes: [UInt8]
    }

    var fields: [(name: String, value: String)] = []
    var files: [File] = []

    /// The fields a JSON object sends, in the form Rails-style APIs read: a list becomes `name[]` once per item, an
    /// object `name[key]` per member, numbers and booleans their JSON text.
    init(json members: [JSONMember]) {
        for member in members { add(member.key, member.value) }
    }

    private mutating func add(_ name: String, _ value: JSONValue) {
        switch value {
        case .array(let items): for item in items { add(name + "[]", item) }
        case .object(let members): for member in members { add("\(name)[\(member.key)]", member.value) }
        case .string(let text): fields.append((name, text))
        case .null: break
        default:
            var bytes: [UInt8] = []
            value.append(to: &bytes)
            fields.append((name, String(decoding: bytes, as: UTF8.self)))
        }
    }

    /// The body and its `Content-Type` header value (which names the boundary).
    func encoded() -> (contentType: String, body: [UInt8]) {
        var parts = fields.map { MultipartPart(headers: ["Content-Disposition": "form-data; name=\"\(MultipartForm.quoted($0.name))\""], body: $0.value) }
        for file in files {
            parts.append(MultipartPart(headers: [
                "Content-Disposition": "form-data; name=\"\(MultipartForm.quoted(file.field))\"; filename=\"\(MultipartForm.quoted(file.filename))\"",
                "Content-Type": file.contentType,
            ], body: file.bytes))
        }
        var boundary = MultipartForm.newBoundary()
        // 128 random bits make a clash all but impossible; checking costs one pass over a few hundred KiB.
        while parts.contains(where: { $0.body.readableBytesView.contains(subsequence: Array(boundary.utf8)) }) {
            boundary = MultipartForm.newBoundary()
        }
        var buffer = ByteBuffer()
        // MultipartKit throws only for a body it cannot write, and these are all bytes in memory.
        try? MultipartSerializer().serialize(parts: parts, boundary: boundary, into: &buffer)
        return ("multipart/form-data; boundary=\(boundary)", Array(buffer.readableBytesView))
    }

    static func newBoundary() -> String {
        "lookout-" + (0..<4).map { _ in String(format: "%08x", UInt32.random(in: .min ... .max)) }.joined()
    }

    /// A name inside a quoted header parameter: `"`, CR and LF percent-encoded, as browsers send them.
    static func quoted(_ name: String) -> String {
        name.replacingOccurrences(of: "\"", with: "%22").replacingOccurrences(of: "\r", with: "%0D").replacingOccurrences(of: "\n", with: "%0A")
    }
}

extension Collection where Element == UInt8 {
    /// Whether `needle` occurs in these bytes.
    func contains(subsequence needle: [UInt8]) -> Bool {
        guard let first = needle.first, needle.count <= count else { return needle.isEmpty }
        var start = startIndex
        while let at = self[start...].firstIndex(of: first) {
            if self[at...].starts(with: needle) { return true }
            start = index(after: at)
        }
        return false
    }
}
