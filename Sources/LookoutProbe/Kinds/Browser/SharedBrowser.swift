import Foundation
import Logging
import LookoutCore

/// SharedBrowser is the one headless Chromium that every browser check of a probe process uses, one page (in a
/// fresh browser context) per run. It starts at the first browser check, not with the probe, and is replaced:
///
/// - when it has died (crashed, killed): the next page starts a new one;
/// - when its process group uses more memory (PSS) than `memoryCap`: it is retired, new pages go to a new browser, and
///   the old one is killed when its last page closes;
/// - when it stops answering mid-check (`discard`): killed at once.
///
/// At most `pages` pages are open at once; a check waits for a free one.
public final class SharedBrowser: Sendable {
    public let executable: String
    public let memoryCap: Int
    private let limiter: AsyncLimiter
    private let logger: Logger

    /// Generation is one running browser and the DevTools connection to it.
    struct Generation: Sendable {
        let id: Int
        let process: ChromiumProcess
        let connection: DevToolsConnection
    }

    /// Lease is a page slot in a generation, returned with `release`.
    struct Lease: Sendable {
        let generation: Generation
        var connection: DevToolsConnection { generation.connection }
    }

    private struct State {
        var starting: Task<Generation, any Error>?
        var current: Generation?
        var nextID = 1
        /// Open pages by generation.
        var open: [Int: Int] = [:]
        /// Generations replaced while pages were still open on them, killed when the last closes.
        var retiring: [Int: Generation] = [:]
        var started = 0
        var closed = false
    }
    private let state = Locked(State())

    /// How long a browser may take to open its DevTools socket, however short the check's timeout.
    static let startTimeout = Duration.seconds(30)

    public init(executable: String, pages: Int, memoryCap: Int, logger: Logger) {
        self.executable = executable
        self.memoryCap = memoryCap
        self.limiter = AsyncLimiter(limit: pages)
        self.logger = logger
    }

    /// How many browsers this has started (the first, and every restart).
    public var starts: Int { state.withLock { $0.started } }

    /// The running browser's process id, if one runs (for tests and diagnostics).
    public var pid: pid_t? { state.withLock { $0.current?.process.pid } }

    /// A page slot on a healthy browser, starting one if needed. The caller must `release` it.
    func acquire() async throws -> Lease {
        await limiter.acquire()
        do {
            let generation = try await healthyGeneration()
            let ok = state.withLock { state -> Bool in
                guard !state.closed else { return false }
                state.open[generation.id, default: 0] += 1
                return true
            }
            guard ok else { throw DevToolsConnection.Failure.closed }
            return Lease(generation: generation)
        } catch {
            limiter.release()
            throw error
        }
    }

    /// Returns a page slot; a retired browser whose last page this was is killed.
    func release(_ lease: Lease) {
        let retired: Generation? = state.withLock { state in
            let id = lease.generation.id
            state.open[id, default: 1] -= 1
            guard state.open[id] == 0 else { return nil }
            state.open.removeValue(forKey: id)
            return state.retiring.removeValue(forKey: id)
        }
        if let retired { stop(retired, because: "its last page closed after it was retired") }
        limiter.release()
    }

    /// Kills the browser of `lease` now (it stopped answering); pages still open on it fail, the next page starts a
    /// new browser.
    func discard(_ lease: Lease, because reason: String) {
        let generation = lease.generation
        let found = state.withLock { state -> Bool in
            if state.current?.id == generation.id { state.current = nil; return true }
            return state.retiring.removeValue(forKey: generation.id) != nil
        }
        if found { stop(generation, because: reason) }
    }

    /// Kills the browser, if one runs; later `acquire`s fail.
    public func shutdown() async {
        let (current, retiring, starting) = state.withLock { state in
            state.closed = true
            defer { state.current = nil; state.retiring = [:] }
            return (state.current, Array(state.retiring.values), state.starting)
        }
        // A browser still starting stops itself once up: it finds the state closed.
        _ = try? await starting?.value
        for generation in [current].compactMap({ $0 }) + retiring {
            logger.info("browser: stopping chromium pid \(generation.process.pid): the probe is stopping")
            generation.connection.shutdown()
            await generation.process.stop(grace: .seconds(3))
        }
    }

    private func stop(_ generation: Generation, because reason: String) {
        logger.info("browser: stopping chromium pid \(generation.process.pid): \(reason)")
        generation.connection.shutdown()
        generation.process.terminate()
    }

    /// The current browser if it is alive and under its memory cap; else a new one (started once, however many
    /// checks ask at the same time).
    private func healthyGeneration() async throws -> Generation {
        for _ in 0..<3 {
            let (current, starting) = state.withLock { ($0.current, $0.starting) }
            if let current {
                if current.connection.isClosed || !current.process.isRunning {
                    logger.warning("browser: chromium pid \(current.process.pid) is gone; starting a new one")
                    replace(current, retire: false)
                    continue
                }
                let memory = current.process.memoryBytes
                if memory > memoryCap {
                    logger.info("browser: chromium pid \(current.process.pid) uses \(memory >> 20) MiB, over the cap of \(memoryCap >> 20) MiB; replacing it")
                    replace(current, retire: true)
                    continue
                }
                return current
            }
            return try await (starting ?? startTask()).value
        }
        throw DevToolsConnection.Failure.connectFailed("the browser kept dying at start")
    }

    /// Starts a browser in a task that every concurrent caller awaits. The task itself makes the browser `current`
    /// (or stops it, when the probe is stopping) before any caller sees it, and clears `starting` either way: there
    /// is no moment when a started browser is neither.
    private func startTask() -> Task<Generation, any Error> {
        state.withLock { state in
            if let task = state.starting { return task }
            let id = state.nextID
            state.nextID += 1
            let task = Task { () throws -> Generation in
                let generation: Generation
                do {
                    generation = try await self.start(id: id)
                } catch {
                    self.state.withLock { $0.starting = nil }
                    throw error
                }
                let keep = self.state.withLock { state -> Bool in
                    state.starting = nil
                    guard !state.closed else { return false }
                    state.current = generation
                    state.started += 1
                    return true
                }
                guard keep else {
                    self.stop(generation, because: "the probe is stopping")
                    throw DevToolsConnection.Failure.closed
                }
                return generation
            }
            state.starting = task
            return task
        }
    }

    /// Starts Chromium and connects to it.
    private func start(id: Int) async throws -> Generation {
        let executable = self.executable
        let process = try await withCheckedThrowingContinuation { c in
            // Polling for the socket blocks: on a Dispatch thread, never on an event loop.
            DispatchQueue.global().async {
                c.resume(with: Result { try ChromiumProcess.start(executable: executable, timeout: SharedBrowser.startTimeout) })
            }
        }
        do {
            let connection = try await DevToolsConnection.connect(to: process.webSocketURL, timeout: .seconds(10), logger: logger)
            logger.info("browser: started chromium pid \(process.pid)")
            return Generation(id: id, process: process, connection: connection)
        } catch {
            process.terminate()
            throw error
        }
    }

    /// Takes `generation` out of service: retired (killed when its open pages close) or killed now.
    private func replace(_ generation: Generation, retire: Bool) {
        let stopNow = state.withLock { state -> Bool in
            guard state.current?.id == generation.id else { return false }
            state.current = nil
            if retire, (state.open[generation.id] ?? 0) > 0 {
                state.retiring[generation.id] = generation
                return false
            }
            return true
        }
        if stopNow { stop(generation, because: retire ? "over its memory cap" : "it died") }
    }
}
