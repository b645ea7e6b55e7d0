import Foundation
import Testing

/// NATSServer is a real `nats-server` with JetStream (Debian's, from pipelines/install-deps) on a free loopback
/// port, its store in a temp folder; the test stops it (and may start it again on the same port and store).
final class NATSServer {
    static let path: String? = ["/usr/bin/nats-server", "/usr/sbin/nats-server", "/usr/local/bin/nats-server"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    let port: Int
    let store: URL
    private var process: Process?

    init(store: URL) throws {
        port = LoopbackPort.free()
        self.store = store
        try start()
    }

    var url: String { "nats://127.0.0.1:\(port)" }
    var log: String { store.path + ".log" }
    var logTail: String { String(((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").suffix(1500)) }

    func start() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.path!)
        p.arguments = ["-js", "-a", "127.0.0.1", "-p", "\(port)", "-sd", store.path, "-l", log]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        process = p
        // Up once it accepts a connection (bounded).
        let up = eventually(timeout: 10) { Self.accepts(port: port) }
        if !up { Issue.record("nats-server on \(port) did not start within 10 s") }
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

    static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    /// Records an issue naming the install script when the server is missing; the caller then returns.
    static func available() -> Bool {
        if path == nil { Issue.record("nats-server is not installed: run pipelines/install-deps (Debian package nats-server)") }
        return path != nil
    }
}
