import Foundation
import LookoutCore

/// ByteKeyIndex maps names (check ids) to their positions in a list, looked up by the raw bytes of a line.
///
/// classify looks a check up once per result line; a `[String: Slot]` lookup first builds a String from the bytes and
/// then hashes it with SipHash. Here the bytes are hashed with FNV-1a straight from the line and compared with
/// memcmp, in an open-addressing table built once from the config.
struct ByteKeyIndex {
    /// Every name's UTF-8 bytes back to back; name i is `bytes[starts[i]..<starts[i + 1]]`.
    private var bytes: [UInt8] = []
    private var starts: [Int] = [0]
    /// Open addressing with linear probing: -1 is empty, otherwise a name's position.
    private var table: [Int32]
    private let mask: Int

    /// `names[i]` is found as `i`; a repeated name is found at its last position.
    init(_ names: [String]) {
        var capacity = 16
        while capacity < names.count * 2 { capacity *= 2 }
        table = Array(repeating: -1, count: capacity)
        mask = capacity - 1
        for (i, name) in names.enumerated() {
            let key = Array(name.utf8)
            bytes.append(contentsOf: key)
            starts.append(bytes.count)
            var slot = key.withUnsafeBufferPointer { ByteKeyIndex.hash($0) } & mask
            while table[slot] >= 0, !key.withUnsafeBufferPointer({ matches(Int(table[slot]), $0) }) { slot = (slot + 1) & mask }
            table[slot] = Int32(i)
        }
    }

    var count: Int { starts.count - 1 }

    func index(of key: UnsafeBufferPointer<UInt8>) -> Int? {
        var slot = ByteKeyIndex.hash(key) & mask
        while true {
            let i = Int(table[slot])
            if i < 0 { return nil }
            if matches(i, key) { return i }
            slot = (slot + 1) & mask
        }
    }

    func index(of name: String) -> Int? {
        var name = name
        return name.withUTF8 { index(of: $0) }
    }

    private func matches(_ i: Int, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = starts[i], length = starts[i + 1] - start
        guard length == key.count else { return false }
        guard length > 0 else { return true }
        return bytes.withUnsafeBufferPointer { memcmp($0.baseAddress! + start, key.baseAddress!, length) == 0 }
    }

    @inline(__always)
    private static func hash(_ key: UnsafeBufferPointer<UInt8>) -> Int {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in key { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        // FNV's low bits mix poorly for short keys that differ only at the end: fold the high bits in.
        return Int(truncatingIfNeeded: h ^ (h >> 29))
    }
}
