import CNats
import Foundation
import LookoutCore

/// NATSError is a failed nats.c call: what was being done, nats.c's status text and its last error (which is per
/// thread, so it is read on the thread that got the status).
public struct NATSError: Error, CustomStringConvertible {
    public let context: String
    let status: natsStatus
    let detail: String
    public var description: String {
        let text = String(cString: natsStatus_GetText(status))
        return detail.isEmpty || detail == text ? "\(context): \(text)" : "\(context): \(text) (\(detail))"
    }
    /// True when the server could not be reached (or went away): worth waiting and trying again.
    var isUnreachable: Bool {
        [NATS_NO_SERVER, NATS_CONNECTION_CLOSED, NATS_CONNECTION_DISCONNECTED, NATS_STALE_CONNECTION, NATS_TIMEOUT,
         NATS_NO_RESPONDERS, NATS_IO_ERROR, NATS_NOT_YET_CONNECTED].contains(status)
    }
}

@inline(__always)
func natsCheck(_ status: natsStatus, _ context: @autoclosure () -> String) throws(NATSError) {
    guard status != NATS_OK else { return }
    var ignored = NATS_OK
    let detail = nats_GetLastError(&ignored).map { String(cString: $0) } ?? ""
    throw NATSError(context: context(), status: status, detail: Redactor.shared.redact(detail))
}


/// NATSConnection is one nats.c connection that reconnects forever; `reconnects` counts the reconnections so a
/// reader can re-subscribe from its own position instead of waiting for the ordered consumer's heartbeat check.
final class NATSConnection: @unchecked Sendable {
    let nc: OpaquePointer
    let url: String
    private let events: ConnectionEvents
    /// The first refusal of the credentials seen on this connection; it stays, since every retry would be refused too.
    private let refused = Locked<NATSError?>(nil)

    init(url: String, settings: NATSSettings, name: String, retryOnFailedConnect: Bool) throws(NATSError) {
        self.url = url
        var opts: OpaquePointer?
        try natsCheck(natsOptions_Create(&opts), "nats options")
        defer { natsOptions_Destroy(opts) }
        try natsCheck(natsOptions_SetURL(opts, url), "nats URL \(url)")
        try natsCheck(natsOptions_SetName(opts, name), "nats client name")
        if let user = settings.user {
            try natsCheck(natsOptions_SetUserInfo(opts, user, settings.password?.value), "nats user")
        }
        if let token = settings.token { try natsCheck(natsOptions_SetToken(opts, token.value), "nats token") }
        if let creds = settings.credentialsFile {
            try natsCheck(natsOptions_SetUserCredentialsFromFiles(opts, creds, nil), "nats credentials file \(creds)")
        }
        if let ca = settings.caFile {
            try natsCheck(natsOptions_SetSecure(opts, true), "nats TLS")
            try natsCheck(natsOptions_LoadCATrustedCertificates(opts, ca), "nats CA file \(ca)")
        }
        try natsCheck(natsOptions_SetTimeout(opts, 2000), "nats timeout")
        try natsCheck(natsOptions_SetMaxReconnect(opts, -1), "nats reconnect")
        try natsCheck(natsOptions_SetReconnectWait(opts, 250), "nats reconnect wait")
        // While disconnected, publishes are buffered by nats.c up to this many bytes; ours wait in the spool instead.
        try natsCheck(natsOptions_SetReconnectBufSize(opts, 8 << 20), "nats reconnect buffer")
        if retryOnFailedConnect {
            // With a connected callback, connecting returns at once and goes on in the background.
            try natsCheck(natsOptions_SetRetryOnFailedConnect(opts, true, { _, _ in }, nil), "nats retry")
        }
        // Callbacks run on nats.c's thread, possibly after close returned: the state is retained until the closed
        // callback, always the last one for a connection.
        let events = ConnectionEvents()
        let me = Unmanaged.passRetained(events).toOpaque()
        _ = natsOptions_SetReconnectedCB(opts, { _, closure in
            Unmanaged<ConnectionEvents>.fromOpaque(closure!).takeUnretainedValue().reconnected()
        }, me)
        _ = natsOptions_SetClosedCB(opts, { _, closure in Unmanaged<ConnectionEvents>.fromOpaque(closure!).release() }, me)
        var connection: OpaquePointer?
        let status = natsConnection_Connect(&connection, opts)
        // Retrying, a server not there yet is NATS_NOT_YET_CONNECTED: the connection goes on trying in the background.
        if status != NATS_OK && !(retryOnFailedConnect && status == NATS_NOT_YET_CONNECTED) {
            Unmanaged<ConnectionEvents>.fromOpaque(me).release()
            try natsCheck(status, "cannot connect to \(url)")
        }
        nc = connection!
        self.events = events
        // The first attempt is made before Connect returns. A server that refused the credentials then would refuse
        // them on every retry (nats.c closes the connection after the second refusal): that is the stage's error now,
        // not an outage to wait through. The first attempt can also fail for want of time (a loaded machine past the
        // 2 s handshake timeout), with the refusal coming on a later one: every loop that waits for the server asks
        // `refusal()` again each time it fails (the source's, the reader's and the publisher's), so a late refusal
        // ends the stage the same way, and a stage started while its server is down goes on at once.
        if status == NATS_NOT_YET_CONNECTED, let refusal = refusal() { throw refusal }
    }

    /// The server's refusal of this stage, as a one-line error without the credentials, once it has refused: the
    /// connection's last error naming the credentials, or the connection closed. This connection retries for ever
    /// (`SetMaxReconnect(-1)`), so nats.c closes it only when the server refuses it for good: after the second
    /// refusal of the credentials, a TLS it cannot agree with (a `ca_file` that is not the server's CA, or none for a
    /// server that wants TLS), or another `-ERR` (too many connections). Its last error then often says only "No
    /// server available", so the close itself is the witness; without it a stage that looked after its own timeout
    /// (a loaded machine) took a refusal for an outage and waited on a closed connection for ever.
    func refusal() -> NATSError? {
        if let seen = refused.value { return seen }
        var text: UnsafePointer<CChar>?
        let last = natsConnection_GetLastError(nc, &text)
        let detail = Redactor.shared.redact(text.map { String(cString: $0) } ?? "")
        if last == NATS_CONNECTION_AUTH_FAILED || last == NATS_NOT_PERMITTED
            || detail.lowercased().contains("authorization violation") || detail.lowercased().contains("authentication") {
            let error = NATSError(context: "\(url) refused the credentials of the config's nats: section", status: last, detail: detail)
            refused.withLock { $0 = $0 ?? error }
            return refused.value
        }
        guard natsConnection_Status(nc) == NATS_CONN_STATUS_CLOSED else { return nil }
        return NATSError(context: "\(url) closed the connection for good (it refused the credentials or the TLS of the config's nats: section, or a limit of its own)",
                         status: NATS_CONNECTION_CLOSED, detail: last == NATS_OK || last == NATS_NO_SERVER ? "" : detail)
    }

    /// Ends a stage's wait for its server once the server has refused it: the refusal as the stage's one line (exit 64).
    func throwIfRefused() throws(StageIOError) {
        if let refusal = refusal() { throw StageIOError(refusal.description) }
    }

    var reconnects: Int { events.count.value }

    deinit {
        natsConnection_Close(nc)
        natsConnection_Destroy(nc)
    }
}

final class ConnectionEvents: @unchecked Sendable {
    let count = Locked(0)
    func reconnected() { count.withLock { $0 += 1 } }
}

/// JetStream is a JetStream context on a connection: the stream, publishing with message ids, ordered reading.
final class JetStream: @unchecked Sendable {
    let connection: NATSConnection
    let js: OpaquePointer

    init(_ connection: NATSConnection) throws(NATSError) {
        self.connection = connection
        var o = jsOptions()
        try natsCheck(jsOptions_Init(&o), "JetStream options")
        o.Wait = 5000
        var context: OpaquePointer?
        try natsCheck(natsConnection_JetStream(&context, connection.nc, &o), "JetStream context")
        js = context!
    }

    deinit { jsCtx_Destroy(js) }

    /// The stream's last sequence, or nil when it does not exist.
    func lastSequence(stream: String) throws(NATSError) -> UInt64? {
        var info: UnsafeMutablePointer<jsStreamInfo>?
        var code = jsErrCode(rawValue: 0)
        let status = js_GetStreamInfo(&info, js, stream, nil, &code)
        if status == NATS_NOT_FOUND { return nil }
        try natsCheck(status, "stream \(stream)")
        defer { jsStreamInfo_Destroy(info) }
        return info!.pointee.State.LastSeq
    }

    /// Publishes one message and waits for the server's acknowledgement (up to the context's 5 s). Synchronous on
    /// purpose: nats.c 3.4's asynchronous publishing keeps messages whose replies were lost with a connection pending
    /// for ever, and handing them back crashed it when the server was down; one message at a time leaves no state
    /// behind a failure, and a retry resends with the same id.
    func publish(subject: String, _ bytes: UnsafeRawBufferPointer, messageID: String) throws(NATSError) {
        var po = jsPubOptions()
        _ = jsPubOptions_Init(&po)
        var ack: UnsafeMutablePointer<jsPubAck>?
        var code = jsErrCode(rawValue: 0)
        let status = messageID.withCString { id in
            po.MsgId = id
            return js_Publish(&ack, js, subject, bytes.baseAddress, Int32(bytes.count), &po, &code)
        }
        jsPubAck_Destroy(ack)
        try natsCheck(status, "publish to \(subject)")
    }
}
