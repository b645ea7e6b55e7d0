import LookoutCommands
import LookoutCore
import Testing

/// `probe --shard K/N` splits the checks by a stable hash of the id: every check in exactly one shard.
@Suite struct ShardTests {
    @Test(arguments: [1, 2, 3, 7])
    func shardsPartitionTheChecksExactly(count: Int) {
        let ids = (0..<5000).map { "site-\($0 / 10)-check-\($0 % 10)" }
        let shards = (1...count).map { Shard("\($0)/\(count)")! }
        for id in ids {
            #expect(shards.filter { $0.contains(id) }.count == 1, "\(id)")
        }
        // Roughly even: no shard more than 20% off its share.
        for shard in shards {
            let share = ids.filter { shard.contains($0) }.count
            #expect(abs(share - ids.count / count) <= ids.count / count / 5, "shard \(shard.index): \(share)")
        }
    }

    /// The hash is FNV-1a, the same in every process and on every run (Swift's hashValue is seeded per process).
    @Test func theHashIsStable() {
        #expect(FNV1a.hash("") == 0xcbf2_9ce4_8422_2325)
        #expect(FNV1a.hash("a") == 0xaf63_dc4c_8601_ec8c)
        #expect(Shard("2/3")!.contains("acme-home") == (FNV1a.hash("acme-home") % 3 == 1))
    }

    @Test(arguments: ["0/3", "4/3", "1/0", "1", "a/b", "1/2/3", "1/2000"])
    func badShardsAreRefused(text: String) {
        #expect(Shard(text) == nil)
    }
}
