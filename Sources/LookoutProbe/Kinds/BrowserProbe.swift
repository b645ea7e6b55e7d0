import Foundation
import LookoutCore

/// BrowserProbe loads a page in headless Chromium, as a visitor would, and judges what it shows: the page whose
/// content a script renders from an API call looks the same to an http check whether the script works or not.
///
/// ```yaml
/// - id: acme-app
///   browser: https://app.acme.example/
///   expect: {contains: ["Products"], not_contains: ["Something went wrong"], min_bytes: 500, max_ms: 5000}
///   selector: ["main .product", "footer"]
///   errors: {exceptions: fail, console: ignore, requests: degraded}
/// ```
/// The page gets a fresh browser context (no cookies from other checks) in the one shared browser
/// (`SharedBrowser`); the run waits for `load` and network idle within the check's timeout, then reads the visible
/// text (`document.body.innerText`), the selectors and the browser's timings. With nothing written, a visible text far
/// smaller than the check's recent median fails (the header-only page), as the http body-size anomaly does.
public struct BrowserProbe: ProbeKind {
    public static let name = "browser"
    public static let settingKeys: Set<String> = ["expect", "selector", "errors", "text_anomaly", "screenshots"]
    public static var defaultEvery: TimeSpan? { .minutes(5) }
    public static var defaultTimeout: TimeSpan? { .seconds(30) }

    public let url: String
    public let origin: String
    public let hostName: String
    /// The Chromium program, found at load (`LOOKOUT_CHROMIUM`, else `chromium` or `chromium-browser` in PATH).
    public let chromium: String
    public let expectation: HTTPExpectation
    public let selectors: [String]
    public let errors: ErrorPolicy
    /// nil when `text_anomaly: false`.
    public let textAnomaly: SizeAnomalyRule?
    /// nil when `screenshots: false`.
    public let screenshots: ScreenshotStore.Policy?

    public var host: String? { hostName }

    public init(target: ConfigNode, check: ConfigMapping, context: ConfigContext) throws {
        (url, hostName) = try HTTPRequestSpec.target(target)
        origin = BrowserProbe.origin(of: url) ?? url
        chromium = context.checksRunHere ? try BrowserProbe.findChromium(context: context, at: target) : "chromium"
        expectation = try HTTPExpectation(check["expect"])
        selectors = try (check["selector"]?.list() ?? []).map { n in
            let s = try n.string()
            guard !s.trimmingCharacters(in: .whitespaces).isEmpty else { throw n.error("\(n.path) must not be empty") }
            return s
        }
        errors = try ErrorPolicy(check["errors"])
        textAnomaly = try SizeAnomalyRule.parse(check["text_anomaly"])
        screenshots = try ScreenshotStore.Policy.parse(check["screenshots"])
    }

    /// What a kind of page error does to the result: `fail`, `degraded`, or `ignore` (listed in details only).
    public enum ErrorAction: String, Sendable { case fail, degraded, ignore }

    /// ErrorPolicy is `errors:`: what uncaught exceptions, console errors and failed requests to the page's own
    /// origin do. Defaults: exceptions and failed requests degrade, console errors are only listed.
    public struct ErrorPolicy: Sendable, Equatable {
        public var exceptions = ErrorAction.degraded
        public var console = ErrorAction.ignore
        public var requests = ErrorAction.degraded

        init(_ node: ConfigNode?) throws {
            guard let node else { return }
            let m = try node.mapping(allowing: ["exceptions", "console", "requests"])
            func action(_ key: String) throws -> ErrorAction? {
                guard let n = m[key] else { return nil }
                let text = try n.string()
                guard let a = ErrorAction(rawValue: text) else { throw n.error("\(n.path) must be fail, degraded or ignore (got \"\(text)\")") }
                return a
            }
            exceptions = try action("exceptions") ?? exceptions
            console = try action("console") ?? console
            requests = try action("requests") ?? requests
        }
    }

    /// The program to run: `LOOKOUT_CHROMIUM` if set, else the first of `chromium`, `chromium-browser` in PATH. A
    /// missing browser is a config error at load, not a failure at the first check.
    static func findChromium(context: ConfigContext, at node: ConfigNode) throws -> String {
        if let named = context.environment["LOOKOUT_CHROMIUM"], !named.isEmpty {
            guard FileManager.default.isExecutableFile(atPath: named) else {
                throw node.error("browser checks need chromium: LOOKOUT_CHROMIUM=\(named) is not an executable file")
            }
            return named
        }
        let path = context.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for name in ["chromium", "chromium-browser"] {
            for dir in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
                return "\(dir)/\(name)"
            }
        }
        throw node.error("browser checks need chromium: no chromium or chromium-browser in PATH (install Debian's chromium package, or set LOOKOUT_CHROMIUM to the program)")
    }

    /// `scheme://host[:port]` of a URL, as the browser compares origins.
    static func origin(of url: String) -> String? {
        guard let u = URLComponents(string: url), let scheme = u.scheme?.lowercased(), let host = u.host?.lowercased() else { return nil }
        let port = u.port.map { ":\($0)" } ?? ""
        return "\(scheme)://\(host)\(port)"
    }

    public func run(_ run: ProbeRun) async -> ProbeOutcome {
        let started = ContinuousClock.now
        let browser = run.services.browser(executable: chromium)
        // The verdict is reached inside the visit, while the page is still open for a screenshot; the text baseline
        // is consulted (and fed) exactly once, there or after.
        let verdict = Locked<ProbeOutcome?>(nil)
        let result = await BrowserPage.visit(url, selectors: selectors, browser: browser, started: started,
                                             timeout: run.timeout) { visit in
            let outcome = self.outcome(of: visit, run: run)
            verdict.withLock { $0 = outcome }
            return !outcome.ok && screenshots != nil
        }
        var outcome = verdict.value ?? self.outcome(of: result.visit, run: run)
        if let png = result.screenshot, let policy = screenshots {
            if let store = run.services.screenshots {
                do {
                    let path = try store.write(png, check: run.checkID, at: run.startedAt, policy: policy)
                    outcome.details.append(JSONMember(key: "screenshot", value: .string(path)))
                } catch {
                    outcome.details.append(JSONMember(key: "screenshot_error", value: .string(HTTPRequestSpec.oneLine("\(error)"))))
                }
            }
        }
        return outcome
    }

    /// The judgement, with the text baseline (which records this run's size).
    func outcome(of visit: PageVisit, run: ProbeRun) -> ProbeOutcome {
        judge(visit, timeout: run.timeout) { bytes, outcome in
            guard let rule = textAnomaly else { return }
            // The baseline table is shared with http bodies; `:text` keeps a check's two kinds of sample apart (ids
            // cannot hold a colon).
            outcome.judgeSize(bytes, of: "visible text", key: run.checkID + ":text", rule: rule, at: run.startedAt,
                              baselines: run.services.baselines, assertion: "text_size_anomaly", medianKey: "median_text_bytes")
        }
    }

    /// The verdict on a visit: a pure function of what the browser saw, but for `baseline`, which is given the
    /// visible text's size when the page loaded and was read with an accepted status, before page errors are judged
    /// (so a size failure, not a degrading exception, is the run's `error`).
    func judge(_ visit: PageVisit, timeout: TimeSpan, baseline: ((Int, inout ProbeOutcome) -> Void)? = nil) -> ProbeOutcome {
        var outcome = ProbeOutcome(ok: true)
        outcome.latencyMs = visit.elapsedMs
        if let error = visit.browserError {
            outcome.ok = false
            outcome.error = "the browser failed: \(error)"
            return outcome
        }
        if let error = visit.navigationError {
            outcome.ok = false
            outcome.error = BrowserProbe.describe(navigationError: error)
            return outcome
        }
        let events = visit.events
        outcome.status = events.documentStatus
        outcome.bytes = visit.text == nil ? nil : visit.textBytes
        outcome.details = timings(visit)
        if let final = visit.finalURL, final != url, final != url + "/" {
            outcome.details.append(JSONMember(key: "final_url", value: .string(final)))
        }
        guard let status = events.documentStatus else {
            outcome.fail("load", because: "no response to the page's request within \(timeout)")
            return outcome
        }
        let statusOK = expectation.checkStatus(status, into: &outcome)
        if events.crashed {
            outcome.fail("load", because: "the page crashed the browser's renderer")
        } else if !events.loadFired {
            let shownOrigin = pageOrigin(events)
            let waiting = events.inFlight.prefix(5).map { PageRecorder.shortURL($0, relativeTo: shownOrigin) }
            outcome.fail("load", because: "the page did not finish loading within \(timeout)"
                         + (waiting.isEmpty ? "" : " (still loading: \(waiting.joined(separator: ", ")))"))
            if !events.inFlight.isEmpty {
                outcome.details.append(JSONMember(key: "pending_requests", value: .array(events.inFlight.prefix(PageRecorder.maxListed).map { .string($0) })))
            }
        } else if !events.networkIdle {
            // Loaded but never quiet (polling, a long-poll): judged as it stands, and said so.
            outcome.details.append(JSONMember(key: "network_idle", value: .bool(false)))
        }
        if visit.unresponsive {
            outcome.fail("load", because: "the page did not answer (a script may be stuck in a loop)")
        }
        if statusOK, let text = visit.text {
            expectation.checkContent(Array(text.utf8), bytes: visit.textBytes, subject: "visible text", into: &outcome)
            for (k, selector) in selectors.enumerated() {
                switch k < visit.selectors.count ? visit.selectors[k] : false {
                case .some(true): break
                case .some(false): outcome.fail("selector: \(selector)", because: "no element matches \"\(selector)\"")
                case .none: outcome.fail("selector: \(selector)", because: "\"\(selector)\" is not a valid CSS selector")
                }
            }
            // A page still loading or stuck says nothing about its usual size.
            if events.loadFired, !visit.unresponsive { baseline?(visit.textBytes, &outcome) }
        }
        judgeErrors(events, into: &outcome)
        // `max_ms` is on the load event (slower: degraded).
        if let load = visit.loadMs ?? (events.loadFired ? visit.elapsedMs : nil) { expectation.checkLatency(load, into: &outcome) }
        return outcome
    }

    /// The browser's timings, as details (`ttfb_ms`, `dom_content_loaded_ms`, `load_ms`, `lcp_ms`), when reported.
    private func timings(_ visit: PageVisit) -> [JSONMember] {
        [("ttfb_ms", visit.ttfbMs), ("dom_content_loaded_ms", visit.domContentLoadedMs), ("load_ms", visit.loadMs),
         ("lcp_ms", visit.largestContentfulPaintMs)].compactMap { key, value in value.map { JSONMember(key: key, value: .double($0)) } }
    }

    /// Exceptions, console errors and failed same-origin requests: listed in details, and failing or degrading the
    /// run as `errors:` says.
    private func judgeErrors(_ events: PageRecorder.Snapshot, into outcome: inout ProbeOutcome) {
        let own = [pageOrigin(events), origin]
        let ownRequests = events.failedRequests.filter { BrowserProbe.origin(of: $0.url).map(own.contains) ?? false }
        let lists: [(key: String, items: [String], action: ErrorAction, noun: String)] = [
            ("exceptions", events.exceptions, errors.exceptions, "uncaught exception"),
            ("console_errors", events.consoleErrors, errors.console, "console error"),
            ("failed_requests", ownRequests.map { $0.written(relativeTo: own[0]) }, errors.requests, "failed request"),
        ]
        for list in lists where !list.items.isEmpty {
            outcome.details.append(JSONMember(key: list.key, value: .array(list.items.map { .string($0) })))
            let count = list.items.count
            let reason = "\(count) \(list.noun)\(count == 1 ? "" : "s"): \(list.items[0])"
            switch list.action {
            case .fail: outcome.fail(list.key, because: reason)
            case .degraded: outcome.degrade(list.key, because: reason)
            case .ignore: break
            }
        }
    }

    /// The origin of the document the page ended on (after redirects), else the check's.
    private func pageOrigin(_ events: PageRecorder.Snapshot) -> String {
        events.documentURL.flatMap(BrowserProbe.origin(of:)) ?? origin
    }

    /// Chromium's network error for the document, in the words the http kind uses where there are some.
    static func describe(navigationError error: String) -> String {
        switch error {
        case "net::ERR_CONNECTION_REFUSED": "connection refused (\(error))"
        case "net::ERR_NAME_NOT_RESOLVED": "cannot resolve the host (\(error))"
        case "net::ERR_CONNECTION_TIMED_OUT", "net::ERR_TIMED_OUT": "timed out (\(error))"
        case let e where e.hasPrefix("net::ERR_CERT_") || e.hasPrefix("net::ERR_SSL_"): "TLS handshake failed (\(error))"
        default: "the page could not be loaded: \(error)"
        }
    }
}
