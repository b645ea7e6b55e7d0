/// FNV1a is the 64-bit FNV-1a hash: stable across processes and runs (unlike `hashValue`, which Swift seeds per
/// process), for anything that must hash the same everywhere: `probe --shard`, NATS message ids.
public enum FNV1a {
    public static func hash(_ bytes: some Sequence<UInt8>, seed: UInt64 = 0xcbf2_9ce4_8422_2325) -> UInt64 {
        var h = seed
        for b in bytes {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01b3
        }
        return h
    }

    public static func hash(_ text: String) -> UInt64 { hash(text.utf8) }
}
