import LookoutCore
import NIOCore
import NIOPosix

/// EventLoopClock is the real time, as `SystemClock`, but sleeps on an event-loop timer of the probe's NIO threads
/// instead of `Task.sleep`. NIO runs Swift concurrency's jobs (`ProbeServices.runConcurrencyOnEventLoops`) but not its
/// delayed ones, so every `Task.sleep` went through Dispatch's timer thread, which then woke an event loop to resume
/// the task: two thread wake-ups per check run, 500 a second at 15,000 checks every 30 s (bench/RESULTS.md, issue 15).
/// A cancelled sleep ends at once with `CancellationError` (the runner's stop).
public struct EventLoopClock: WallClock {
    public init() {}

    public func now() -> Timestamp { SystemClock().now() }

    public func sleep(until deadline: Timestamp) async throws {
        let ms = deadline.milliseconds - now().milliseconds
        guard ms > 0 else { return }
        let wake = Wake()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                wake.arm(c, timer: MultiThreadedEventLoopGroup.singleton.next().scheduleTask(in: .milliseconds(ms)) {
                    wake.fire(nil)
                })
            }
        } onCancel: {
            wake.fire(CancellationError())
        }
    }

    /// One sleep's continuation and timer; whichever of the timer and the cancellation comes first resumes it,
    /// including when it comes before the continuation is stored.
    private final class Wake: Sendable {
        private enum State {
            case waiting
            case armed(CheckedContinuation<Void, any Error>, Scheduled<Void>)
            /// Fired before `arm`: nil when the time came, else the cancellation.
            case firedEarly((any Error)?)
            case done
        }
        private let state = Locked(State.waiting)

        func arm(_ c: CheckedContinuation<Void, any Error>, timer: Scheduled<Void>) {
            let early: (any Error)?? = state.withLock { state in
                if case .firedEarly(let error) = state {
                    state = .done
                    return .some(error)
                }
                state = .armed(c, timer)
                return .none
            }
            guard let early else { return }
            if let error = early {
                timer.cancel()
                c.resume(throwing: error)
            } else {
                c.resume()
            }
        }

        /// The timer fired (nil) or the task was cancelled (the error).
        func fire(_ error: (any Error)?) {
            let armed: (CheckedContinuation<Void, any Error>, Scheduled<Void>)? = state.withLock { state in
                switch state {
                case .armed(let c, let timer):
                    state = .done
                    return (c, timer)
                case .waiting:
                    state = .firedEarly(error)
                    return nil
                case .firedEarly, .done:
                    return nil
                }
            }
            guard let (c, timer) = armed else { return }
            if let error {
                timer.cancel()
                c.resume(throwing: error)
            } else {
                c.resume()
            }
        }
    }
}
