import Foundation
import Logging

/// ProbeRunner runs checks and writes one `result` line per run: every check once (`--once`), or each on its own
/// interval forever, spread out with jitter so a thousand checks do not fire in the same second.
public final class ProbeRunner: Sendable {
    public let checks: [Check]
    public let location: String?
    public let writer: LineWriter
    public let clock: any WallClock
    public let concurrency: Int
    private let logger: Logger

    public init(checks: [Check], location: String?, writer: LineWriter, clock: any WallClock = SystemClock(),
                concurrency: Int = 64, logger: Logger = Logger(label: "probe")) {
        self.checks = checks
        self.location = location
        self.writer = writer
        self.clock = clock
        self.concurrency = max(1, concurrency)
        self.logger = logger
    }

    /// Runs one check and makes its result line. Never throws: a site being down is a result.
    public func result(of check: Check) async -> ResultEvent {
        let started = clock.now()
        let outcome = await check.probe.run(ProbeRun(checkID: check.id, timeout: check.timeout, startedAt: started))
        var r = ResultEvent(check: check.id, at: started, ok: outcome.ok)
        r.degraded = outcome.ok && outcome.degraded
        r.kind = check.kindName
        r.location = location
        r.latencyMs = outcome.latencyMs
        r.status = outcome.status
        r.bytes = outcome.bytes
        r.error = outcome.error.map { Redactor.shared.redact($0) }
        r.failed = outcome.failed.isEmpty ? nil : outcome.failed
        r.details = outcome.details.isEmpty ? nil : .object(outcome.details)
        return r
    }

    private func emit(_ r: ResultEvent) throws {
        try writer.write(r.encoded())
        try writer.flush()
    }

    /// Runs every check once, at most `concurrency` at a time, writing results as they finish.
    public func runOnce() async throws {
        try await withThrowingTaskGroup(of: ResultEvent.self) { group in
            var pending = checks[...]
            for _ in 0..<min(concurrency, pending.count) {
                let c = pending.removeFirst()
                group.addTask { await self.result(of: c) }
            }
            while let r = try await group.next() {
                try emit(r)
                if let c = pending.popFirst() { group.addTask { await self.result(of: c) } }
            }
        }
    }

    /// Runs each check every `every` until cancelled. The first run of each check is offset by a stable jitter
    /// within its interval; a check whose run overruns its interval skips the missed slots instead of piling up.
    public func runForever() async throws {
        let start = clock.now()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for check in checks {
                group.addTask {
                    var next = start + .milliseconds(ProbeRunner.jitter(check.id, within: check.every))
                    while !Task.isCancelled {
                        try await self.clock.sleep(until: next)
                        try self.emit(await self.result(of: check))
                        let now = self.clock.now()
                        repeat { next = next + check.every } while next <= now
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    /// A stable offset in `0..<every` from the check id, so restarts keep the same spread.
    static func jitter(_ id: String, within every: TimeSpan) -> Int64 {
        var h: UInt64 = 14_695_981_039_346_656_037
        for b in id.utf8 { h = (h ^ UInt64(b)) &* 1_099_511_628_211 }
        return Int64(h % UInt64(max(1, every.milliseconds)))
    }
}
