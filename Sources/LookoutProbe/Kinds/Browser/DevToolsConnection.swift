import Foundation
import HummingbirdWSClient
import Logging
import LookoutCore
import NIOCore
import NIOPosix

/// DevToolsConnection speaks the Chrome DevTools protocol over one WebSocket to the browser (hummingbird's
/// WSClient does the WebSocket): numbered commands answered by id, and events. Pages are reached through flattened
/// sessions (`Target.attachToTarget` with `flatten: true`), so every page shares this one connection and a command
/// or event names its page by `sessionId`.
///
/// When the browser dies, the socket closes: every command waiting and every event stream ends at once.
final class DevToolsConnection: Sendable {
    /// DevToolsEvent is one event the browser sent for a page: `Network.responseReceived` and its params.
    struct Event: Sendable {
        var method: String
        var params: JSONValue
    }

    /// Why a command got no result.
    enum Failure: Error, CustomStringConvertible {
        /// The browser answered with a protocol error (a bad selector in `DOM.querySelector`, an unknown session).
        case protocolError(String)
        /// The connection is gone: the browser exited or was killed.
        case closed
        case connectFailed(String)

        var description: String {
            switch self {
            case .protocolError(let message): "the browser refused: \(message)"
            case .closed: "the browser closed its DevTools connection"
            case .connectFailed(let reason): "cannot reach the browser's DevTools socket: \(reason)"
            }
        }
    }

    private struct State {
        var nextID = 1
        var waiting: [Int: CheckedContinuation<JSONValue, any Error>] = [:]
        var sessions: [String: AsyncStream<Event>.Continuation] = [:]
        var writer: WebSocketOutboundWriter?
        var closed = false
    }
    private let state = Locked(State())
    private let task = Locked<Task<Void, Never>?>(nil)

    /// Screenshots and page text come back as one message each; a full-HD PNG in base64 is a few MB.
    static let maxMessageBytes = 64 << 20

    private init() {}

    /// Connects to the browser's `ws://127.0.0.1:PORT/devtools/browser/ID`; fails if the socket is not up within
    /// `timeout`.
    static func connect(to url: String, timeout: Duration, logger: Logger) async throws -> DevToolsConnection {
        let connection = DevToolsConnection()
        let ready = OnceFlag()
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
            connection.task.withLock {
                $0 = Task {
                    // WebSocketClient is not Sendable: made and run inside the task that owns the socket.
                    let client = WebSocketClient(
                        url: url, configuration: .init(maxFrameSize: maxMessageBytes, closeTimeout: .seconds(1)), logger: logger
                    ) { inbound, outbound, _ in
                        connection.state.withLock { $0.writer = outbound }
                        if ready.take() { c.resume() }
                        for try await message in inbound.messages(maxSize: maxMessageBytes) {
                            guard case .text(let text) = message else { continue }
                            connection.receive(text)
                        }
                    }
                    var reason = "the socket closed"
                    do { try await client.run() } catch { reason = "\(error)" }
                    connection.close()
                    if ready.take() { c.resume(throwing: Failure.connectFailed(reason)) }
                }
            }
            Task {
                try? await Task.sleep(for: timeout)
                if ready.take() {
                    connection.shutdown()
                    c.resume(throwing: Failure.connectFailed("no answer within \(timeout)"))
                }
            }
        }
        return connection
    }

    var isClosed: Bool { state.withLock { $0.closed } }

    /// Sends a command (to a page's session, or to the browser) and waits for its result. Cancelling the waiting
    /// task fails it at once; the browser's late answer is dropped.
    func send(_ method: String, _ params: [JSONMember] = [], session: String? = nil) async throws -> JSONValue {
        let id = state.withLock { state -> Int in
            defer { state.nextID += 1 }
            return state.nextID
        }
        var message: [JSONMember] = [JSONMember(key: "id", value: .int(Int64(id))), JSONMember(key: "method", value: .string(method))]
        if !params.isEmpty { message.append(JSONMember(key: "params", value: .object(params))) }
        if let session { message.append(JSONMember(key: "sessionId", value: .string(session))) }
        let text = JSONValue.object(message).jsonText
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<JSONValue, any Error>) in
                let writer: WebSocketOutboundWriter? = state.withLock { state in
                    guard !state.closed, !Task.isCancelled, let writer = state.writer else { return nil }
                    state.waiting[id] = c
                    return writer
                }
                guard let writer else {
                    c.resume(throwing: Task.isCancelled ? CancellationError() : Failure.closed)
                    return
                }
                Task {
                    do { try await writer.write(.text(text)) } catch { self.fail(id, with: Failure.closed) }
                }
            }
        } onCancel: {
            self.fail(id, with: CancellationError())
        }
    }

    /// The events of one page session, from now until `detach` or the connection closes.
    func events(session: String) -> AsyncStream<Event> {
        let (stream, continuation) = AsyncStream<Event>.makeStream(bufferingPolicy: .bufferingNewest(10_000))
        let closed = state.withLock { state in
            if !state.closed { state.sessions[session] = continuation }
            return state.closed
        }
        if closed { continuation.finish() }
        return stream
    }

    /// Stops delivering a session's events.
    func detach(session: String) {
        state.withLock { $0.sessions.removeValue(forKey: session) }?.finish()
    }

    /// Closes the socket; whatever waits fails with `.closed`.
    func shutdown() {
        task.withLock { $0 }?.cancel()
        close()
    }

    private func fail(_ id: Int, with error: any Error) {
        state.withLock { $0.waiting.removeValue(forKey: id) }?.resume(throwing: error)
    }

    private func close() {
        let (waiting, sessions) = state.withLock { state in
            state.closed = true
            defer { state.waiting = [:]; state.sessions = [:] }
            return (Array(state.waiting.values), Array(state.sessions.values))
        }
        waiting.forEach { $0.resume(throwing: Failure.closed) }
        sessions.forEach { $0.finish() }
    }

    /// One message from the browser: a command's answer (by id) or an event (by session).
    private func receive(_ text: String) {
        guard let message = JSONValue.parse(text) else { return }
        if let id = message["id"]?.doubleValue.map({ Int($0) }) {
            guard let c = state.withLock({ $0.waiting.removeValue(forKey: id) }) else { return }
            if let error = message["error"] {
                c.resume(throwing: Failure.protocolError(error["message"]?.stringValue ?? error.jsonText))
            } else {
                c.resume(returning: message["result"] ?? .object([]))
            }
        } else if let method = message["method"]?.stringValue, let session = message["sessionId"]?.stringValue {
            let sink = state.withLock { $0.sessions[session] }
            sink?.yield(Event(method: method, params: message["params"] ?? .object([])))
        }
    }
}
