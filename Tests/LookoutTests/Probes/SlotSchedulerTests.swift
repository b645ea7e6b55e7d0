import Foundation
@testable import LookoutCore
@testable import LookoutProbe
@testable import LookoutTesting
import Testing

@Suite struct SlotSchedulerTests {
    static let t0 = Timestamp(milliseconds: 1_795_593_600_000)

    /// Slots in, in this order, as (check, ms after t0); what comes out due at `at`, in order.
    @Test(arguments: [
        ([("a", 30), ("b", 10), ("c", 20)], Int64(25), ["b", "c"]),
        ([("a", 5), ("b", 5), ("c", 5)], 5, ["a", "b", "c"]),
        ([("a", 9), ("b", 3), ("c", 7), ("d", 1), ("e", 8), ("f", 2)], 100, ["d", "f", "b", "c", "e", "a"]),
        ([("a", 10)], 9, []),
        ([], 100, []),
    ] as [([(String, Int64)], Int64, [String])])
    func heapGivesDueSlotsEarliestFirstAndTiesInOrder(slots: [(String, Int64)], at: Int64, expected: [String]) {
        var heap = SlotHeap()
        for (id, ms) in slots { heap.insert(id, due: Self.t0 + .milliseconds(ms)) }
        let due = heap.removeDue(at: Self.t0 + .milliseconds(at))
        #expect(due.map(\.checkID) == expected)
        #expect(heap.count == slots.count - expected.count)
    }

    @Test func heapStaysOrderedThroughManyInsertsAndRemovals() {
        var heap = SlotHeap()
        var generator = SystemRandomNumberGenerator()
        var expected: [Int64] = []
        for k in 0..<2_000 {
            let ms = Int64.random(in: 0..<10_000, using: &generator)
            heap.insert("c\(k)", due: Self.t0 + .milliseconds(ms))
            expected.append(ms)
        }
        var seen: [Int64] = []
        for step in stride(from: Int64(0), through: 10_000, by: 250) {
            seen += heap.removeDue(at: Self.t0 + .milliseconds(step)).map { $0.due.milliseconds - Self.t0.milliseconds }
        }
        #expect(seen == expected.sorted())
        #expect(heap.count == 0)
    }

    /// One `nextDue` call in a task, its answer looked at with bounded waits: a scheduler that never wakes fails the
    /// test instead of hanging it (and is stopped, so the task ends).
    final class Wait: Sendable {
        private let answer = Locked<[String]??>(nil)
        let scheduler: SlotScheduler
        init(_ scheduler: SlotScheduler) {
            self.scheduler = scheduler
            Task { [answer] in
                let due = await scheduler.nextDue()?.map(\.checkID)
                answer.withLock { $0 = .some(due) }
            }
        }
        /// The ids handed out (nil: the scheduler stopped), or nil inside when none came within the looks.
        func value() async -> [String]?? {
            for _ in 0..<2_000 {
                if let got = answer.value { return got }
                try? await Task.sleep(for: .milliseconds(5))
            }
            scheduler.stop()
            return nil
        }
    }

    /// Waits (bounded by looks) until `count` sleepers are on the clock.
    func asleep(_ clock: ManualClock, count: Int = 1) async -> Bool {
        for _ in 0..<2_000 {
            if clock.sleeperCount == count { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return false
    }

    @Test func aSlotAddedBeforeTheOneItSleepsForWakesItAndComesFirst() async throws {
        let clock = ManualClock(Self.t0)
        let scheduler = SlotScheduler(clock: clock)
        scheduler.add("late", due: Self.t0 + .seconds(60))
        let first = Wait(scheduler)
        #expect(await asleep(clock))
        scheduler.add("early", due: Self.t0 + .seconds(10))
        // The scheduler wakes and sleeps again, now until the earlier slot.
        clock.advance(by: .seconds(10))
        #expect(await first.value() == .some(["early"]))
        let second = Wait(scheduler)
        #expect(await asleep(clock))
        clock.advance(by: .seconds(50))
        #expect(await second.value() == .some(["late"]))
    }

    @Test func anEmptySchedulerWakesForItsFirstSlot() async throws {
        let clock = ManualClock(Self.t0)
        let scheduler = SlotScheduler(clock: clock)
        let next = Wait(scheduler)
        #expect(await asleep(clock))
        scheduler.add("a", due: Self.t0 + .seconds(1))
        clock.advance(by: .seconds(1))
        #expect(await next.value() == .some(["a"]))
    }

    @Test func stopEndsTheWaitAndDropsLaterSlots() async throws {
        let clock = ManualClock(Self.t0)
        let scheduler = SlotScheduler(clock: clock)
        scheduler.add("a", due: Self.t0 + .seconds(30))
        let next = Wait(scheduler)
        #expect(await asleep(clock))
        scheduler.stop()
        #expect(await next.value() == .some(nil))
        scheduler.add("b", due: Self.t0)
        #expect(await Wait(scheduler).value() == .some(nil))
        #expect(await asleep(clock, count: 0))
    }
}
