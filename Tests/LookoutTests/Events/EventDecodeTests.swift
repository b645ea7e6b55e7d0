import Foundation
@testable import LookoutCore
import Testing

@Suite struct EventDecodeTests {
    static func withObject<T>(_ line: [UInt8], _ body: (ScannedObject) throws -> T) throws -> T {
        var fields: [JSONField] = []
        return try line.withUnsafeBufferPointer { buf in
            try JSONScanner.scanObject(buf, into: &fields)
            return try body(ScannedObject(bytes: buf, fields: fields))
        }
    }

    @Test(arguments: [
        (#"{"v":1,"type":"result","at":"2026-11-25T08:00:00Z","ok":true}"#, #"missing required field "check""#),
        (#"{"v":1,"type":"result","check":"a","ok":true}"#, #"missing required field "at""#),
        (#"{"v":1,"type":"result","check":"a","at":"2026-11-25T08:00:00Z"}"#, #"missing required field "ok""#),
        (#"{"v":1,"type":"result","check":"a","at":"yesterday","ok":true}"#, #"field "at" must be an RFC 3339 time such as 2026-11-25T08:00:00Z"#),
        (#"{"v":1,"type":"result","check":"a","at":"2026-11-25T08:00:00Z","ok":"yes"}"#, #"field "ok" must be a boolean"#),
        (#"{"v":1,"type":"result","check":7,"at":"2026-11-25T08:00:00Z","ok":true}"#, #"field "check" must be a string"#),
        (#"{"v":1,"type":"result","check":"a","at":"2026-11-25T08:00:00Z","ok":true,"status":"200"}"#, #"field "status" must be an integer"#),
        (#"{"v":1,"type":"result","check":"a","at":"2026-11-25T08:00:00Z","ok":true,"failed":[1]}"#, #"field "failed" must be an array of strings"#),
        // Found by the fuzzer in CI: 1e999 read as infinity, which was written on as null and read differently next.
        (#"{"v":1,"type":"result","check":"a","at":"2026-11-25T08:00:00Z","ok":true,"latency_ms":1e999}"#, #"field "latency_ms" must be a number"#),
        (#"{"v":2,"type":"result","check":"a","at":"2026-11-25T08:00:00Z","ok":true}"#, "unsupported contract version 2; this build reads v1"),
        (#"{"type":"result","check":"a","at":"2026-11-25T08:00:00Z","ok":true}"#, #"missing required field "v""#),
        // An incident without `maintenance`, which the contract requires (null when no window is active).
        (#"{"v":1,"type":"incident","id":"a/1","event":"opened","check":"a","site":"s","tier":"t","severity":"critical","at":"2026-11-25T08:00:00Z","since":"2026-11-25T08:00:00Z","reason":"down"}"#,
         #"missing required field "maintenance""#),
        (#"{"v":1,"type":"incident","id":"a/1","event":"opened","check":"a","site":"s","tier":"t","severity":"critical","at":"2026-11-25T08:00:00Z","since":"2026-11-25T08:00:00Z","reason":"down","maintenance":7}"#,
         #"field "maintenance" must be a string"#),
    ])
    func refusesResultsBreakingTheContract(line: String, message: String) throws {
        #expect(throws: EventError(message)) { try EventDecodeTests.withObject(Array(line.utf8)) { try AnyEvent($0) } }
    }

    @Test func keepsUnknownFieldsAndRoundTrips() throws {
        let line = #"{"v":1,"type":"result","check":"a","at":"2026-11-25T08:00:00.5Z","ok":false,"kind":"http","location":"lon","latency_ms":12.25,"status":503,"bytes":10,"error":"status 503","failed":["status"],"details":{"x":1},"custom":{"keep":["me"]}}"#
        let event = try EventDecodeTests.withObject(Array(line.utf8)) { try ResultEvent($0) }
        #expect(event.at == Timestamp(rfc3339: "2026-11-25T08:00:00.500Z"))
        #expect(event.extra == [JSONMember(key: "custom", value: .object([JSONMember(key: "keep", value: .array([.string("me")]))]))])
        let again = try EventDecodeTests.withObject(event.encoded()) { try ResultEvent($0) }
        #expect(again == event)
    }

    @Test func passesUnknownEventTypesThrough() throws {
        let event = try EventDecodeTests.withObject(Array(#"{"v":1,"type":"heartbeat-stage","lines":3}"#.utf8)) { try AnyEvent($0) }
        #expect(event == .other(type: "heartbeat-stage"))
    }

    /// The fast partial decode classify uses must refuse exactly what the full decode refuses, and read the same
    /// values, on every line of a fuzzed corpus.
    @Test func fastPathAgreesWithFullDecodeOnAFuzzedCorpus() throws {
        var rng = SplitMix64(seed: 7)
        var checked = 0
        for line in FuzzCorpus.lines(count: 20000, rng: &rng) {
            var fields: [JSONField] = []
            let ok: Bool = line.withUnsafeBufferPointer { buf in
                guard (try? JSONScanner.scanObject(buf, into: &fields)) != nil else { return true }
                let o = ScannedObject(bytes: buf, fields: fields)
                guard (try? o.eventType()) == "result" else { return true }
                checked += 1
                let full = try? ResultEvent(o)
                let head = try? ResultHead(o)
                guard (full == nil) == (head == nil) else { return false }
                guard let full, let head else { return true }
                return full.check == head.check && full.at == head.at && full.ok == head.ok
                    && full.degraded == head.degraded && full.location == head.location
            }
            #expect(ok, "disagreement on: \(String(decoding: line, as: UTF8.self))")
            if !ok { break }
        }
        #expect(checked > 1000)
    }

    @Test func writerEscapesOnlyWhatJSONRequires() {
        var w = JSONObjectWriter()
        w.add("s", "a\"b\\c\n\t\u{01}/é")
        w.add("t", Timestamp(milliseconds: 1_795_593_600_250))
        w.addNull("n")
        #expect(String(decoding: w.finish(), as: UTF8.self) == #"{"s":"a\"b\\c\n\t\u0001/é","t":"2026-11-25T08:00:00.250Z","n":null}"#)
    }
}
