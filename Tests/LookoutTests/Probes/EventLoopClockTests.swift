import Foundation
@testable import LookoutCore
@testable import LookoutProbe
import Testing

/// EventLoopClock is the runner's real clock (ProbeRunner's default): its sleeps end at their instant, not before, and
/// at once when the sleeping task is cancelled, as `SystemClock`'s `Task.sleep` did.
@Suite struct EventLoopClockTests {
    @Test func aSleepEndsAtItsInstantNotBefore() async throws {
        let clock = EventLoopClock()
        let until = clock.now() + .milliseconds(120)
        try await clock.sleep(until: until)
        #expect(clock.now() >= until)
    }

    @Test(.timeLimit(.minutes(1)), arguments: [0, 50])
    func cancellingEndsASleepWithCancellationError(afterMs: Int) async throws {
        let clock = EventLoopClock()
        let sleeper = Task { () -> (any Error)? in
            do { try await clock.sleep(until: clock.now() + .seconds(3600)); return nil } catch { return error }
        }
        if afterMs > 0 { try await Task.sleep(for: .milliseconds(afterMs)) }
        sleeper.cancel()
        #expect(await sleeper.value is CancellationError)
    }
}
