import Foundation
import Logging
import LookoutCore
import LookoutNATS
import Testing

/// NATSServer is a real `nats-server` with JetStream (Debian's, from pipelines/install-deps) on a free loopback
/// port, its store in a temp folder; the test stops it (and may start it again on the same port and store). For the
/// leaf topology: a central server with a JetStream domain and a leaf-node listener, and leaves with domains of their
/// own connected to it, as in pipelines/nats/. Without `nats-server` installed, creating one throws.
final class NATSServer {
    let port: Int
    let store: URL
    /// The JetStream domain, and the port leaves connect to (a central server) or the central server's (a leaf).
    let domain: String?
    let leafPort: Int?
    let remoteLeafPort: Int?
    /// More `nats-server` arguments for one server: what it asks of clients (`--user U --pass P`, `--auth TOKEN`).
    let extraArguments: [String]
    /// Clients must connect with TLS, the server showing this certificate.
    let tls: ServerCertificateFiles?
    private var process: Process?

    init(store: URL, domain: String? = nil, acceptsLeaves: Bool = false, leafOf central: NATSServer? = nil, arguments: [String] = [],
         tls: ServerCertificateFiles? = nil) throws {
        port = LoopbackPort.free()
        self.store = store
        self.domain = domain
        extraArguments = arguments
        self.tls = tls
        leafPort = acceptsLeaves ? LoopbackPort.free() : nil
        remoteLeafPort = central?.leafPort
        try start()
    }

    var url: String { "nats://127.0.0.1:\(port)" }
    var log: String { store.path + ".log" }
    var logTail: String { String(((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").suffix(1500)) }

    func start() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try InstalledTool.natsServer())
        if domain == nil && leafPort == nil && remoteLeafPort == nil && tls == nil {
            p.arguments = ["-js", "-a", "127.0.0.1", "-p", "\(port)", "-sd", store.path, "-l", log] + extraArguments
        } else {
            let conf = store.path + ".conf"
            try configuration.write(toFile: conf, atomically: true, encoding: .utf8)
            p.arguments = ["-c", conf, "-l", log]
        }
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        process = p
        // Up once it accepts a connection (bounded).
        let up = eventually(timeout: 10) { LoopbackPort.isOpen(port) }
        if !up { Issue.record("nats-server on \(port) did not start within 10 s") }
    }

    /// The server's config file (the shape of pipelines/nats/central.conf and leaf.conf), on loopback.
    private var configuration: String {
        var lines = ["server_name: \(domain ?? "nats-\(port)")", "listen: 127.0.0.1:\(port)",
                     "jetstream { store_dir: \"\(store.path)\"" + (domain.map { ", domain: \($0)" } ?? "") + " }"]
        if let tls { lines.append("tls { cert_file: \"\(tls.certificateFile)\", key_file: \"\(tls.keyFile)\" }") }
        if let leafPort { lines.append("leafnodes { listen: 127.0.0.1:\(leafPort) }") }
        if let remoteLeafPort {
            // As pipelines/nats/leaf.conf: lookout's subjects stay off the link, or every leaf stores every other's results.
            lines.append("leafnodes { reconnect: 1, remotes: [ { url: \"nats-leaf://127.0.0.1:\(remoteLeafPort)\", "
                         + "deny_imports: [\"lookout.>\"], deny_exports: [\"lookout.>\"] } ] }")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Every line the stream holds on `address` now, read to its end as `classify` without `--follow` reads it.
    static func storedLines(_ address: String, settings: NATSSettings = NATSSettings()) throws -> [String] {
        let source = try NATSTransport(settings: settings, name: "test").source(address, after: 0, follow: false, stop: StopFlag(),
                                                                                logger: Logger(label: "test"))
        var lines: [String] = []
        try source.lines { event in
            if case .line(let line) = event { lines.append(String(decoding: line.bytes, as: UTF8.self)) }
            return true
        }
        return lines
    }

    /// SIGKILL: the crash of a server, its store as the crash left it.
    func kill9() {
        guard let p = process else { return }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        process = nil
    }

    func stop() {
        guard let p = process else { return }
        if p.isRunning { kill(p.processIdentifier, SIGTERM) }
        let deadline = Date().addingTimeInterval(10)
        while p.isRunning, Date() < deadline { usleep(10_000) }
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        process = nil
    }
}
