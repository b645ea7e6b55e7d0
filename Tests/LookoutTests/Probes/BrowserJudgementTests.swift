import Foundation
@testable import LookoutCore
@testable import LookoutProbe
import Testing

/// The browser kind's decisions without a browser: the config it accepts and refuses, the events that settle a page
/// (`PageRecorder`), the verdict on what a page showed (`BrowserProbe.judge`), and the screenshot folder's bounds.
@Suite struct BrowserJudgementTests {
    static let environment = ["PATH": "/usr/bin:/bin"]

    static func probe(_ settings: String = "") throws -> BrowserProbe {
        let check = try ProbeTestSupport.check("- id: acme-app\n  browser: http://127.0.0.1:8080/app" + settings, environment: environment)
        return try #require(check.probe as? BrowserProbe)
    }

    // MARK: config

    @Test func defaultsAreFiveMinutesAndThirtySeconds() throws {
        guard BrowserTestSite.chromiumInstalled() else { return }
        let check = try ProbeTestSupport.check("- id: acme-app\n  browser: http://127.0.0.1:8080/", environment: Self.environment)
        #expect(check.every == .minutes(5))
        #expect(check.timeout == .seconds(30))
        let probe = try #require(check.probe as? BrowserProbe)
        #expect(probe.chromium == "/usr/bin/chromium")
        #expect(probe.errors == (try BrowserProbe.ErrorPolicy(nil)))
        #expect(probe.screenshots == ScreenshotStore.Policy())
        let written = try ProbeTestSupport.check("- id: acme-app\n  browser: http://127.0.0.1:8080/\n  every: 1m\n  timeout: 5s",
                                                 environment: Self.environment)
        #expect(written.every == .minutes(1) && written.timeout == .seconds(5))
    }

    @Test(arguments: [
        ("- id: a\n  browser: http://127.0.0.1/", ["PATH": "/nowhere"],
         "test.yaml:8: browser checks need chromium: no chromium or chromium-browser in PATH (install Debian's chromium package, or set LOOKOUT_CHROMIUM to the program)"),
        ("- id: a\n  browser: http://127.0.0.1/", ["LOOKOUT_CHROMIUM": "/nowhere/chromium"],
         "test.yaml:8: browser checks need chromium: LOOKOUT_CHROMIUM=/nowhere/chromium is not an executable file"),
        ("- id: a\n  browser: ftp://127.0.0.1/", environment,
         "test.yaml:8: sites[0].checks[0].browser must be an http:// or https:// URL (got \"ftp://127.0.0.1/\")"),
        ("- id: a\n  browser: http://127.0.0.1/\n  errors: {exceptions: loud}", environment,
         "test.yaml:9: sites[0].checks[0].errors.exceptions must be fail, degraded or ignore (got \"loud\")"),
        ("- id: a\n  browser: http://127.0.0.1/\n  selector: [\"\"]", environment,
         "test.yaml:9: sites[0].checks[0].selector[0] must not be empty"),
        ("- id: a\n  browser: http://127.0.0.1/\n  text_anomaly: {ratio: 2}", environment,
         "test.yaml:9: sites[0].checks[0].text_anomaly.ratio must be between 0 and 1 (0.3 means 30% of the median)"),
        ("- id: a\n  browser: http://127.0.0.1/\n  screenshots: {keep: 0}", environment,
         "test.yaml:9: sites[0].checks[0].screenshots.keep must be between 1 and 10000"),
    ])
    func configErrors(_ text: String, _ environment: [String: String], _ message: String) throws {
        guard BrowserTestSite.chromiumInstalled() else { return }
        #expect(ProbeTestSupport.error(text, environment: environment) == message)
    }

    // MARK: events

    static func lifecycle(_ recorder: PageRecorder, _ loader: String, _ name: String, frame: String = "T1") -> Bool {
        recorder.record("Page.lifecycleEvent", .object([
            JSONMember(key: "frameId", value: .string(frame)), JSONMember(key: "loaderId", value: .string(loader)),
            JSONMember(key: "name", value: .string(name)),
        ]))
    }

    @Test func settlesOnTheNewestLoaderAfterAScriptRedirect() {
        let r = PageRecorder(mainFrame: "T1")
        #expect(!Self.lifecycle(r, "L0", "init"))       // about:blank, before the navigation
        #expect(!Self.lifecycle(r, "L0", "load"))
        #expect(!Self.lifecycle(r, "L0", "networkIdle"))
        r.navigationStarted(loader: "L1")
        #expect(!r.snapshot.settled, "the blank page's events do not count")
        #expect(!Self.lifecycle(r, "L1", "init"))
        #expect(!Self.lifecycle(r, "L1", "load"))
        #expect(!Self.lifecycle(r, "L1", "networkIdle", frame: "iframe"), "a subframe's idle is not the page's")
        #expect(!Self.lifecycle(r, "L2", "init"), "location.href = ... starts a new document")
        #expect(!Self.lifecycle(r, "L1", "networkIdle"))
        #expect(!r.snapshot.loadFired)
        #expect(!Self.lifecycle(r, "L2", "load"))
        #expect(Self.lifecycle(r, "L2", "networkIdle"))
        #expect(r.snapshot.settled)
    }

    static func request(_ r: PageRecorder, _ id: String, _ url: String) {
        r.record("Network.requestWillBeSent", .object([
            JSONMember(key: "requestId", value: .string(id)),
            JSONMember(key: "request", value: .object([JSONMember(key: "url", value: .string(url)), JSONMember(key: "method", value: .string("GET"))])),
        ]))
    }

    @Test func failedRequestsAreErrorsButCancelledOnesAndTheFaviconAreNot() {
        let r = PageRecorder(mainFrame: "T1")
        let base = "http://127.0.0.1:8080"
        for (id, path) in [("1", "/api/a"), ("2", "/api/b"), ("3", "/ad.js"), ("4", "/favicon.ico"), ("5", "/slow.png"), ("6", "/")] {
            Self.request(r, id, base + path)
        }
        r.record("Network.responseReceived", .object([JSONMember(key: "requestId", value: .string("1")), JSONMember(key: "type", value: .string("XHR")),
                                                      JSONMember(key: "response", value: .object([JSONMember(key: "status", value: .int(503))]))]))
        r.record("Network.loadingFinished", .object([JSONMember(key: "requestId", value: .string("1"))]))
        r.record("Network.loadingFailed", .object([JSONMember(key: "requestId", value: .string("2")), JSONMember(key: "canceled", value: .bool(true)),
                                                   JSONMember(key: "errorText", value: .string("net::ERR_ABORTED"))]))
        r.record("Network.loadingFailed", .object([JSONMember(key: "requestId", value: .string("3")), JSONMember(key: "canceled", value: .bool(true)),
                                                   JSONMember(key: "blockedReason", value: .string("csp"))]))
        r.record("Network.responseReceived", .object([JSONMember(key: "requestId", value: .string("4")),
                                                      JSONMember(key: "response", value: .object([JSONMember(key: "status", value: .int(404))]))]))
        // The page's own document: judged by status, not listed.
        r.record("Network.responseReceived", .object([JSONMember(key: "requestId", value: .string("6")), JSONMember(key: "type", value: .string("Document")),
                                                      JSONMember(key: "frameId", value: .string("T1")),
                                                      JSONMember(key: "response", value: .object([JSONMember(key: "status", value: .int(500)),
                                                                                                  JSONMember(key: "url", value: .string(base + "/"))]))]))
        let s = r.snapshot
        #expect(s.failedRequests.map { $0.written(relativeTo: base) } == ["503 GET /api/a", "GET /ad.js blocked (csp)"])
        #expect(s.documentStatus == 500)
        #expect(s.inFlight == [base + "/favicon.ico", base + "/slow.png", base + "/"], "finished and failed ones are done")
    }

    @Test func consoleAndExceptionsAreOneLineEachAndBounded() {
        let r = PageRecorder(mainFrame: "T1")
        r.record("Runtime.exceptionThrown", .object([JSONMember(key: "exceptionDetails", value: .object([
            JSONMember(key: "text", value: .string("Uncaught")),
            JSONMember(key: "exception", value: .object([JSONMember(key: "description", value: .string("TypeError: x is undefined\n    at init (https://a/app.js:3:5)"))])),
            JSONMember(key: "url", value: .string("https://a/static/app.js")), JSONMember(key: "lineNumber", value: .int(2)),
        ]))]))
        for k in 0..<30 {
            r.record("Runtime.consoleAPICalled", .object([JSONMember(key: "type", value: .string("error")), JSONMember(key: "args", value: .array([
                .object([JSONMember(key: "type", value: .string("string")), JSONMember(key: "value", value: .string("failed"))]),
                .object([JSONMember(key: "type", value: .string("number")), JSONMember(key: "value", value: .int(Int64(k)))]),
            ]))]))
        }
        r.record("Runtime.consoleAPICalled", .object([JSONMember(key: "type", value: .string("log")), JSONMember(key: "args", value: .array([]))]))
        r.record("Log.entryAdded", .object([JSONMember(key: "entry", value: .object([
            JSONMember(key: "source", value: .string("network")), JSONMember(key: "level", value: .string("error")),
            JSONMember(key: "text", value: .string("Failed to load resource")),
        ]))]))
        let s = r.snapshot
        #expect(s.exceptions == ["TypeError: x is undefined (app.js:3)"])
        #expect(s.consoleErrors.count == PageRecorder.maxListed)
        #expect(s.consoleErrors.first == "failed 0")
    }

    // MARK: verdicts

    static func loaded(text: String = String(repeating: "Anvil for sale. ", count: 100), status: Int = 200) -> PageVisit {
        var v = PageVisit()
        v.events.documentStatus = status
        v.events.documentURL = "http://127.0.0.1:8080/app"
        v.events.loadFired = true
        v.events.networkIdle = true
        v.text = text
        v.textBytes = text.utf8.count
        v.elapsedMs = 900
        v.loadMs = 850
        return v
    }

    @Test func documentStatusAndNavigationErrors() throws {
        let probe = try Self.probe()
        let down = probe.judge(Self.loaded(status: 503), timeout: .seconds(10))
        #expect(!down.ok && down.failed == ["status"] && down.error == "status 503, expected 2xx")
        var refused = PageVisit()
        refused.navigationError = "net::ERR_NAME_NOT_RESOLVED"
        let r = probe.judge(refused, timeout: .seconds(10))
        #expect(!r.ok && r.failed.isEmpty && r.error == "cannot resolve the host (net::ERR_NAME_NOT_RESOLVED)")
        var silent = PageVisit()
        silent.elapsedMs = 10_000
        #expect(probe.judge(silent, timeout: .seconds(10)).error == "no response to the page's request within 10s")
        var crashed = Self.loaded()
        crashed.events.crashed = true
        #expect(probe.judge(crashed, timeout: .seconds(10)).failed == ["load"])
        var stuck = Self.loaded()
        stuck.text = nil
        stuck.unresponsive = true
        let s = probe.judge(stuck, timeout: .seconds(10))
        #expect(s.failed == ["load"] && s.error == "the page did not answer (a script may be stuck in a loop)")
    }

    @Test func selectorsAndSlowLoad() throws {
        let probe = try Self.probe("\n  selector: [main, \"div[\"]\n  expect: {max_ms: 500}")
        var v = Self.loaded()
        v.selectors = [false, nil]
        let o = probe.judge(v, timeout: .seconds(10))
        #expect(o.failed == ["selector: main", "selector: div[", "max_ms: 500"])
        #expect(o.error == "no element matches \"main\"")
        var found = Self.loaded()
        found.selectors = [true, true]
        let slow = probe.judge(found, timeout: .seconds(10))
        #expect(slow.ok && slow.degraded && slow.error == "took 850 ms, over max_ms 500")
    }

    @Test(arguments: [
        ("", true, true, ["exceptions", "failed_requests"]),
        ("\n  errors: {requests: ignore, exceptions: ignore}", true, false, []),
        ("\n  errors: {requests: fail}", false, true, ["exceptions", "failed_requests"]),
        ("\n  errors: {console: degraded}", true, true, ["exceptions", "console_errors", "failed_requests"]),
    ])
    func errorPolicy(_ settings: String, _ ok: Bool, _ degraded: Bool, _ failed: [String]) throws {
        let probe = try Self.probe(settings)
        var v = Self.loaded()
        v.events.exceptions = ["TypeError: x is undefined (app.js:3)"]
        v.events.consoleErrors = ["could not load"]
        v.events.failedRequests = [
            .init(url: "http://127.0.0.1:8080/api/items", method: "GET", status: 500, reason: ""),
            .init(url: "https://ads.example/ad.js", method: "GET", status: nil, reason: "net::ERR_CONNECTION_REFUSED"),
        ]
        let o = probe.judge(v, timeout: .seconds(10))
        #expect(o.ok == ok)
        #expect(o.degraded == degraded)
        #expect(o.failed == failed)
        #expect(o.details.first { $0.key == "failed_requests" }?.value == .array([.string("500 GET /api/items")]),
                "other origins' failures are not the site's")
        #expect(o.details.first { $0.key == "console_errors" }?.value == .array([.string("could not load")]), "listed even when ignored")
    }

    @Test func sizeFailureIsTheErrorBeforeADegradingException() throws {
        let probe = try Self.probe()
        var v = Self.loaded(text: "ACME Shop")
        v.events.exceptions = ["SyntaxError: Unexpected end of input (broken.js:1)"]
        var seen: Int?
        let o = probe.judge(v, timeout: .seconds(10)) { bytes, outcome in
            seen = bytes
            outcome.fail("text_size_anomaly", because: "visible text is \(bytes) bytes")
        }
        #expect(seen == 9)
        #expect(o.failed == ["text_size_anomaly", "exceptions"])
        #expect(o.error == "visible text is 9 bytes")
        var loading = Self.loaded()
        loading.events.loadFired = false
        seen = nil
        _ = probe.judge(loading, timeout: .seconds(10)) { bytes, _ in seen = bytes }
        #expect(seen == nil, "a page that never loaded does not teach the baseline")
    }

    // MARK: screenshots

    @Test func screenshotsOlderThanMaxAgeArePruned() throws {
        let dir = try ProbeTestSupport.tempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = ScreenshotStore(directory: dir.path)
        var policy = ScreenshotStore.Policy()
        policy.maxAge = .hours(1)
        let t0 = Timestamp(milliseconds: 1_795_593_600_000)
        let first = try store.write([0x89, 0x50], check: "c", at: t0, policy: policy)
        #expect(first.hasSuffix("/c/c-20261125T080000.000Z.png"))
        #expect(ScreenshotStore.time(ofFile: first, check: "c") == t0.milliseconds)
        _ = try store.write([0x89, 0x50], check: "c", at: t0 + .minutes(30), policy: policy)
        #expect(store.files(check: "c").count == 2)
        let last = try store.write([0x89, 0x50], check: "c", at: t0 + .minutes(61), policy: policy)
        #expect(store.files(check: "c").map { ($0 as NSString).lastPathComponent } == ["c-20261125T083000.000Z.png", "c-20261125T090100.000Z.png"])
        #expect(store.files(check: "c").last == last)
        #expect(store.files(check: "other").isEmpty)
    }
}
