import Foundation
import LookoutCore

/// BrowserPage loads one URL in a fresh browser context of the shared browser (its own cookies, storage and cache,
/// thrown away after), waits for it to settle and reads what it shows.
///
/// Time: the page has until `started + timeout` to fire `load` and go network-idle (no request for 500 ms); reading
/// it and a screenshot get `readAllowance` more, inside the runner's 2 s grace. Closing the context happens after
/// the result is returned; a browser that does not answer that is killed.
enum BrowserPage {
    static let readAllowance = Duration.milliseconds(1500)

    struct Result: Sendable {
        var visit: PageVisit
        var screenshot: [UInt8]?
    }

    static func visit(_ url: String, selectors: [String], browser: SharedBrowser, started: ContinuousClock.Instant,
                      timeout: TimeSpan, wantsScreenshot: @escaping @Sendable (PageVisit) -> Bool) async -> Result {
        let settleBy = Deadline(started + .milliseconds(timeout.milliseconds))
        let readBy = Deadline(started + .milliseconds(timeout.milliseconds) + readAllowance)
        var visit = PageVisit()
        func elapsed() -> Double { ProbeOutcome.round((ContinuousClock.now - started).fractionalMilliseconds) }

        let acquiring = Task { try await browser.acquire() }
        let lease: SharedBrowser.Lease
        do {
            lease = try await settleBy.run { try await acquiring.value }
        } catch {
            // A slot that comes after the run gave up goes straight back.
            Task { if let late = try? await acquiring.value { browser.release(late) } }
            visit.elapsedMs = elapsed()
            visit.browserError = error is Deadline.Passed
                ? "no browser page within \(timeout) (the browser was starting, or every page was busy)"
                : "cannot start the browser: \(error)"
            return Result(visit: visit)
        }
        let connection = lease.connection
        var context: String?
        var session: String?
        var screenshot: [UInt8]?
        do {
            let created = try await readBy.run {
                try await connection.send("Target.createBrowserContext", [JSONMember(key: "disposeOnDetach", value: .bool(true))])
            }
            context = created["browserContextId"]?.stringValue
            let contextID = context ?? ""
            let target = try await readBy.run {
                try await connection.send("Target.createTarget", [
                    JSONMember(key: "url", value: .string("about:blank")),
                    JSONMember(key: "browserContextId", value: .string(contextID)),
                ])
            }
            let targetID = target["targetId"]?.stringValue ?? ""
            let attached = try await readBy.run {
                try await connection.send("Target.attachToTarget", [
                    JSONMember(key: "targetId", value: .string(targetID)), JSONMember(key: "flatten", value: .bool(true)),
                ])
            }
            let sessionID = attached["sessionId"]?.stringValue ?? ""
            session = sessionID
            let events = connection.events(session: sessionID)
            let recorder = PageRecorder(mainFrame: targetID)
            try await readBy.run {
                async let page = connection.send("Page.enable", session: sessionID)
                async let lifecycle = connection.send("Page.setLifecycleEventsEnabled", [JSONMember(key: "enabled", value: .bool(true))], session: sessionID)
                async let runtime = connection.send("Runtime.enable", session: sessionID)
                async let log = connection.send("Log.enable", session: sessionID)
                async let network = connection.send("Network.enable", session: sessionID)
                _ = try await (page, lifecycle, runtime, log, network)
            }
            // Page.navigate answers once the document's response has arrived: a server that never answers keeps it
            // waiting past the deadline, which is the page's failure, not the browser's.
            let navigated = try await Self.pageStep(settleBy) {
                try await connection.send("Page.navigate", [JSONMember(key: "url", value: .string(url))], session: sessionID)
            }
            if let error = navigated?["errorText"]?.stringValue, !error.isEmpty {
                visit.navigationError = error
            } else if let loader = navigated?["loaderId"]?.stringValue {
                recorder.navigationStarted(loader: loader)
                let ended = try? await settleBy.run { () -> Bool in
                    for await event in events where recorder.record(event.method, event.params) { return false }
                    return true   // the stream ended: the connection is gone
                }
                if ended == true { throw DevToolsConnection.Failure.closed }
            }
            visit.elapsedMs = elapsed()
            visit.events = recorder.snapshot
            if navigated != nil, visit.navigationError == nil, !visit.events.crashed {
                let expression = PageVisit.readScript(selectors: selectors)
                let read = try await Self.pageStep(readBy) {
                    try await connection.send("Runtime.evaluate", [
                        JSONMember(key: "expression", value: .string(expression)),
                        JSONMember(key: "returnByValue", value: .bool(true)),
                    ], session: sessionID)
                }
                if let value = read?["result"]?["value"] { visit.read(value) } else if read == nil { visit.unresponsive = true }
                if !visit.unresponsive, wantsScreenshot(visit) {
                    let shot = try await Self.pageStep(readBy) {
                        try await connection.send("Page.captureScreenshot", [JSONMember(key: "format", value: .string("png"))], session: sessionID)
                    }
                    screenshot = shot?["data"]?.stringValue.flatMap { Data(base64Encoded: $0) }.map { [UInt8]($0) }
                }
            }
        } catch {
            // A browser-level command unanswered in time, or the connection gone: the browser failed, not the page.
            visit.elapsedMs = max(visit.elapsedMs, elapsed())
            visit.browserError = error is Deadline.Passed ? "the browser did not answer within \(timeout)" : "\(error)"
        }
        close(lease, context: context, session: session, browser: browser)
        return Result(visit: visit, screenshot: screenshot)
    }

    /// A step the page answers (not the browser): nil when it is not done by the deadline; other errors are thrown.
    private static func pageStep(_ deadline: Deadline, _ body: @escaping @Sendable () async throws -> JSONValue) async throws -> JSONValue? {
        do { return try await deadline.run(body) } catch is Deadline.Passed { return nil }
    }

    /// Throws the context (and its page) away in the background and returns the slot; a browser that does not
    /// answer within 5 s is killed, so the next check starts a fresh one.
    private static func close(_ lease: SharedBrowser.Lease, context: String?, session: String?, browser: SharedBrowser) {
        Task {
            let connection = lease.connection
            if let session { connection.detach(session: session) }
            if let context, !connection.isClosed {
                do {
                    _ = try await Deadline(in: .seconds(5)).run {
                        try await connection.send("Target.disposeBrowserContext", [JSONMember(key: "browserContextId", value: .string(context))])
                    }
                } catch {
                    browser.discard(lease, because: "it did not close a page within 5 s (\(error))")
                }
            }
            browser.release(lease)
        }
    }
}
