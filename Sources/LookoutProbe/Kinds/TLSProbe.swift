import Foundation
import LookoutCore
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
// The chain is judged at a chosen moment (see `run`: an expired certificate is not also an untrusted chain), which
// is what this SPI is for.
@_spi(FixedExpiryValidationTime) import X509

/// TLSProbe checks a server's certificate: days until it expires (under `warn_days`: degraded; expired: down), that
/// it names the host, and that its chain leads to a trusted root (the system's, plus `ca_file`).
///
/// async-http-client does not expose the peer certificate, so this makes its own handshake with
/// `NIOSSLClientHandler` and a verification callback that only records the chain; the chain is then judged with
/// swift-certificates, which lets one run report expiry, hostname and chain problems separately.
///
/// ```yaml
/// - id: acme-cert
///   tls: acme.example:443        # or https://acme.example/
///   warn_days: 14
/// ```
public struct TLSProbe: ProbeKind {
    public static let name = "tls"
    public static let settingKeys: Set<String> = ["warn_days", "ca_file", "server_name"]

    public let hostName: String
    public let port: Int
    /// The name the certificate must carry (and SNI), when it differs from the host connected to.
    public let serverName: String
    public let warnDays: Int
    public let extraRoots: [Certificate]
    /// Which `ca_file` (and version of it) `extraRoots` came from, "" for none: chains judged against the same
    /// roots are shared between checks (`ServerChains`).
    let rootsKey: String

    public var host: String? { hostName }

    public init(target: ConfigNode, check: ConfigMapping, context: ConfigContext) throws {
        let text = try target.string()
        if let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "https", let h = url.host {
            if let problem = text.httpURLProblem { throw target.error("tls target \(problem) (got \"\(text)\")") }
            hostName = h
            port = url.port ?? 443
        } else {
            var hostPart = text
            var p = 443
            if let colon = text.lastIndex(of: ":"), !text.hasSuffix("]") {
                guard let n = Int(text[text.index(after: colon)...]), (1...65535).contains(n) else {
                    throw target.error("tls target must be host, host:port or https://host/ (got \"\(text)\")")
                }
                p = n
                hostPart = String(text[..<colon])
            }
            if hostPart.hasPrefix("["), hostPart.hasSuffix("]") { hostPart = String(hostPart.dropFirst().dropLast()) }
            guard !hostPart.isEmpty, !hostPart.contains("/") else {
                throw target.error("tls target must be host, host:port or https://host/ (got \"\(text)\")")
            }
            hostName = hostPart
            port = p
        }
        serverName = try check["server_name"]?.string() ?? hostName
        warnDays = try check["warn_days"].map { n in
            guard try n.int() >= 0 else { throw n.error("\(n.path) must not be negative") }
            return try n.int(in: 0...ConfigBounds.maxDays)
        } ?? 14
        let roots = try check["ca_file"].map { try CAFileCache.shared.roots(of: $0, context: context) }
        extraRoots = roots?.roots ?? []
        rootsKey = roots?.key ?? ""
    }

    public func run(_ run: ProbeRun) async -> ProbeOutcome {
        let started = ContinuousClock.now
        func elapsedMs() -> Double { (ContinuousClock.now - started).fractionalMilliseconds }
        let chain: [NIOSSLCertificate]
        do {
            chain = try await handshake(timeout: run.timeout)
        } catch {
            var outcome = ProbeOutcome(ok: false, error: HTTPRequestSpec.describe(error, elapsedMs: elapsedMs(), timeout: run.timeout))
            if error is HandshakeTimeout { outcome.error = "no TLS handshake within \(run.timeout)" }
            outcome.latencyMs = ProbeOutcome.round(elapsedMs())
            return outcome
        }
        var outcome = ProbeOutcome(ok: true)
        outcome.latencyMs = ProbeOutcome.round(elapsedMs())
        let der = chain.compactMap { try? $0.toDERBytes() }
        guard der.count == chain.count, let server = ServerChains.shared.chain(der: der, roots: rootsKey) else {
            outcome.ok = false
            outcome.error = "the server sent no readable certificate"
            return outcome
        }
        let leaf = server.leaf
        let now = Date(timeIntervalSince1970: Double(run.startedAt.milliseconds) / 1000)
        let notAfter = leaf.notValidAfter
        let secondsLeft = notAfter.timeIntervalSince(now)
        let daysLeft = Int((secondsLeft / 86400).rounded(.down))
        outcome.details = [
            JSONMember(key: "days_left", value: .int(Int64(daysLeft))),
            JSONMember(key: "not_after", value: .string(Timestamp(milliseconds: Int64(notAfter.timeIntervalSince1970 * 1000)).description)),
            JSONMember(key: "subject", value: .string(server.subject)),
            JSONMember(key: "issuer", value: .string(server.issuer)),
            JSONMember(key: "chain_length", value: .int(Int64(chain.count))),
        ]
        if secondsLeft <= 0 {
            outcome.fail("expiry", because: "the certificate expired on \(TLSProbe.day(notAfter))")
        } else if leaf.notValidBefore > now {
            outcome.fail("expiry", because: "the certificate is not valid before \(TLSProbe.day(leaf.notValidBefore))")
        }
        if !server.names(serverName) {
            outcome.fail("hostname", because: "the certificate does not name \(serverName)")
        }
        // Judge the chain at a moment the certificate is valid, so an expired certificate is reported as expired
        // and not also as an untrusted chain.
        let chainTime = secondsLeft <= 0 ? notAfter.addingTimeInterval(-60) : max(now, leaf.notValidBefore.addingTimeInterval(60))
        if let why = await server.chainFailure(extraRoots: extraRoots, at: chainTime) {
            outcome.fail("chain", because: why)
        }
        if outcome.ok, daysLeft < warnDays {
            outcome.degrade("warn_days: \(warnDays)", because: "the certificate expires in \(daysLeft) days, on \(TLSProbe.day(notAfter))")
        }
        return outcome
    }

    static func day(_ d: Date) -> String {
        String(Timestamp(milliseconds: Int64(d.timeIntervalSince1970 * 1000)).description.prefix(10))
    }

    struct HandshakeTimeout: Error {}

    /// The one client context every tls check shares. The handshake only records the peer chain (the verification
    /// callback accepts whatever it is sent; `run` judges the chain with swift-certificates against the system roots
    /// plus `ca_file`), so nothing in it varies between checks, and BoringSSL needs no trust store of its own. A
    /// context per run parsed the system CA bundle (about 140 certificates, about 1 MB of X509 objects) every time.
    static let clientContext: Result<NIOSSLContext, any Error> = Result {
        var config = TLSConfiguration.makeClientConfiguration()
        config.certificateVerification = .noHostnameVerification
        config.trustRoots = .certificates([])   // never consulted: the custom verification callback decides
        // Classical key exchange only, as Go's crypto/tls before 1.24 (blackbox_exporter): BoringSSL's default also
        // generates an X25519MLKEM768 share for every ClientHello, a third of the client's handshake CPU, and a
        // certificate check sends nothing worth protecting from a future quantum computer. A server without X25519
        // still works (one HelloRetryRequest).
        config.curves = [.x25519, .secp256r1, .secp384r1]
        // Close as blackbox_exporter (Go's tls.Conn.Close) does: send close_notify, then drop the connection at once
        // instead of waiting for the server's. NIOSSLHandler's wait is a scheduled task that holds the handler, its
        // SSL object and buffers (and the context) for the whole `shutdownTimeout` (default 5 s) when the server
        // closes without answering: channelInactive does not cancel it (swift-nio-ssl 2.37). At 1,000 checks that
        // kept hundreds of finished connections, each with its own parsed CA bundle, alive.
        config.shutdownTimeout = .zero
        return try NIOSSLContext(configuration: config)
    }

    /// Connects, completes a TLS handshake recording the peer chain, and closes; bounded by `timeout`.
    private func handshake(timeout: TimeSpan) async throws -> [NIOSSLCertificate] {
        let context = try TLSProbe.clientContext.get()
        let sni: String? = serverName.isIPAddress ? nil : serverName
        // The chain the verification callback saw, read after the handshake.
        let captured = Locked<[NIOSSLCertificate]>([])
        let group = MultiThreadedEventLoopGroup.singleton
        let loop = group.next()
        let done = loop.makePromise(of: Void.self)
        let deadline = NIODeadline.now() + .milliseconds(timeout.milliseconds)
        let timer = loop.scheduleTask(deadline: deadline) { done.fail(HandshakeTimeout()) }
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(.milliseconds(timeout.milliseconds))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let ssl = try NIOSSLClientHandler(context: context, serverHostname: sni) { certs, promise in
                        captured.withLock { $0 = certs }
                        promise.succeed(.certificateVerified)
                    }
                    try channel.pipeline.syncOperations.addHandler(ssl)
                    try channel.pipeline.syncOperations.addHandler(HandshakeWatcher(done: done))
                }
            }
        let channel: Channel
        do {
            // An IP address needs no resolver: NIO would still send it through getaddrinfo on a Dispatch thread.
            if let address = try? SocketAddress(ipAddress: hostName, port: port) {
                channel = try await bootstrap.connect(to: address).get()
            } else {
                channel = try await bootstrap.connect(host: hostName, port: port).get()
            }
        } catch {
            timer.cancel()
            done.fail(error)
            throw error
        }
        // The run waits for its connection to close (one event-loop tick with a zero shutdownTimeout), so a check
        // holds at most one connection, and only while it holds its permit: at most `--concurrency` exist at once.
        do {
            try await done.futureResult.get()
        } catch {
            timer.cancel()
            try? await channel.close()
            throw error
        }
        timer.cancel()
        try? await channel.close()
        return captured.value
    }
}

/// Completes the promise when the handshake finishes, or fails it with the first error.
private final class HandshakeWatcher: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    let done: EventLoopPromise<Void>
    init(done: EventLoopPromise<Void>) { self.done = done }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let e = event as? TLSUserEvent, case .handshakeCompleted = e { done.succeed(()) }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        done.fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        done.fail(ChannelError.eof)
        context.fireChannelInactive()
    }
}
