import Foundation

/// NATSSettings holds the optional `nats:` section: which JetStream stream carries lookout's subjects, how to
/// authenticate and trust the server, and where a publisher spills what it cannot send yet (docs/scaling.md).
/// Without the section, `nats://` inputs and outputs use the defaults: stream `LOOKOUT` over `lookout.>`, created at
/// start when missing, no credentials, no TLS. With `leaves`, the leaf topology: each leaf keeps `leafStream` over
/// `leafSubjects`, and the central stream `stream` holds no subjects and sources every leaf's stream.
public struct NATSSettings: Sendable, Equatable {
    public var stream = "LOOKOUT"
    public var subjects = ["lookout.>"]
    /// The JetStream domains of the leaf nodes at the probe locations; empty: one server (or a cluster) and no leaves.
    public var leaves: [String] = []
    /// With `leaves`: each leaf's stream, over `leafSubjects` (what the probes there publish).
    public var leafStream = "LOOKOUT_EDGE"
    public var leafSubjects = ["lookout.results.>"]
    /// More leaves than this is a second central server's job (and a stream config of hundreds of sources).
    public static let maxLeaves = 100
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
        "credentials_file", "ca_file", "spool_directory", "memory_lines", "spool_max_bytes", "leaves", "leaf_stream",
        "leaf_subjects",
    ]

    public init() {}

    init(node: ConfigNode, environment: [String: String]) throws {
        let m = try node.mapping(allowing: NATSSettings.keys)
        if let s = m["stream"] { stream = try NATSSettings.name(s, key: "stream", what: "a JetStream stream name") }
        if let s = m["subjects"] { subjects = try NATSSettings.subjects(s, key: "subjects") }
        if let l = m["leaves"] {
            leaves = try l.list().map { try NATSSettings.name($0, key: "leaves", what: "JetStream domains") }
            guard (1...NATSSettings.maxLeaves).contains(leaves.count), Set(leaves).count == leaves.count else {
                throw l.error("nats.leaves must list 1 to \(NATSSettings.maxLeaves) different leaf JetStream domains")
            }
            // The central stream holds only what it sources: subjects of its own would also pull in every leaf's
            // results straight across the leaf links (interest crosses them), each stored twice.
            if let s = m["subjects"] { throw s.error("nats.subjects is for one server; with nats.leaves the central stream has no subjects and the leaves' are nats.leaf_subjects") }
        }
        if let s = m["leaf_stream"] { leafStream = try NATSSettings.name(s, key: "leaf_stream", what: "a JetStream stream name") }
        if let s = m["leaf_subjects"] { leafSubjects = try NATSSettings.subjects(s, key: "leaf_subjects") }
        if leaves.isEmpty, let key = ["leaf_stream", "leaf_subjects"].first(where: { m[$0] != nil }) {
            throw m[key]!.error("nats.\(key) needs nats.leaves (the leaf nodes' JetStream domains)")
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

    private static func name(_ node: ConfigNode, key: String, what: String) throws -> String {
        let name = try node.string()
        guard !name.isEmpty, name.count <= 64, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) else {
            throw node.error("nats.\(key) must be letters, digits, _ and - (\(what), up to 64 characters)")
        }
        return name
    }

    private static func subjects(_ node: ConfigNode, key: String) throws -> [String] {
        let subjects = try node.list().map { try $0.string() }
        guard !subjects.isEmpty, subjects.count <= 100, subjects.allSatisfy({ !$0.isEmpty && !$0.contains(" ") }) else {
            throw node.error("nats.\(key) must list 1 to 100 subjects, e.g. [\"lookout.>\"]")
        }
        return subjects
    }

    private static func readableFile(_ node: ConfigNode, key: String) throws -> String {
        let path = try node.string()
        guard FileManager.default.isReadableFile(atPath: path) else { throw node.error("nats.\(key) \(path) cannot be read") }
        return path
    }
}
