import LookoutCore
@testable import LookoutNATS
import Testing

/// Which stream lookout uses on a server, from the `nats:` section and the server's JetStream domain, and which
/// subjects the leaf topology lets a stage read or publish there (docs/scaling.md).
@Suite struct StreamLayoutTests {
    static var leafSettings: NATSSettings {
        var settings = NATSSettings()
        settings.leaves = ["leaf-lon", "leaf-fra"]
        return settings
    }

    @Test(arguments: [
        ("lookout.results.lon", "lookout.results.>", true),
        ("lookout.results.>", "lookout.results.>", true),
        ("lookout.results.*", "lookout.results.>", true),
        ("lookout.results", "lookout.results.>", false),
        ("lookout.>", "lookout.results.>", false),
        ("lookout.*.lon", "lookout.results.>", false),
        ("lookout.results.lon", "lookout.*.lon", true),
        ("lookout.results.lon.x", "lookout.*.lon", false),
        ("lookout.results.lon", "lookout.results.lon", true),
        ("lookout.results.*", "lookout.results.lon", false),
        ("other.results.lon", "lookout.>", false),
    ])
    func aFilterIsWithinAPatternOnlyWhenEverySubjectItMatchesIs(filter: String, pattern: String, within: Bool) {
        #expect(NATSSubject.isWithin(filter, pattern) == within)
    }

    @Test func withoutLeavesOneStreamOverTheSubjects() {
        let layout = StreamLayout(settings: NATSSettings(), domain: nil)
        #expect(layout.role == .single && layout.stream == "LOOKOUT" && layout.subjects == ["lookout.>"] && layout.sources.isEmpty)
        #expect(layout.duplicateWindowNanos == 120_000_000_000)
        #expect(layout.refusalToRead("anything.>") == nil && layout.refusalToPublish("lookout.classified") == nil)
    }

    @Test func aLeafKeepsItsStreamOverTheLeafSubjects() {
        let layout = StreamLayout(settings: Self.leafSettings, domain: "leaf-fra")
        #expect(layout.role == .leaf && layout.stream == "LOOKOUT_EDGE" && layout.subjects == ["lookout.results.>"])
        #expect(layout.duplicateWindowNanos == 120_000_000_000)
        #expect(layout.refusalToPublish("lookout.results.fra") == nil)
        #expect(layout.refusalToPublish("lookout.classified")?.contains("nats.leaf_subjects") == true)
    }

    @Test(arguments: ["hub", nil] as [String?])
    func anyOtherServerIsTheCentreSourcingEveryLeaf(domain: String?) {
        let layout = StreamLayout(settings: Self.leafSettings, domain: domain)
        #expect(layout.role == .central && layout.stream == "LOOKOUT" && layout.subjects.isEmpty)
        #expect(layout.sources == ["leaf-lon", "leaf-fra"] && layout.sourceStream == "LOOKOUT_EDGE")
        #expect(layout.duplicateWindowNanos == 100_000_000, "100 ms, as docs/scaling.md says: the leaves already drop repeats")
        #expect(StreamLayout.apiPrefix(domain: "leaf-lon") == "$JS.leaf-lon.API")
        #expect(layout.refusalToRead("lookout.results.>") == nil)
        #expect(layout.refusalToRead("lookout.>")?.contains("lookout.results.>") == true)
        // A probe pointed at the centre instead of its leaf is told so, not left retrying for ever.
        #expect(layout.refusalToPublish("lookout.results.lon")?.contains("publish at a leaf") == true)
    }
}
