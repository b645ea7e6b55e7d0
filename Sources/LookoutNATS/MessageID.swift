import LookoutCore

/// MessageID is the `Nats-Msg-Id` a line is published with, so that publishing it again (a probe restarted, a
/// classify replaying after a crash) is dropped by the stream within its duplicate window. A result line is named
/// by its identity, `check`, `location` and `at`; any other line (an incident, a delivery) by a hash of its bytes,
/// which a deterministic stage reproduces exactly. The subject is part of the id because the stream's window is
/// shared by all its subjects: classify's enriched copy of a result must not be taken for the probe's.
enum MessageID {
    private static let check: JSONKey = "check", location: JSONKey = "location", at: JSONKey = "at"

    static func of(_ line: UnsafeBufferPointer<UInt8>, subject: String, fields: inout [JSONField]) -> String {
        if (try? JSONScanner.scanObject(line, into: &fields)) != nil {
            let object = ScannedObject(bytes: line, fields: fields)
            if (try? object.eventType()) == "result", let c = object.field(check), c.kind == .string, let a = object.field(at), a.kind == .string {
                let place = object.field(location).flatMap { $0.kind == .string ? object.string($0) : nil } ?? ""
                let id = "\(subject) \(object.string(c)) \(place) \(object.string(a))"
                // Header values cannot carry control characters; such an identity is hashed instead.
                if id.utf8.count <= 512, id.utf8.allSatisfy({ $0 >= 0x20 && $0 != 0x7F }) { return id }
                return "\(subject) r\(String(FNV1a.hash(id), radix: 16))"
            }
        }
        return "\(subject) h\(String(FNV1a.hash(line), radix: 16))-\(line.count)"
    }
}
