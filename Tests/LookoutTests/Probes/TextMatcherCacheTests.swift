import Foundation
@testable import LookoutCore
@testable import LookoutProbe
import Testing

/// Checks sharing a `contains` pattern share one compiled expression; the case flag keeps two patterns apart.
@Suite struct TextMatcherCacheTests {
    @Test func identicalPatternsAreCompiledOnce() throws {
        let a = try TextMatcher.compiled("Product 25[0-9]", insensitive: false)
        let b = try TextMatcher.compiled("Product 25[0-9]", insensitive: false)
        let folded = try TextMatcher.compiled("Product 25[0-9]", insensitive: true)
        #expect(a === b)
        #expect(a !== folded)
        #expect(folded.options.contains(.caseInsensitive))
        #expect(!a.options.contains(.caseInsensitive))
        #expect(folded.firstMatch(in: "PRODUCT 251", range: NSRange(location: 0, length: 11)) != nil)
        #expect(a.firstMatch(in: "PRODUCT 251", range: NSRange(location: 0, length: 11)) == nil)
    }

    @Test func anInvalidPatternIsRefusedEveryTime() {
        for _ in 0..<2 {
            #expect(throws: (any Error).self) { try TextMatcher.compiled("[unclosed", insensitive: false) }
        }
    }
}
