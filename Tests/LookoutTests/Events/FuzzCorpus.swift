import Foundation
@testable import LookoutCore

/// SplitMix64 is a tiny seeded generator, so fuzzed corpora and random histories are the same on every run and a
/// failure names the seed that reproduces it.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// FuzzCorpus makes event-shaped lines and mutates them: byte flips, cuts, splices, type swaps.
enum FuzzCorpus {
    static let seeds: [String] = [
        #"{"v":1,"type":"result","check":"acme-home","at":"2026-11-25T08:00:00Z","ok":true,"kind":"http","latency_ms":182.5,"status":200,"bytes":48213}"#,
        #"{"v":1,"type":"result","check":"acme-home","at":"2026-11-25T08:00:30.250Z","ok":false,"error":"status 503","failed":["status"],"details":{"ttfb_ms":12,"h":{"x":[1,2,3]}},"location":"lon"}"#,
        #"{"v":1,"type":"result","check":"b","at":"2026-11-25T08:01:00+01:00","ok":true,"degraded":true,"extra":"\u00e9\"q\"","n":null}"#,
        #"{"v":1,"type":"incident","id":"acme-home/1","event":"opened","check":"acme-home","site":"acme","tier":"enhanced","severity":"critical","at":"2026-11-25T08:02:00Z","since":"2026-11-25T08:00:30Z","reason":"down","maintenance":null}"#,
    ]
    static let tokens: [String] = ["null", "true", "\"x\"", "1", "-1.5e3", "[]", "{}", "\"2026-11-25T08:00:00Z\"", ",", ":", "\"", "\\", "{", "}", "[", "]", "\\u00", "\u{7F}"]

    static func lines(count: Int, rng: inout SplitMix64) -> [[UInt8]] {
        (0..<count).map { _ in mutate(Array(seeds.randomElement(using: &rng)!.utf8), rng: &rng) }
    }

    static func mutate(_ line: [UInt8], rng: inout SplitMix64) -> [UInt8] {
        var b = line
        for _ in 0..<Int.random(in: 0...3, using: &rng) {
            guard !b.isEmpty else { break }
            let i = Int.random(in: 0..<b.count, using: &rng)
            switch Int.random(in: 0..<6, using: &rng) {
            case 0: b[i] = UInt8.random(in: 0...255, using: &rng)
            case 1: b.removeSubrange(i..<min(b.count, i + Int.random(in: 1...8, using: &rng)))
            case 2: b.insert(contentsOf: Array(tokens.randomElement(using: &rng)!.utf8), at: i)
            case 3: b = Array(b[..<i])
            case 4:
                // Swap a value's type: replace the text after a colon with another token.
                if let colon = b[i...].firstIndex(of: UInt8(ascii: ":")) {
                    let end = b[(colon + 1)...].firstIndex(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "}") }) ?? b.count
                    b.replaceSubrange((colon + 1)..<end, with: Array(tokens[Int.random(in: 0..<8, using: &rng)].utf8))
                }
            default: b[i] = UInt8(ascii: " ")
            }
        }
        return b
    }

    static func hasDuplicateTopLevelKey(_ line: [UInt8]) -> Bool {
        var fields: [JSONField] = []
        return line.withUnsafeBufferPointer { buf in
            do { try JSONScanner.scanObject(buf, into: &fields); return false } catch let e as JSONSyntaxError { return e.message == "duplicate key" } catch { return false }
        }
    }
}
