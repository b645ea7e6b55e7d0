// libFuzzer target for the NDJSON line decoder every stage runs (fuzz/run builds it with -sanitize=fuzzer).
// Each input is a chunk of NDJSON, split into lines as LineReader does; every line goes through what a stage does
// with it, and the decoders' own promises are checked: a trap, an out-of-bounds read (ASan) or a broken promise
// is a finding.
import Foundation
@testable import LookoutCore

@_cdecl("LLVMFuzzerTestOneInput")
public func lookoutFuzzEventLine(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeBufferPointer(start: data, count: size)
    var start = 0
    var fields: [JSONField] = []
    for end in 0...size where end == size || input[end] == 0x0A {
        EventLineFuzzer.check(UnsafeBufferPointer(rebasing: input[start..<end]), fields: &fields)
        start = end + 1
    }
    return 0
}

enum EventLineFuzzer {
    static func check(_ line: UnsafeBufferPointer<UInt8>, fields: inout [JSONField]) {
        guard (try? JSONScanner.scanObject(line, into: &fields)) != nil else { return }
        // Members lie inside the line, in order.
        var previous = 0
        for f in fields {
            precondition(f.keyStart > previous && f.keyStart <= f.keyEnd && f.keyEnd < f.valueStart && f.valueStart < f.valueEnd
                         && f.valueEnd <= line.count, "a member outside its line or out of order")
            previous = f.valueEnd
        }
        let object = ScannedObject(bytes: line, fields: fields)
        for f in object.fields { _ = object.key(f); _ = object.value(f) }
        _ = JSONValue.parse(line)
        // A copy of a scanned object scans again.
        var writer = JSONObjectWriter(copying: object)
        let copy = writer.finish()
        var again: [JSONField] = []
        copy.withUnsafeBufferPointer { precondition((try? JSONScanner.scanObject($0, into: &again)) != nil, "a copied object does not scan") }

        let event = try? AnyEvent(object)
        // classify's and report's fast path refuses exactly the result lines the full decoder refuses.
        if (try? object.isEventType(EventKeys.result)) == true {
            let head = try? ResultHead(object)
            let full: ResultEvent? = if case .result(let r) = event { r } else { nil }
            precondition((head == nil) == (full == nil), "ResultHead and ResultEvent disagree on a result line")
            if let head, let full {
                precondition(head.check == full.check && head.at == full.at && head.ok == full.ok && head.degraded == full.degraded
                             && head.location == full.location, "ResultHead reads other values than ResultEvent")
            }
        }
        // A decoded event, written out, decodes again and is written out the same: its encoding is its normal form
        // (a number in an unknown member may be written differently, 5.0 as 5, but only the first time).
        guard let encoded = encode(event) else { return }
        encoded.withUnsafeBufferPointer { bytes in
            var f: [JSONField] = []
            guard (try? JSONScanner.scanObject(bytes, into: &f)) != nil else { preconditionFailure("an encoded event does not scan") }
            let decoded = try? AnyEvent(ScannedObject(bytes: bytes, fields: f))
            precondition(encode(decoded) == encoded, "an event does not survive encoding: \(String(decoding: encoded, as: UTF8.self))")
        }
    }

    static func encode(_ event: AnyEvent?) -> [UInt8]? {
        switch event {
        case .result(let e): e.encoded()
        case .incident(let e): e.encoded()
        case .delivery(let e): e.encoded()
        case .control(let e): e.encoded()
        case .other, nil: nil
        }
    }
}
