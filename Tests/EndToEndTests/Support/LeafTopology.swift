import Foundation
import Logging
import LookoutCore
import LookoutNATS

/// LeafTopology is docs/scaling.md's picture on loopback: a central `nats-server` (JetStream domain `hub`, a
/// leaf-node listener) and one leaf per location (domain `leaf-LOC`, JetStream of its own) linked to it; each
/// location's probe publishes to its leaf, and classify reads the central stream, which sources every leaf's.
final class LeafTopology {
    static let locations = ["lon", "fra", "nyc"]
    let folder: FileChain.Folder
    let central: NATSServer
    let leaves: [String: NATSServer]
    let settings: NATSSettings

    init(folder: FileChain.Folder) throws {
        self.folder = folder
        central = try NATSServer(store: folder.dir.appendingPathComponent("central"), domain: "hub", acceptsLeaves: true)
        var leaves: [String: NATSServer] = [:]
        for location in Self.locations {
            leaves[location] = try NATSServer(store: folder.dir.appendingPathComponent("leaf-\(location)"), domain: "leaf-\(location)",
                                              leafOf: central)
        }
        self.leaves = leaves
        var settings = NATSSettings()
        settings.leaves = Self.locations.map { "leaf-\($0)" }
        settings.spoolDirectory = folder.dir.path
        self.settings = settings
    }

    func stop() {
        leaves.values.forEach { $0.stop() }
        central.stop()
    }

    /// The `nats:` section every host shares: the server's domain says whether it is a leaf or the centre.
    var natsSection: String {
        "nats: {leaves: [\(Self.locations.map { "leaf-\($0)" }.joined(separator: ", "))], spool_directory: \"\(folder.dir.path)\"}\n"
    }

    /// Where the probe at `location` publishes.
    func output(_ location: String) -> String { "\(leaves[location]!.url)/lookout.results.\(location)" }

    var input: String { "\(central.url)/lookout.results.>" }

    /// Every line the stream at `address` holds now, read to its end as `classify` without `--follow` reads it
    /// (with the topology's settings, or others: a config naming fewer leaves).
    func lines(_ address: String, settings: NATSSettings? = nil) throws -> [String] {
        try NATSServer.storedLines(address, settings: settings ?? self.settings)
    }

    /// What the three leaves hold: every result the probes got stored.
    func published() throws -> [String] { try Self.locations.flatMap { try lines(output($0)) } }
}

/// ClassifiedLog is classify's output taken apart for the fault tests' promises.
struct ClassifiedLog {
    let objects: [[String: Any]]

    init(_ lines: [String]) {
        objects = lines.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
    }

    init(path: String) {
        self.init(((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init))
    }

    static func identity(_ object: [String: Any]) -> String {
        "\(object["check"] ?? "") \(object["location"] ?? "") \(object["at"] ?? "")"
    }

    var results: [[String: Any]] { objects.filter { $0["type"] as? String == "result" } }
    var resultIdentities: [String] { results.map(Self.identity) }

    /// Identities out of `at` order within their check and location, in output order.
    /// Compared as times, not as text: `…:48Z` sorts after `…:48.994Z` as text ('Z' > '.'), which once made a
    /// result on a whole second look out of order.
    var outOfOrder: [String] {
        var last: [String: Int64] = [:]
        var wrong: [String] = []
        for result in results {
            let key = "\(result["check"] ?? "") \(result["location"] ?? "")"
            let at = (result["at"] as? String).flatMap(Timestamp.init(rfc3339:))?.milliseconds ?? .min
            if let previous = last[key], previous >= at { wrong.append(Self.identity(result)) }
            last[key] = at
        }
        return wrong
    }

    /// `(incident id, event)` for every incident line.
    var incidentEvents: [String] {
        objects.filter { $0["type"] as? String == "incident" }.map { "\($0["id"] ?? "") \($0["event"] ?? "")" }
    }

    /// Incident ids opened or resolved more than once.
    var repeatedIncidentEvents: [String] {
        let lifecycle = incidentEvents.filter { $0.hasSuffix(" opened") || $0.hasSuffix(" resolved") }
        return Dictionary(grouping: lifecycle, by: { $0 }).filter { $0.value.count > 1 }.map(\.key).sorted()
    }
}

/// TogglingListener is a TCP port on 127.0.0.1 that is up (accepting connections) or down (refusing them) as the
/// test says: a target whose outage the probes see from every location.
final class TogglingListener {
    let port = LoopbackPort.free()
    private var fd: Int32 = -1

    init() { up() }
    deinit { down() }

    func up() {
        guard fd < 0 else { return }
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        // The kernel completes handshakes into the backlog without accept(): enough for a test's probes.
        listen(fd, 1024)
    }

    func down() {
        guard fd >= 0 else { return }
        close(fd)
        fd = -1
    }
}
