@testable import LookoutClassify
@testable import LookoutCore
import Testing

/// ByteKeyIndex must find exactly the configured ids, by bytes, and nothing else.
@Suite struct ByteKeyIndexTests {
    @Test func findsEveryNameAndNothingElse() {
        // Enough names to force collisions and wrap-around in the table.
        let names = (0..<5000).map { "s\($0 / 10)-c\($0 % 10)" } + ["", "é-accent", "a"]
        let index = ByteKeyIndex(names)
        #expect(index.count == names.count)
        for (i, name) in names.enumerated() {
            #expect(index.index(of: name) == i, "\(name)")
            let bytes = Array(name.utf8)
            #expect(bytes.withUnsafeBufferPointer { index.index(of: $0) } == i, "\(name) by bytes")
        }
        for missing in ["s0-c", "s0-c10", "s500-c0", "S0-C0", "b", "e-accent", "s0-c0 "] {
            #expect(index.index(of: missing) == nil, "\(missing)")
        }
    }

    @Test func aRepeatedNameIsFoundAtItsLastPosition() {
        let index = ByteKeyIndex(["home", "api", "home"])
        #expect(index.index(of: "home") == 2)
        #expect(index.index(of: "api") == 1)
    }

    @Test func anEmptyIndexFindsNothing() {
        #expect(ByteKeyIndex([]).index(of: "x") == nil)
        #expect(ByteKeyIndex([]).index(of: "") == nil)
    }
}
