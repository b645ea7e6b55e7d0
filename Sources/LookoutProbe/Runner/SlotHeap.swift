import LookoutCore

/// SlotHeap holds the next slot of every check running forever, earliest first (a binary min-heap; slots due at the
/// same moment come out in the order they went in). One heap and one sleeping loop replace a sleeping task per check,
/// whose task allocator held about 4 KB each: 63 MiB of 106 at 15,000 checks (heaptrack, bench/RESULTS.md, issue 15).
struct SlotHeap {
    struct Slot: Equatable {
        let due: Timestamp
        let checkID: String
        /// Insertion order, so equal times keep first-in first-out.
        let order: UInt64
    }

    private var slots: [Slot] = []
    private var inserted: UInt64 = 0

    var count: Int { slots.count }
    var earliest: Timestamp? { slots.first?.due }

    mutating func insert(_ checkID: String, due: Timestamp) {
        inserted += 1
        slots.append(Slot(due: due, checkID: checkID, order: inserted))
        var child = slots.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard SlotHeap.before(slots[child], slots[parent]) else { break }
            slots.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns every slot due at or before `now`, earliest first.
    mutating func removeDue(at now: Timestamp) -> [Slot] {
        var due: [Slot] = []
        while let first = slots.first, first.due <= now { due.append(removeFirst()) }
        return due
    }

    private mutating func removeFirst() -> Slot {
        let first = slots[0]
        let last = slots.removeLast()
        guard !slots.isEmpty else { return first }
        slots[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var least = parent
            if left < slots.count, SlotHeap.before(slots[left], slots[least]) { least = left }
            if right < slots.count, SlotHeap.before(slots[right], slots[least]) { least = right }
            if least == parent { return first }
            slots.swapAt(parent, least)
            parent = least
        }
    }

    private static func before(_ lhs: Slot, _ rhs: Slot) -> Bool {
        lhs.due != rhs.due ? lhs.due < rhs.due : lhs.order < rhs.order
    }
}
