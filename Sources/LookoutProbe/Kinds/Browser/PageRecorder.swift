import Foundation
import LookoutCore

/// PageRecorder follows one page's DevTools events while it loads: whether the main document has fired `load` and
/// gone network-idle, its status, the requests still in flight, and what went wrong on the way (exceptions, console
/// errors, failed requests). It only reads events, so tests feed it recorded ones.
///
/// The main frame of a page target has the target's id. A navigation's lifecycle events carry its loader id; a
/// script redirect (`location.href = ...`) starts a new loader (an `init` event), and the page is settled only when
/// the newest loader has fired both `load` and `networkIdle`.
final class PageRecorder: Sendable {
    /// A request the page made that failed: an HTTP error status or a network error (refused, blocked, aborted).
    struct FailedRequest: Sendable, Equatable {
        var url: String
        var method: String
        /// The HTTP status, or nil for a network error.
        var status: Int?
        var reason: String

        /// `500 GET /api/items`, `GET /app.js net::ERR_CONNECTION_REFUSED`, `GET /ad.js blocked (csp)`.
        func written(relativeTo origin: String?) -> String {
            let shown = PageRecorder.shortURL(url, relativeTo: origin)
            if let status { return "\(status) \(method) \(shown)" }
            return "\(method) \(shown) \(reason)"
        }
    }

    /// A URL without the page's origin (`/api/items`); another origin's URL whole.
    static func shortURL(_ url: String, relativeTo origin: String?) -> String {
        guard let origin, url.hasPrefix(origin) else { return url }
        let path = String(url.dropFirst(origin.count))
        return path.isEmpty ? "/" : path
    }

    struct Snapshot: Sendable {
        var documentStatus: Int?
        var documentURL: String?
        var loadFired = false
        var networkIdle = false
        var crashed = false
        var inFlight: [String] = []
        var exceptions: [String] = []
        var consoleErrors: [String] = []
        var failedRequests: [FailedRequest] = []
        var settled: Bool { loadFired && networkIdle }
    }

    fileprivate struct Request {
        var url: String
        var method: String
    }

    fileprivate struct State {
        /// The loader the navigation started (from `Page.navigate`), once known.
        var navigationLoader: String?
        /// Main-frame loaders in the order their `init` arrived, and the lifecycle names each has fired.
        var loaders: [String] = []
        var fired: [String: Set<String>] = [:]
        var requests: [String: Request] = [:]
        var inFlight: [String] = []
        var snapshot = Snapshot()
    }
    private let state = Locked(State())
    let mainFrame: String

    /// Lists are cut at this many entries: a page that logs an error per animation frame must not fill the result.
    static let maxListed = 20

    init(mainFrame: String) { self.mainFrame = mainFrame }

    /// The loader id `Page.navigate` answered with.
    func navigationStarted(loader: String) {
        state.withLock { state in
            state.navigationLoader = loader
            if !state.loaders.contains(loader) { state.loaders.append(loader) }
            State.updateSettled(&state)
        }
    }

    var snapshot: Snapshot {
        state.withLock { state in
            var s = state.snapshot
            s.inFlight = state.inFlight.compactMap { state.requests[$0]?.url }
            return s
        }
    }

    /// Takes one event; returns whether the page has now settled (or crashed), i.e. there is nothing left to wait for.
    @discardableResult
    func record(_ method: String, _ p: JSONValue) -> Bool {
        state.withLock { state in
            switch method {
            case "Page.lifecycleEvent":
                guard p["frameId"]?.stringValue == mainFrame, let loader = p["loaderId"]?.stringValue,
                      let name = p["name"]?.stringValue else { break }
                if name == "init" {
                    if !state.loaders.contains(loader) { state.loaders.append(loader) }
                    state.fired[loader] = []
                } else {
                    state.fired[loader, default: []].insert(name)
                }
                State.updateSettled(&state)
            case "Network.requestWillBeSent":
                guard let id = p["requestId"]?.stringValue, let url = p["request"]?["url"]?.stringValue else { break }
                // A redirect keeps the request id: the hop before it has its answer in `redirectResponse`.
                if let redirect = p["redirectResponse"], let status = redirect["status"]?.doubleValue, status >= 400 {
                    State.fail(&state, id: id, status: Int(status), reason: "")
                }
                state.requests[id] = Request(url: url, method: p["request"]?["method"]?.stringValue ?? "GET")
                if !state.inFlight.contains(id) { state.inFlight.append(id) }
            case "Network.responseReceived":
                guard let id = p["requestId"]?.stringValue, let response = p["response"] else { break }
                let status = response["status"]?.doubleValue.map { Int($0) }
                // The page's own document is judged by `status`, not listed among its failed requests.
                if p["type"]?.stringValue == "Document", p["frameId"]?.stringValue == mainFrame {
                    state.snapshot.documentStatus = status
                    state.snapshot.documentURL = response["url"]?.stringValue
                } else if let status, status >= 400 {
                    State.fail(&state, id: id, status: status, reason: "")
                }
            case "Network.loadingFinished":
                if let id = p["requestId"]?.stringValue { state.inFlight.removeAll { $0 == id } }
            case "Network.loadingFailed":
                guard let id = p["requestId"]?.stringValue else { break }
                state.inFlight.removeAll { $0 == id }
                let blocked = p["blockedReason"]?.stringValue ?? p["corsErrorStatus"]?["corsError"]?.stringValue
                // A request the page itself cancelled (a superseded fetch, navigation away) is not a failure.
                if p["canceled"]?.boolValue == true, blocked == nil { break }
                let reason = blocked.map { "blocked (\($0))" } ?? p["errorText"]?.stringValue ?? "failed"
                State.fail(&state, id: id, status: nil, reason: reason)
            case "Runtime.exceptionThrown":
                let details = p["exceptionDetails"]
                var text = details?["exception"]?["description"]?.stringValue ?? details?["text"]?.stringValue ?? "exception"
                text = String(text.split(separator: "\n").first ?? "")
                if let url = details?["url"]?.stringValue, !url.isEmpty, let line = details?["lineNumber"]?.doubleValue {
                    text += " (\(PageRecorder.lastPathComponent(url)):\(Int(line) + 1))"
                }
                State.append(&state.snapshot.exceptions, text)
            case "Runtime.consoleAPICalled":
                guard let type = p["type"]?.stringValue, type == "error" || type == "assert" else { break }
                let words = (p["args"]?.arrayValue ?? []).map { arg -> String in
                    if let s = arg["value"]?.stringValue { return s }
                    if let v = arg["value"], v != .null { return v.jsonText }
                    return arg["description"]?.stringValue ?? arg["type"]?.stringValue ?? ""
                }
                State.append(&state.snapshot.consoleErrors, words.joined(separator: " "))
            case "Log.entryAdded":
                // Network errors come as failed requests; the rest (CSP, deprecations that break) as console errors.
                guard let entry = p["entry"], entry["level"]?.stringValue == "error", entry["source"]?.stringValue != "network",
                      let text = entry["text"]?.stringValue else { break }
                State.append(&state.snapshot.consoleErrors, text)
            case "Inspector.targetCrashed":
                state.snapshot.crashed = true
            default:
                break
            }
            return state.snapshot.settled || state.snapshot.crashed
        }
    }

    static func lastPathComponent(_ url: String) -> String {
        let path = URL(string: url)?.path ?? url
        return path.split(separator: "/").last.map(String.init) ?? url
    }
}

extension PageRecorder.State {
    /// The page is settled when the newest main-frame loader (the navigation's, or a script redirect's after it) has
    /// fired `load` and `networkIdle`.
    static func updateSettled(_ state: inout Self) {
        guard let navigation = state.navigationLoader, let at = state.loaders.firstIndex(of: navigation),
              let newest = state.loaders[at...].last else { return }
        let fired = state.fired[newest] ?? []
        state.snapshot.loadFired = fired.contains("load")
        state.snapshot.networkIdle = fired.contains("networkIdle")
    }

    static func fail(_ state: inout Self, id: String, status: Int?, reason: String) {
        // The browser asks for /favicon.ico on its own; a site without one is not broken.
        guard let request = state.requests[id], URL(string: request.url)?.path != "/favicon.ico" else { return }
        guard state.snapshot.failedRequests.count < PageRecorder.maxListed else { return }
        let failure = PageRecorder.FailedRequest(url: request.url, method: request.method, status: status, reason: reason)
        if !state.snapshot.failedRequests.contains(failure) { state.snapshot.failedRequests.append(failure) }
    }

    static func append(_ list: inout [String], _ text: String) {
        let line = HTTPRequestSpec.oneLine(text)
        guard list.count < PageRecorder.maxListed, !list.contains(line) else { return }
        list.append(line)
    }
}
