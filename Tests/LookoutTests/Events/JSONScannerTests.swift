import Foundation
@testable import LookoutCore
import Testing

@Suite struct JSONScannerTests {
    static func scan(_ text: String) throws -> (ScannedObject, [UInt8]) {
        let bytes = Array(text.utf8)
        var fields: [JSONField] = []
        try bytes.withUnsafeBufferPointer { try JSONScanner.scanObject($0, into: &fields) }
        return (ScannedObject(bytes: bytes.withUnsafeBufferPointer { $0 }, fields: fields), bytes)
    }

    static func accepts(_ bytes: [UInt8]) -> Bool {
        var fields: [JSONField] = []
        return bytes.withUnsafeBufferPointer { (try? JSONScanner.scanObject($0, into: &fields)) != nil }
    }

    @Test(arguments: [
        #"{}"#, #" { "a" : 1 } "#, #"{"a":[1,2,{"b":null}],"c":"\u00e9\n\"x\"","d":-0.5e-3,"e":true,"f":false}"#,
        #"{"emoji":"\ud83d\ude00","raw":"h\u00e9llo ✓ 😀"}"#, #"{"a":0,"b":-0,"c":1E+2,"d":"\/"}"#,
    ])
    func acceptsValidObjects(text: String) {
        #expect(JSONScannerTests.accepts(Array(text.utf8)))
    }

    @Test(arguments: [
        ("", "empty line"), ("[]", "expected a JSON object"), (#"{"a":1,}"#, "expected a quoted key"),
        (#"{"a":01}"#, "expected ',' or '}'"), (#"{"a":1.}"#, "invalid number"), (#"{"a":tru}"#, "invalid literal"),
        (#"{"a":"x"#, "unterminated string"), (#"{"a":"\x"}"#, "invalid escape"), ("{\"a\":\"\u{01}\"}", "control character in string"),
        (#"{"a":"\ud83d"}"#, "unpaired surrogate escape"), (#"{"a":1}x"#, "unexpected data after the object"),
        (#"{"a":1,"a":2}"#, "duplicate key"), (#"{"a" 1}"#, "expected ':' after key"), (#"{"a":[1 2]}"#, "expected ',' or ']'"),
        (#"{"a":+1}"#, "unexpected character"), (#"{'a':1}"#, "expected a quoted key"),
        (#"{"check":1,"ok":true,"at":2,"check":3}"#, "duplicate key"), (#"{"":1,"b":2,"":3}"#, "duplicate key"),
        (#"{"ab":1,"\u0061b":2}"#, "duplicate key"), (#"{"\u0061b":1,"x":0,"ab":2}"#, "duplicate key"),
    ])
    func refusesInvalidObjects(text: String, message: String) {
        #expect(throws: JSONSyntaxError.self) { try JSONScannerTests.scan(text) }
        do { _ = try JSONScannerTests.scan(text) } catch let e as JSONSyntaxError { #expect(e.message == message) } catch {}
    }

    @Test(arguments: [[0xC3, 0x28], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xFF], [0x80]] as [[UInt8]])
    func refusesInvalidUTF8(bad: [UInt8]) {
        let line = Array(#"{"a":""#.utf8) + bad + Array(#""}"#.utf8)
        #expect(!JSONScannerTests.accepts(line))
    }

    @Test func refusesNestingDeeperThanTheLimit() {
        let ok = "{\"a\":" + String(repeating: "[", count: JSONScanner.maxDepth - 1) + String(repeating: "]", count: JSONScanner.maxDepth - 1) + "}"
        let deep = "{\"a\":" + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"
        #expect(JSONScannerTests.accepts(Array(ok.utf8)))
        #expect(!JSONScannerTests.accepts(Array(deep.utf8)))
    }

    @Test func readsFieldsWithoutDecodingTheRest() throws {
        let (o, bytes) = try JSONScannerTests.scan(#"{"check":"a\"b","n":-42,"big":1e400,"s":"x\u0041","obj":{"k":[1]}}"#)
        try withExtendedLifetime(bytes) {
            let check = try #require(o.field("check"))
            #expect(o.string(check) == "a\"b")
            #expect(o.integer(try #require(o.field("n"))) == -42)
            #expect(o.string(try #require(o.field("s"))) == "xA")
            #expect(o.value(try #require(o.field("obj"))) == .object([JSONMember(key: "k", value: .array([.int(1)]))]))
            #expect(String(decoding: o.rawMember(try #require(o.field("obj"))), as: UTF8.self) == #""obj":{"k":[1]}"#)
            #expect(o.field("missing") == nil)
        }
    }

    /// The scanner must agree with Foundation's parser on every line of a corpus of mutated events, except where
    /// the contract is deliberately stricter (duplicate keys, nesting depth).
    @Test func agreesWithFoundationOnAFuzzedCorpus() throws {
        var rng = SplitMix64(seed: 20261125)
        var disagreements: [String] = []
        for line in FuzzCorpus.lines(count: 5000, rng: &rng) {
            let ours = JSONScannerTests.accepts(line)
            let theirs = (try? JSONSerialization.jsonObject(with: Data(line))) is [String: Any]
            if ours != theirs && !FuzzCorpus.hasDuplicateTopLevelKey(line) {
                disagreements.append(String(decoding: line, as: UTF8.self))
            }
        }
        #expect(disagreements.isEmpty, "first: \(disagreements.prefix(3))")
    }
}
