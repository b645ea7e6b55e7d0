import Foundation
import LookoutCore
import NIOCore
import NIOPosix

/// Deadline bounds one awaited step by an instant: the step's result, or `Deadline.Passed` once the instant passes.
/// At the deadline the step is cancelled and left to finish on its own, so neither a kind that overruns (the runner
/// bounds every run with it) nor a browser that stops answering can hold a check past its timeout.
struct Deadline: Sendable {
    let instant: ContinuousClock.Instant

    init(_ instant: ContinuousClock.Instant) { self.instant = instant }
    init(in duration: Duration) { instant = .now + duration }

    struct Passed: Error {}

    var hasPassed: Bool { ContinuousClock.now >= instant }

    /// `body`'s result if it finishes before the deadline; else throws `Passed`.
    func run<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        guard !hasPassed else { throw Passed() }
        let instant = self.instant
        return try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, any Error>) in
            let once = OnceFlag()
            let timer = TimerBox()
            let work = Task {
                let result: Result<T, any Error>
                do { result = .success(try await body()) } catch { result = .failure(error) }
                timer.cancel()  // no armed watchdog left behind for every finished step (every check run)
                if once.take() { c.resume(with: result) }
            }
            // An event-loop timer, not a task sleeping: Task.sleep goes through Dispatch's timer thread (NIO takes
            // over only the executor's immediate jobs), and a cancelled sleep stays in Dispatch's timer heap until its
            // instant. The runner bounds every check run with this, 500 a second at 15,000 checks every 30 s.
            let delay = TimeAmount.nanoseconds(max(0, (instant - .now).wholeNanoseconds))
            timer.set(MultiThreadedEventLoopGroup.singleton.next().scheduleTask(in: delay) {
                if once.take() {
                    work.cancel()
                    c.resume(throwing: Passed())
                }
            })
        }
    }
}
