import Foundation
@testable import LookoutCore
@testable import LookoutProbe
@testable import LookoutTesting
import Testing

/// Browser checks against a loopback shop in the real headless Chromium (Debian's, installed by
/// pipelines/install-deps): the page a script renders passes; the same page with its script broken, its API failing,
/// an exception thrown or a resource hanging is judged for what it is; the visible-text baseline catches the
/// header-only page with nothing written; screenshots are kept and bounded; a browser killed mid-check is replaced.
/// Serialized: each test starts its own browser, and two at once would only slow both on a 2-core machine.
@Suite(.serialized) struct BrowserProbeTests {
    static func check(_ settings: String) throws -> Check {
        try ProbeTestSupport.check(settings, environment: ["PATH": "/usr/bin:/bin"])
    }

    /// Runs `body` against the loopback site with fresh services (screenshots in a temp folder), then stops the
    /// browser and the site, whatever happens. Without chromium the test records why and does nothing.
    static func scenario(broken: Locked<Bool> = Locked(false), browser: ProbeServices.BrowserSettings = .init(),
                         _ body: (ProbeSite, ProbeServices, URL) async throws -> Void) async throws {
        guard BrowserTestSite.chromiumInstalled() else { return }
        let site = try await BrowserTestSite.start(broken: broken)
        let dir = try ProbeTestSupport.tempDirectory()
        let services = try ProbeServices(screenshots: dir.appendingPathComponent("screenshots").path, browser: browser)
        var failure: (any Error)?
        do {
            // The browser starts before the test's checks, so a machine busy with the rest of the suite slows the
            // start without eating a check's timeout (a check's own start is covered by the killed-browser test).
            let shared = services.browser(executable: BrowserTestSite.chromium)
            shared.release(try await Deadline(in: .seconds(90)).run { try await shared.acquire() })
            try await body(site, services, dir)
        } catch { failure = error }
        await services.shutdown()
        await site.stop()
        try? FileManager.default.removeItem(at: dir)
        if let failure { throw failure }
    }

    static func detail(_ o: ProbeOutcome, _ key: String) -> JSONValue? { o.details.first { $0.key == key }?.value }

    static func strings(_ o: ProbeOutcome, _ key: String) -> [String] {
        (detail(o, key)?.arrayValue ?? []).compactMap(\.stringValue)
    }

    @Test func renderedPagePassesAndBrokenScriptFails() async throws {
        let broken = Locked(false)
        try await Self.scenario(broken: broken) { site, services, _ in
            let check = try Self.check("""
                - id: acme-shop
                  browser: \(site.baseURL)/shop
                  timeout: 90s
                  expect: {contains: ["Anvil 40", "/Anvil \\\\d+: the finest/"], not_contains: ["Something went wrong"], min_bytes: 1000}
                  selector: ["main .product", "footer"]
                """)
            let good = await ProbeTestSupport.run(check, services: services)
            #expect(good.ok, "\(good)")
            #expect(good.failed.isEmpty)
            #expect(good.status == 200)
            #expect((good.bytes ?? 0) > 1500, "the rendered products are visible text")
            for key in ["ttfb_ms", "dom_content_loaded_ms", "load_ms"] {
                #expect(Self.detail(good, key)?.doubleValue != nil, "\(key) in \(good.details)")
            }
            #expect(Self.detail(good, "exceptions") == nil && Self.detail(good, "failed_requests") == nil)

            broken.withLock { $0 = true }
            let bad = await ProbeTestSupport.run(check, services: services)
            #expect(!bad.ok)
            #expect(bad.status == 200, "the shell still answers 200: only the browser sees the difference")
            #expect(bad.failed == ["contains: Anvil 40", "contains: /Anvil \\d+: the finest/", "min_bytes: 1000",
                                   "selector: main .product", "selector: footer", "exceptions"])
            #expect(bad.error == "visible text does not contain \"Anvil 40\"")
            #expect(Self.strings(bad, "exceptions").first?.hasPrefix("SyntaxError") == true, "\(bad.details)")
        }
    }

    @Test func failingAPIIsListedAndFailsWhenAskedTo() async throws {
        try await Self.scenario { site, services, _ in
            let degrading = try Self.check("- id: acme-api\n  browser: \(site.baseURL)/api-down\n  timeout: 90s")
            let failing = try Self.check("- id: acme-api\n  browser: \(site.baseURL)/api-down\n  timeout: 90s\n  errors: {requests: fail, console: degraded}")
            let d = await ProbeTestSupport.run(degrading, services: services)
            #expect(d.ok && d.degraded, "\(d)")
            #expect(Self.strings(d, "failed_requests") == ["500 GET /api/down"])
            #expect(Self.strings(d, "console_errors") == ["could not load the products: api 500"], "listed, not judged, by default")
            #expect(d.failed == ["failed_requests"])
            #expect(d.error == "1 failed request: 500 GET /api/down")

            let f = await ProbeTestSupport.run(failing, services: services)
            #expect(!f.ok)
            #expect(f.failed == ["console_errors", "failed_requests"])
        }
    }

    @Test func thrownExceptionIsListed() async throws {
        try await Self.scenario { site, services, _ in
            let check = try Self.check("- id: acme-throws\n  browser: \(site.baseURL)/throws\n  timeout: 90s\n  errors: {exceptions: fail}")
            let o = await ProbeTestSupport.run(check, services: services)
            #expect(!o.ok)
            #expect(o.failed == ["exceptions"])
            let listed = Self.strings(o, "exceptions")
            #expect(listed.count == 1)
            #expect(listed.first?.hasPrefix("TypeError: Cannot read properties of undefined") == true, "\(listed)")
            let line = BrowserTestSite.renderer(api: "/api/products").split(separator: "\n").count + 1
            #expect(listed.first?.hasSuffix("(throws.js:\(line))") == true, "\(listed)")
            #expect(Self.detail(o, "screenshot") != nil, "a failed run leaves a screenshot")
        }
    }

    @Test func slowResourcePastTheTimeoutFailsTheLoad() async throws {
        try await Self.scenario { site, services, _ in
            let check = try Self.check("- id: acme-slow\n  browser: \(site.baseURL)/slow\n  timeout: 5s")
            let started = ContinuousClock.now
            let o = await ProbeTestSupport.run(check, services: services)
            let took = ContinuousClock.now - started
            #expect(!o.ok)
            #expect(o.failed == ["load"])
            #expect(o.error == "the page did not finish loading within 5s (still loading: /slow.png)", "\(o)")
            #expect(Self.strings(o, "pending_requests") == ["\(site.baseURL)/slow.png"])
            // Bounded by the timeout plus the read allowance, not by the minute the image takes (a loose bound: the
            // machine may be busy; this is not a timing assertion, it tells a bounded wait from an unbounded one).
            #expect(took < .seconds(20))
        }
    }

    @Test func refusedConnectionIsDownWithoutAssertions() async throws {
        try await Self.scenario { _, services, _ in
            let port = try ProbeTestSupport.refusedPort()
            let check = try Self.check("- id: acme-gone\n  browser: http://127.0.0.1:\(port)/\n  timeout: 90s")
            let o = await ProbeTestSupport.run(check, services: services)
            #expect(!o.ok)
            #expect(o.failed.isEmpty)
            #expect(o.error == "connection refused (net::ERR_CONNECTION_REFUSED)")
        }
    }

    @Test func textBaselineCatchesTheHeaderOnlyPageWithNoAssertion() async throws {
        let broken = Locked(false)
        try await Self.scenario(broken: broken) { site, services, _ in
            // Nothing written but the baseline's size, and exceptions ignored: only the baseline can catch it.
            let check = try Self.check("""
                - id: acme-shop
                  browser: \(site.baseURL)/shop
                  timeout: 90s
                  errors: {exceptions: ignore}
                  text_anomaly: {samples: 3, min_samples: 3}
                """)
            var outcomes: [ProbeOutcome] = []
            for k in 0..<5 {
                if k == 4 { broken.withLock { $0 = true } }
                outcomes.append(await ProbeTestSupport.run(check, services: services, at: Timestamp(milliseconds: 1_000_000 + Int64(k) * 300_000)))
            }
            #expect(outcomes.prefix(4).allSatisfy { $0.ok && $0.failed.isEmpty }, "\(outcomes.prefix(4))")
            #expect(Self.detail(outcomes[3], "median_text_bytes") != nil, "judged normal once three runs are known")
            let last = outcomes[4]
            #expect(!last.ok)
            #expect(last.failed == ["text_size_anomaly"])
            let median = Self.detail(last, "median_text_bytes")?.doubleValue.map { Int($0) } ?? 0
            #expect(median == outcomes[0].bytes)
            #expect(last.error == "visible text is \(last.bytes ?? -1) bytes, under 30% of the recent median \(median) bytes")
            let samples = try services.baselines.samples(check: "acme-shop:text")
            // The newest three normal runs (the window) and the anomalous one, which does not join the median.
            #expect(samples.map(\.anomalous) == [false, false, false, true], "\(samples)")
        }
    }

    @Test func screenshotsAreWrittenOnFailureAndBounded() async throws {
        try await Self.scenario(broken: Locked(true)) { site, services, dir in
            let check = try Self.check("""
                - id: acme-shop
                  browser: \(site.baseURL)/shop
                  timeout: 90s
                  expect: {contains: ["Anvil"]}
                  screenshots: {keep: 2}
                """)
            var paths: [String] = []
            for k in 0..<3 {
                let o = await ProbeTestSupport.run(check, services: services, at: Timestamp(milliseconds: 1_795_593_600_000 + Int64(k) * 60_000))
                #expect(!o.ok)
                paths.append(Self.detail(o, "screenshot")?.stringValue ?? "")
            }
            let kept = services.screenshots?.files(check: "acme-shop") ?? []
            #expect(kept == Array(paths.suffix(2)), "the newest two are kept")
            #expect(kept.first?.hasPrefix(dir.appendingPathComponent("screenshots/acme-shop/acme-shop-20261125T080100.000Z.png").path) == true, "\(kept)")
            for path in kept {
                let bytes = [UInt8]((try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data())
                #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]), "a PNG")
                #expect(bytes.count > 1000)
            }
        }
    }

    @Test func browserKilledMidCheckIsReplacedForTheNextCheck() async throws {
        try await Self.scenario { site, services, _ in
            let hanging = try Self.check("- id: acme-hang\n  browser: \(site.baseURL)/hanging\n  timeout: 30s")
            let good = try Self.check("- id: acme-shop\n  browser: \(site.baseURL)/shop\n  timeout: 90s")
            let browser = services.browser(executable: BrowserTestSite.chromium)
            let inFlight = Task { await ProbeTestSupport.run(hanging, services: services) }
            // Wait (bounded) until the page is waiting on its API, then kill the browser's whole process group.
            var pid: pid_t?
            for _ in 0..<200 {
                if let p = browser.pid, FileManager.default.fileExists(atPath: "/proc/\(p)") { pid = p }
                if pid != nil, site.requestCount("/api/hang") > 0 { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            let victim = try #require(pid)
            kill(-victim, SIGKILL)
            let cut = await inFlight.value
            #expect(!cut.ok)
            #expect(cut.error?.hasPrefix("the browser failed: ") == true, "\(cut)")
            let next = await ProbeTestSupport.run(good, services: services)
            #expect(next.ok, "\(next)")
            #expect(browser.starts == 2)
            #expect(browser.pid != victim)
        }
    }

    @Test func everyPageGetsAFreshContextWithinThePageLimit() async throws {
        // One page at a time: three checks started together take their turns, and none sees another's cookie.
        try await Self.scenario(browser: .init(pages: 1)) { site, services, _ in
            let check = try Self.check("- id: acme-visitor\n  browser: \(site.baseURL)/visitor\n  timeout: 90s\n  expect: {contains: [first visit]}")
            let outcomes = await withTaskGroup(of: ProbeOutcome.self) { group in
                for _ in 0..<3 { group.addTask { await ProbeTestSupport.run(check, services: services) } }
                return await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.count == 3)
            #expect(outcomes.allSatisfy { $0.ok }, "\(outcomes)")
            #expect(services.browser(executable: BrowserTestSite.chromium).starts == 1, "one browser for all of them")
        }
    }

    @Test func browserOverItsMemoryCapIsReplacedBetweenPages() async throws {
        // A cap no browser fits under: the page after the warm-up finds the browser over it and gets a new one, and
        // the old one is killed once its page has closed.
        try await Self.scenario(browser: .init(pages: 2, memoryCapBytes: 1)) { site, services, _ in
            let check = try Self.check("- id: acme-shop\n  browser: \(site.baseURL)/shop\n  timeout: 90s")
            let browser = services.browser(executable: BrowserTestSite.chromium)
            // Set: the start that the warm-up waited for made the browser current before handing it out.
            let firstPID = try #require(browser.pid)
            let o = await ProbeTestSupport.run(check, services: services)
            #expect(o.ok, "\(o)")
            #expect(browser.starts == 2)
            #expect(browser.pid != firstPID)
            // The retired browser is gone (its group killed and reaped): bounded wait, the close runs in the background.
            var gone = false
            for _ in 0..<100 where !gone {
                gone = kill(firstPID, 0) != 0
                if !gone { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(gone, "chromium pid \(firstPID) still runs")
        }
    }
}
