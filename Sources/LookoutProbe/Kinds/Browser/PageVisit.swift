import Foundation
import LookoutCore

/// PageVisit is what one load of a page in the browser saw: what the events said (`PageRecorder.Snapshot`), what
/// the page showed once settled (its visible text, which selectors matched) and the browser's own timings. The
/// judgement (`BrowserProbe.judge`) is a pure function of it.
struct PageVisit: Sendable {
    var events = PageRecorder.Snapshot()
    /// `Page.navigate`'s error (`net::ERR_CONNECTION_REFUSED`): the document itself could not be loaded.
    var navigationError: String?
    /// The browser failed (died, stopped answering), not the page: the run says so and is not a verdict on the site.
    var browserError: String?
    /// The page did not answer the script that reads it (a script stuck in a loop).
    var unresponsive = false
    /// `document.body.innerText`, up to `maxTextBytes`; nil when the page could not be read.
    var text: String?
    /// The whole visible text's size in UTF-8 bytes (the text above may be cut).
    var textBytes = 0
    /// For each configured selector: whether an element matches, or nil when the selector is not valid CSS.
    var selectors: [Bool?] = []
    var finalURL: String?
    var ttfbMs: Double?
    var domContentLoadedMs: Double?
    var loadMs: Double?
    var largestContentfulPaintMs: Double?
    /// From the start of the run to the end of the wait for the page to settle.
    var elapsedMs: Double = 0

    /// Pages are judged on their first 8 MiB of text, as http bodies are.
    static let maxTextBytes = 8 << 20

    /// The script run once the page settles: text, selectors, navigation timing, LCP. LCP is read with a buffered
    /// PerformanceObserver's `takeRecords()` (synchronous; `getEntriesByType` does not list LCP entries).
    static func readScript(selectors: [String]) -> String {
        let list = JSONValue.array(selectors.map { .string($0) }).jsonText
        return """
            (() => {
              const text = document.body ? document.body.innerText : "";
              const found = \(list).map(s => { try { return document.querySelector(s) !== null; } catch (e) { return null; } });
              const nav = performance.getEntriesByType("navigation")[0];
              let lcp = null;
              try {
                const o = new PerformanceObserver(() => {});
                o.observe({type: "largest-contentful-paint", buffered: true});
                const e = o.takeRecords();
                o.disconnect();
                if (e.length) lcp = e[e.length - 1].startTime;
              } catch (e) {}
              const bytes = new TextEncoder().encode(text).length;
              return {text: text.length > \(maxTextBytes) ? text.slice(0, \(maxTextBytes)) : text, bytes, found,
                      href: location.href, ttfb: nav ? nav.responseStart : null,
                      dcl: nav ? nav.domContentLoadedEventEnd : null, load: nav ? nav.loadEventEnd : null, lcp};
            })()
            """
    }

    /// Fills the read fields from the script's value.
    mutating func read(_ value: JSONValue) {
        text = value["text"]?.stringValue ?? ""
        textBytes = value["bytes"]?.doubleValue.map { Int($0) } ?? text?.utf8.count ?? 0
        selectors = (value["found"]?.arrayValue ?? []).map { $0.boolValue }
        finalURL = value["href"]?.stringValue
        // Zero means "not reached" in Navigation Timing (loadEventEnd before load has ended).
        func positive(_ key: String) -> Double? { value[key]?.doubleValue.flatMap { $0 > 0 ? ProbeOutcome.round($0) : nil } }
        ttfbMs = positive("ttfb")
        domContentLoadedMs = positive("dcl")
        loadMs = positive("load")
        largestContentfulPaintMs = positive("lcp")
    }
}
