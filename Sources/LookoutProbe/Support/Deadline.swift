import Foundation
import LookoutCore

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
                timer.cancel()  // no sleeping watchdog left behind for every finished step (every check run)
                if once.take() { c.resume(with: result) }
            }
            timer.set(Task {
                guard (try? await Task.sleep(until: instant, clock: .continuous)) != nil else { return }
                if once.take() {
                    work.cancel()
                    c.resume(throwing: Passed())
                }
            })
        }
    }
}
