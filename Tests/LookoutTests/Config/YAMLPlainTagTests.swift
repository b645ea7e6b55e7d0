@testable import LookoutCore
import Testing

/// YAMLPlainTag must give Yams' default resolver's tag for every plain scalar, since config checks (a string, a
/// number, a boolean) depend on it.
@Suite struct YAMLPlainTagTests {
    @Test(arguments: [
        ("check1", "str"), ("http://127.0.0.1:8080/", "str"), ("30s", "str"), ("1h30m", "str"), ("5xx", "str"),
        ("<footer", "str"), ("Fatal error", "str"), ("/Product 25[0-9]/", "str"), ("Europe/London", "str"),
        ("true", "bool"), ("False", "bool"), ("yes", "bool"), ("NO", "bool"), ("on", "bool"), ("Off", "bool"),
        ("null", "null"), ("NULL", "null"), ("~", "null"), ("", "null"), ("nully", "str"), ("y", "str"), ("n", "str"),
        ("0", "int"), ("200", "int"), ("10000", "int"), ("-3", "int"), ("+3", "int"), ("0x1F", "int"), ("0b101", "int"),
        ("0o17", "int"), ("017", "int"), ("1_000", "int"), ("190:20:30", "int"), ("089", "float"),
        ("3.5", "float"), (".5", "float"), ("1e3", "float"), ("-.inf", "float"), (".NaN", "float"), ("1.", "float"),
        ("2026-11-25", "timestamp"), ("2026-11-25T07:00:00Z", "timestamp"), ("2026-11-25 07:00:00 +01:00", "timestamp"),
        ("07:00", "str"), ("7:00", "int"), ("08:00-09:00", "str"), ("tue 08:00-09:00", "str"), ("<<", "merge"), ("=", "value"),
        ("3 days", "str"), ("0xZZ", "str"), ("12:3a", "str"),
    ] as [(String, String)])
    func resolvesAsYamsDoes(text: String, tag: String) {
        #expect(YAMLPlainTag.resolve(text).rawValue == "tag:yaml.org,2002:\(tag)")
        #expect(YAMLPlainTag.reference(text) == "tag:yaml.org,2002:\(tag)")
    }

    /// Random strings over the characters the rules care about: the quick answer, when it gives one, is Yams' answer.
    @Test func agreesWithYamsOnRandomStrings() {
        var rng = SplitMix64(seed: 9)
        let alphabet = Array("0123456789+-._:xobeEtTZ aAfFnNyYlLuUsS~<=\tq/h".utf8)
        var decided = 0
        for _ in 0..<20_000 {
            let length = Int(rng.next() % 9)
            let bytes = (0..<length).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            let text = String(decoding: bytes, as: UTF8.self)
            guard let quick = YAMLPlainTag.quick(text) else { continue }
            decided += 1
            #expect(quick.rawValue == YAMLPlainTag.reference(text), "\"\(text)\"")
        }
        #expect(decided > 10_000)
    }
}
