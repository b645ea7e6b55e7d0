import Foundation

/// NATSSettings holds the optional `nats:` section: which JetStream stream carries lookout's subjects, how to
/// authenticate and trust the server, and where a publisher spills what it cannot send yet (docs/scaling.md).
/// Without the section, `nats://` inputs and outputs use the defaults: stream `LOOKOUT` over `lookout.>`, created at
/// start when missing, no credentials, no TLS.
public struct NATSSettings: Sendable, Equatable {
    public var stream = "LOOKOUT"
    public var subjects = ["lookout.>"]
    /// The stream's de-duplication window, set when lookout creates the stream: a republished line within it is dropped.
    public var duplicateWindow: TimeSpan = .seconds(120)
    public var user: String?
    public var password: Secret?
    public var token: Secret?
    /// A NATS `.creds` file (user JWT and NKey seed).
    public var credentialsFile: String?
    /// Trust this CA (PEM) and require TLS.
    public var caFile: String?
    /// Where a publisher keeps the lines it could not send yet (one file per subject); default the system's temp folder.
    public var spoolDirectory: String?
    /// How many lines a publisher holds in memory before spilling to the spool file.
    public var memoryLines = 10_000
    /// The spool file's limit; past it new lines are dropped and counted (probing never waits).
    public var spoolMaxBytes: Int64 = 256 << 20

    static let keys: Set<String> = [
        "stream", "subjects", "duplicate_window", "user", "password", "password_file", "token", "token_file",
        "credentials_file", "ca_file", "spool_directory", "memory_lines", "spool_max_bytes",
    ]

    public init() {}

    init(node: ConfigNode, environment: [String: String]) throws {
        let m = try node.mapping(allowing: NATSSettings.keys)
        if let s = m["stream"] {
            stream = try s.string()
            guard !stream.isEmpty, stream.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
                throw s.error("nats.stream must be letters, digits, _ and - (a JetStream stream name)")
            }
        }
        if let s = m["subjects"] {
            subjects = try s.list().map { try $0.string() }
            guard !subjects.isEmpty, subjects.allSatisfy({ !$0.isEmpty && !$0.contains(" ") }) else {
                throw s.error("nats.subjects must list one or more subjects, e.g. [\"lookout.>\"]")
            }
        }
        if let d = m["duplicate_window"] {
            duplicateWindow = try d.duration()
            guard duplicateWindow.milliseconds >= 1000, duplicateWindow.milliseconds <= 7 * 86_400_000 else {
                throw d.error("nats.duplicate_window must be between 1s and 7d")
            }
        }
        user = try m["user"]?.string()
        password = try m.secret("password", environment: environment)
        token = try m.secret("token", environment: environment)
        if password != nil && user == nil { throw node.error("nats.password needs nats.user") }
        if token != nil && user != nil { throw node.error("nats: give user and password, or a token, not both") }
        credentialsFile = try m["credentials_file"].map { try NATSSettings.readableFile($0, key: "credentials_file") }
        caFile = try m["ca_file"].map { try NATSSettings.readableFile($0, key: "ca_file") }
        spoolDirectory = try m["spool_directory"]?.string()
        if let n = m["memory_lines"] {
            memoryLines = try n.int()
            guard (1...10_000_000).contains(memoryLines) else { throw n.error("nats.memory_lines must be between 1 and 10000000") }
        }
        if let n = m["spool_max_bytes"] {
            spoolMaxBytes = Int64(try n.int())
            guard (0...(1 << 40)).contains(spoolMaxBytes) else { throw n.error("nats.spool_max_bytes must be between 0 and 1 TiB") }
        }
    }

    private static func readableFile(_ node: ConfigNode, key: String) throws -> String {
        let path = try node.string()
        guard FileManager.default.isReadableFile(atPath: path) else { throw node.error("nats.\(key) \(path) cannot be read") }
        return path
    }
}
