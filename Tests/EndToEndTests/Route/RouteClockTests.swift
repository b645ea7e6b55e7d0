import Foundation
import Logging
import LookoutCommands
@testable import LookoutCore
@testable import LookoutRoute
@testable import LookoutTesting
import Testing

/// Backoff and Retry-After run on the injected clock: with a `ManualClock` a two-minute wait takes no real time,
/// and nothing is sent a moment early.
@Suite(.serialized) struct RouteClockTests {
    static let start = Timestamp(seconds: 1_800_000_000)

    /// Runs the dispatcher for one opened incident to a webhook sink on `server`, driven by `clock`.
    static func dispatcher(_ server: RecordingServer, clock: ManualClock, base: String) throws -> (Dispatcher, Outbox) {
        let routing = """
          retry: {base: \(base), max_attempts: 5}
          sinks:
            hook: {kind: webhook, url: "${HOOK_URL}"}
          routes:
            - {sinks: [hook]}
        """
        let config = try Config.parse(yaml: RouteHarness.config(routing: routing), file: "<test>",
                                      environment: ["HOOK_URL": server.baseURL + "/hook/clockSECRET"])
        let routingConfig = try #require(config.routing)
        let outbox = try Outbox(path: nil, router: IncidentRouter(config: routingConfig, tiers: config.tiers))
        let event = RouteHarness.incident(1, .opened, at: 90)
        try outbox.enqueue(event, line: event.encoded(), now: clock.now())
        let dispatcher = Dispatcher(outbox: outbox, routing: routingConfig, sites: config.sites, transport: AsyncHTTPTransport(),
                                    clock: clock, writer: nil, logger: Logger(label: "clock-test"), jitter: { 0.5 })
        dispatcher.inputFinished()
        return (dispatcher, outbox)
    }

    /// Waits in real time (bounded) until the worker is asleep on the manual clock.
    static func waitForSleeper(_ clock: ManualClock) async throws {
        for _ in 0..<3000 where clock.sleeperCount == 0 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(clock.sleeperCount > 0)
    }

    /// Advances the clock second by second for `seconds`, letting the worker look each time.
    static func advance(_ clock: ManualClock, seconds: Int) async throws {
        for _ in 0..<seconds {
            try await waitForSleeper(clock)
            clock.advance(by: .seconds(1))
        }
        try await waitForSleeper(clock)
    }

    @Test func backoffWaitsOnTheInjectedClock() async throws {
        let server = try RecordingServer { _, n in n == 0 ? .init(status: 503) : .ok }
        defer { server.shutdown() }
        let clock = ManualClock(RouteClockTests.start)
        let (dispatcher, outbox) = try RouteClockTests.dispatcher(server, clock: clock, base: "10s")
        let run = Task { try await dispatcher.run() }
        #expect(await server.arrived(1))
        // Attempt 1 failed: full jitter at 0.5 of a 10s ceiling is 5s.
        try await RouteClockTests.advance(clock, seconds: 4)
        #expect(server.requests.count == 1, "nothing is retried before the backoff has passed")
        try await RouteClockTests.waitForSleeper(clock)
        clock.advance(by: .seconds(1))
        #expect(await server.arrived(2))
        try await run.value
        #expect(try outbox.pendingCount() == 0)
    }

    @Test func retryAfterOfTwoMinutesIsObeyedWithoutWaitingTwoMinutes() async throws {
        let server = try RecordingServer { _, n in n == 0 ? .init(status: 429, headers: [("Retry-After", "120")]) : .ok }
        defer { server.shutdown() }
        let clock = ManualClock(RouteClockTests.start)
        let (dispatcher, _) = try RouteClockTests.dispatcher(server, clock: clock, base: "1s")
        let run = Task { try await dispatcher.run() }
        #expect(await server.arrived(1))
        try await RouteClockTests.advance(clock, seconds: 119)
        #expect(server.requests.count == 1, "Retry-After: 120 means not a second sooner")
        clock.advance(by: .seconds(1))
        #expect(await server.arrived(2))
        try await run.value
    }
}
