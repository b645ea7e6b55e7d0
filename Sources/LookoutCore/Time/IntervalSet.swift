/// IntervalSet is a sorted set of disjoint half-open millisecond intervals `[start, end)`.
///
/// Results arrive in time order, so `add` is almost always an append or an extension of the last interval: the set
/// stays a handful of intervals per check-day unless the check really changes state often.
public struct IntervalSet: Sendable, Equatable, Codable {
    /// Flat pairs: starts at even indices, ends at odd ones.
    public private(set) var bounds: [Int64] = []

    public init() {}

    public init(_ intervals: [(Int64, Int64)]) {
        for (a, b) in intervals { add(a, b) }
    }

    public var isEmpty: Bool { bounds.isEmpty }
    public var count: Int { bounds.count / 2 }
    public var intervals: [(start: Int64, end: Int64)] {
        stride(from: 0, to: bounds.count, by: 2).map { (bounds[$0], bounds[$0 + 1]) }
    }

    /// The summed length of all intervals.
    public var total: Int64 {
        var t: Int64 = 0
        var k = 0
        while k < bounds.count { t += bounds[k + 1] - bounds[k]; k += 2 }
        return t
    }

    /// Adds `[start, end)`, merging with what it touches or overlaps.
    public mutating func add(_ start: Int64, _ end: Int64) {
        guard start < end else { return }
        let n = bounds.count
        if n == 0 || start > bounds[n - 1] {
            bounds.append(start); bounds.append(end)
            return
        }
        if start >= bounds[n - 2] {
            if end > bounds[n - 1] { bounds[n - 1] = end }
            return
        }
        // Out of order: rebuild around the new interval (rare).
        var merged: [Int64] = []
        merged.reserveCapacity(n + 2)
        var ns = start, ne = end, placed = false
        var k = 0
        while k < n {
            let s = bounds[k], e = bounds[k + 1]
            if e < ns { merged.append(s); merged.append(e) }
            else if s > ne {
                if !placed { merged.append(ns); merged.append(ne); placed = true }
                merged.append(s); merged.append(e)
            } else { ns = min(ns, s); ne = max(ne, e) }
            k += 2
        }
        if !placed { merged.append(ns); merged.append(ne) }
        bounds = merged
    }

    public mutating func formUnion(_ other: IntervalSet) {
        if other.isEmpty { return }
        if isEmpty { self = other; return }
        self = IntervalSet.union([self, other])
    }

    /// The union of many sets, in one sort and sweep.
    public static func union(_ sets: [IntervalSet]) -> IntervalSet {
        var all: [(Int64, Int64)] = []
        for s in sets { var k = 0; while k < s.bounds.count { all.append((s.bounds[k], s.bounds[k + 1])); k += 2 } }
        all.sort { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
        var out = IntervalSet()
        for (a, b) in all { out.add(a, b) }
        return out
    }

    /// The parts of this set not covered by `other`.
    public func subtracting(_ other: IntervalSet) -> IntervalSet {
        if other.isEmpty || isEmpty { return self }
        var out = IntervalSet()
        var j = 0
        let o = other.bounds
        var k = 0
        while k < bounds.count {
            var s = bounds[k]
            let e = bounds[k + 1]
            while j < o.count && o[j + 1] <= s { j += 2 }
            var jj = j
            while s < e {
                if jj >= o.count || o[jj] >= e { out.add(s, e); break }
                if o[jj] > s { out.add(s, o[jj]) }
                s = max(s, o[jj + 1])
                jj += 2
            }
            k += 2
        }
        return out
    }

    /// The parts covered by both sets.
    public func intersecting(_ other: IntervalSet) -> IntervalSet {
        subtracting(subtracting(other))
    }

    /// Drops what lies before `time`, cutting an interval that spans it.
    public mutating func remove(before time: Int64) {
        guard let first = bounds.first, first < time else { return }
        var k = 0
        while k < bounds.count, bounds[k + 1] <= time { k += 2 }
        bounds.removeFirst(k)
        if !bounds.isEmpty, bounds[0] < time { bounds[0] = time }
    }

    /// The total length inside `[start, end)`.
    public func total(from start: Int64, to end: Int64) -> Int64 {
        var t: Int64 = 0
        var k = 0
        while k < bounds.count {
            let a = Swift.max(bounds[k], start), b = Swift.min(bounds[k + 1], end)
            if a < b { t += b - a }
            k += 2
        }
        return t
    }

    /// The parts of this set inside `[start, end)`.
    public func clipped(_ start: Int64, _ end: Int64) -> IntervalSet {
        intersecting(IntervalSet([(start, end)]))
    }
}
