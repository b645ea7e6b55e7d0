import CNats
import Foundation
import Logging
import LookoutCore

/// NATSTransport opens `nats://HOST:PORT/SUBJECT` inputs and outputs over JetStream, with the config's `nats:`
/// settings (docs/scaling.md). A subject may hold wildcards (`lookout.results.>`) when read.
public struct NATSTransport: StreamTransport {
    public let settings: NATSSettings
    /// The client name the server shows for the connection: the stage's name.
    public let name: String

    public init(settings: NATSSettings, name: String) {
        self.settings = settings
        self.name = name
    }

    public func handles(_ address: String) -> Bool { Self.isAddress(address) }

    public static func isAddress(_ address: String?) -> Bool {
        guard let address else { return false }
        return address.hasPrefix("nats://") || address.hasPrefix("tls://")
    }

    /// `nats://HOST:PORT/SUBJECT` as the server URL and the subject. Credentials never go in the address (it
    /// shows in `ps`): they come from the `nats:` section.
    public static func parse(_ address: String) throws -> (server: String, subject: String) {
        guard let components = URLComponents(string: address), let scheme = components.scheme, let host = components.host, !host.isEmpty else {
            throw StageIOError("\(address): not a nats://HOST:PORT/SUBJECT address")
        }
        guard components.user == nil, components.password == nil else {
            throw StageIOError("\(Redactor.shared.redact(address)): put NATS credentials in the config's nats: section, not in the address")
        }
        var subject = components.path
        while subject.hasPrefix("/") { subject.removeFirst() }
        guard !subject.isEmpty, !subject.contains(" "), !subject.contains("/"), !subject.hasPrefix("."), !subject.hasSuffix("."),
              !subject.contains("..") else {
            throw StageIOError("\(address): name the subject after the port, e.g. nats://127.0.0.1:4222/lookout.results.lon")
        }
        return ("\(scheme)://\(host):\(components.port ?? 4222)", subject)
    }

    public func source(_ address: String, after: UInt64, follow: Bool, stop: StopFlag, logger: Logger) throws -> any SequencedLineSource {
        let (server, subject) = try Self.parse(address)
        // A server not reachable yet (restarting, the link down) is waited for: a following stage forever (until
        // stopped), a run to the end of the stream for 10 s.
        let connection = try connect(server)
        let jetStream = try JetStream(connection)
        let deadline = Date(timeIntervalSinceNow: 10)
        var warned = false
        let layout: StreamLayout
        while true {
            do {
                layout = try jetStream.prepare(settings)
                break
            } catch let failure as NATSError {
                try connection.throwIfRefused()
                guard failure.isUnreachable && !stop.isSet && (follow || Date() < deadline) else { throw failure }
                if !warned { logger.warning("\(failure); waiting for the server") }
                warned = true
                stop.sleep(0.5)
            }
        }
        if let refusal = layout.refusalToRead(subject) { throw StageIOError("\(address): \(refusal)") }
        return try NATSLineSource(jetStream: jetStream, stream: layout.stream, subject: subject, after: after, follow: follow,
                                  stop: stop, logger: logger)
    }

    /// A connection to `server`, going on in the background while the server is not reachable. What makes it fail
    /// at once (credentials refused, a CA file nats.c cannot load) is the stage's error: a one-line StageIOError.
    private func connect(_ server: String) throws -> NATSConnection {
        do {
            return try NATSConnection(url: server, settings: settings, name: name, retryOnFailedConnect: true)
        } catch {
            throw StageIOError(error.description)
        }
    }

    public func sink(_ address: String, confirm: Bool, logger: Logger) throws -> any FinishingLineSink {
        let (server, subject) = try Self.parse(address)
        guard !subject.contains("*"), !subject.contains(">") else {
            throw StageIOError("\(address): a subject published to cannot hold wildcards")
        }
        // Connecting goes on in the background when the server is not there yet: the publisher waits, not the stage.
        let connection = try connect(server)
        let jetStream = try JetStream(connection)
        // A server that is there now says at once whether this subject may be published to it (the leaf topology).
        var layout: StreamLayout?
        if natsConnection_Status(connection.nc) == NATS_CONN_STATUS_CONNECTED {
            do {
                layout = try jetStream.prepare(settings)
            } catch let failure as NATSError where failure.isUnreachable {
                layout = nil
            }
            if let refusal = layout?.refusalToPublish(subject) { throw StageIOError("\(address): \(refusal)") }
        }
        return NATSPublisher(jetStream: jetStream, subject: subject, layout: layout, settings: settings, confirm: confirm, logger: logger)
    }
}
