import LookoutCore

/// FlapHistory keeps the last results of a check (failed or not, and when) and measures how much they bounce, the
/// way Nagios and Icinga do: each change between consecutive results is weighted from 0.75 (oldest) to 1.25
/// (newest), and the sum is a percentage of the `window - 1` possible changes.
public struct FlapHistory: Sendable {
    public internal(set) var window: Int
    /// Bit k set: the k-th newest result failed (bit 0 is the newest).
    public internal(set) var failures: UInt64 = 0
    public internal(set) var count = 0
    /// When each result happened, in a ring (`ring[head]` is the newest), so a flapping incident can start at its
    /// first failure without shifting an array on every result.
    private var ring: [Int64]
    private var head = 0

    public init(window: Int) {
        self.window = window
        ring = []
    }

    public mutating func record(failed: Bool, at: Int64) {
        let mask: UInt64 = window >= 64 ? .max : (1 << UInt64(window)) - 1
        failures = ((failures << 1) | (failed ? 1 : 0)) & mask
        count = min(count + 1, window)
        if ring.count < window {
            ring.append(at)
            head = ring.count - 1
        } else {
            head = head + 1 == window ? 0 : head + 1
            ring[head] = at
        }
    }

    /// The time of the k-th newest result (0 is the newest).
    func time(_ k: Int) -> Int64 {
        var i = head - k
        if i < 0 { i += ring.count }
        return ring[i]
    }

    /// The recorded times, newest first: the persisted form.
    var times: [Int64] {
        get { (0..<ring.count).map { time($0) } }
        set {
            ring = newValue.reversed()
            head = ring.count - 1
        }
    }

    /// Unweighted changes between consecutive results in the window.
    public var changes: Int { changeBits.nonzeroBitCount }

    /// Bit k set: the k-th and (k+1)-th newest results differ. Only the changes are visited below, not the window.
    private var changeBits: UInt64 {
        guard count > 1 else { return 0 }
        let mask: UInt64 = count - 1 >= 64 ? .max : (1 << UInt64(count - 1)) - 1
        return (failures ^ (failures >> 1)) & mask
    }

    /// The weighted percent state change. With fewer results than the window the missing ones count as unchanged,
    /// so a new check cannot look flapping after two bounces.
    public var percentChange: Double {
        guard count > 1, window > 2 else { return 0 }
        var sum = 0.0
        var bits = changeBits
        while bits != 0 {
            // Change k (0 = between the two newest) sits at position window - 2 - k among window - 1 changes;
            // summed from the newest, in the same order as ever, so the percentage is bit-for-bit the same.
            let k = bits.trailingZeroBitCount
            bits &= bits - 1
            let position = Double(window - 2 - k)
            sum += 0.75 + position * 0.5 / Double(window - 2)
        }
        return sum * 100 / Double(window - 1)
    }

    /// The time of the oldest failure still in the window.
    public var oldestFailure: Int64? {
        var found: Int64?
        for k in 0..<min(count, ring.count) where (failures >> UInt64(k)) & 1 == 1 { found = time(k) }
        return found
    }
}

extension FlapHistory: Equatable {
    /// Equal when they hold the same results, wherever the ring happens to start.
    public static func == (lhs: FlapHistory, rhs: FlapHistory) -> Bool {
        lhs.window == rhs.window && lhs.failures == rhs.failures && lhs.count == rhs.count && lhs.times == rhs.times
    }
}
