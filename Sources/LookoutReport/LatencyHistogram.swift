import Foundation
import LookoutCore

/// LatencyHistogram counts latencies in fixed logarithmic buckets, so percentiles of a check-day (or a month) take
/// a constant 3.9 KB per check whatever the number of results.
///
/// Buckets split every power of two above 0.01 ms into 32 equal ratios (2^(1/32), about 2.2% wide) up to about
/// 3 hours. A percentile is the nearest-rank bucket's geometric midpoint, clamped to the exact minimum and maximum
/// seen, so it is within 1.1% of the true nearest-rank value (exact for the 0th and 100th).
public struct LatencyHistogram: Sendable, Equatable, Codable {
    static let perOctave = 32.0
    static let floor = 0.01
    static let bucketCount = 32 * 30 + 1

    private var counts: [UInt32] = []
    public private(set) var count = 0
    public private(set) var min = Double.infinity
    public private(set) var max = -Double.infinity

    public init() {}

    static func bucket(_ ms: Double) -> Int {
        guard ms > floor else { return 0 }
        let i = Int(Foundation.log2(ms / floor) * perOctave) + 1
        return i < bucketCount ? i : bucketCount - 1
    }

    /// The value a bucket stands for: the geometric midpoint of its bounds.
    static func value(ofBucket i: Int) -> Double {
        guard i > 0 else { return floor }
        return floor * Foundation.pow(2, (Double(i) - 0.5) / perOctave)
    }

    public mutating func record(_ ms: Double) {
        guard ms.isFinite, ms >= 0 else { return }
        if counts.isEmpty { counts = Array(repeating: 0, count: LatencyHistogram.bucketCount) }
        counts[LatencyHistogram.bucket(ms)] &+= 1
        count += 1
        if ms < min { min = ms }
        if ms > max { max = ms }
    }

    /// The nearest-rank `percentile` in 0...100, or nil with no values.
    public func percentile(_ percentile: Double) -> Double? {
        guard count > 0 else { return nil }
        let rank = Swift.max(1, Int((percentile / 100 * Double(count)).rounded(.up)))
        if rank >= count { return max }
        if rank == 1 { return min }
        var seen = 0
        for (i, c) in counts.enumerated() where c > 0 {
            seen += Int(c)
            if seen >= rank { return Swift.min(Swift.max(LatencyHistogram.value(ofBucket: i), min), max) }
        }
        return max
    }
}
