import Foundation
import MultipartKit
import NIOCore

/// FormPart is one part of a `multipart/form-data` body as a receiver reads it.
struct FormPart {
    var headers: [(String, String)] = []
    var body: [UInt8] = []

    func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
    /// A parameter of the part's Content-Disposition (`name`, `filename`), unquoted.
    func disposition(_ parameter: String) -> String? {
        guard let value = header("Content-Disposition"), let start = value.range(of: "; \(parameter)=\"") else { return nil }
        return value[start.upperBound...].split(separator: "\"", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init)
    }
    var name: String? { disposition("name") }
    var text: String { String(decoding: body, as: UTF8.self) }
}

extension RecordingServer.Request {
    /// The boundary a multipart request's Content-Type names.
    var boundary: String? {
        guard let type = header("Content-Type"), type.hasPrefix("multipart/form-data"),
              let range = type.range(of: "boundary=") else { return nil }
        return String(type[range.upperBound...]).trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
    }

    /// The parts of a `multipart/form-data` body, read with MultipartKit's parser (not route's serializer); nil for
    /// any other body or one that does not parse.
    var formParts: [FormPart]? {
        guard let boundary else { return nil }
        let parser = MultipartParser(boundary: boundary)
        var parts: [FormPart] = []
        var current = FormPart()
        parser.onHeader = { current.headers.append(($0, $1)) }
        parser.onBody = { current.body += $0.readBytes(length: $0.readableBytes) ?? [] }
        parser.onPartComplete = {
            parts.append(current)
            current = FormPart()
        }
        do { try parser.execute(body) } catch { return nil }
        return parts
    }
}
