/// StatusConfig is the optional `status:` section (docs/status-pages.md): the team board's title, which tiers have
/// client pages, when the board calls itself stale, and each client's page settings.
public struct StatusConfig: Sendable {
    /// StatusConfig.Client is one client's page: its title, where it lives, what it shows and whom to ask.
    public struct Client: Sendable {
        /// The client, as the sites' `client:` (or the id of a site without one) names it.
        public var name: String
        public var line: Int
        public var title: String?
        /// An unguessable folder name used instead of the slug, for a page meant for this client only.
        public var path: String?
        public var contact: String?
        /// Checks shown as components of their own, beside the sites.
        public var publicChecks: [String] = []
        /// Whether the client has a page at all; nil: only when one of its sites is in a shown tier.
        public var enabled: Bool?
    }

    public var title = "Lookout status"
    /// Tiers whose sites appear on client pages; nil: every tier but `prospect` and `unsupported`.
    public var tiers: [String]?
    /// The board says it is stale when no result arrived for this long before the newest line read.
    public var staleAfter: TimeSpan = .minutes(10)
    public var clients: [Client] = []
    public var line = 0

    static let keys: Set<String> = ["title", "tiers", "stale_after", "clients"]
    static let clientKeys: Set<String> = ["client", "title", "path", "contact", "public_checks", "enabled"]
    /// Path segments: long enough not to be guessed, short enough for a URL.
    public static let pathLength = 16...64
    /// The status site's folder of the team board's screenshots, which no client's pages may use.
    public static let screenshotsFolder = "screenshots"

    public init() {}

    /// Whether a tier's sites appear on client pages.
    public func shows(tier: String) -> Bool {
        tiers.map { $0.contains(tier) } ?? !["prospect", "unsupported"].contains(tier)
    }

    public func client(named name: String) -> Client? { clients.first { $0.name == name } }

    /// A client's folder name from its name: lowercase letters, digits and single dashes.
    public static func slug(_ name: String) -> String {
        var out = ""
        for scalar in name.lowercased().unicodeScalars {
            if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) {
                out.unicodeScalars.append(scalar)
            } else if !out.isEmpty, !out.hasSuffix("-") {
                out += "-"
            }
        }
        while out.hasSuffix("-") { out.removeLast() }
        return out.isEmpty ? "client" : out
    }

    /// Whether a configured path segment is safe as a folder and URL part: `[a-z0-9-]`, no leading dash.
    public static func isSafePath(_ path: String) -> Bool {
        pathLength.contains(path.count) && !path.hasPrefix("-")
            && path.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }

    /// Reads the section (nil when the file has none: the defaults, still checked for clashing folders).
    init(node: ConfigNode?, config: Config) throws {
        if let node { try read(node, config: config) }
        try checkFolders(config: config)
    }

    private mutating func read(_ node: ConfigNode, config: Config) throws {
        let m = try node.mapping(allowing: StatusConfig.keys)
        line = node.line
        if let t = m["title"] { title = try t.string() }
        if let t = m["tiers"] {
            tiers = try t.list().map { n in
                let name = try n.string()
                guard config.tier(named: name) != nil else { throw n.error("unknown tier \"\(name)\" in \(t.path)") }
                return name
            }
        }
        if let s = m["stale_after"] {
            staleAfter = try s.duration()
            guard staleAfter.milliseconds >= 60_000, staleAfter.milliseconds <= 86_400_000 else {
                throw s.error("\(s.path) must be between 1m and 24h")
            }
        }
        let known = Set(config.sites.map(\.clientKey))
        for c in try m["clients"]?.sequence() ?? [] {
            let cm = try c.mapping(allowing: StatusConfig.clientKeys)
            let nameNode = try cm.required("client")
            let name = try nameNode.string()
            guard known.contains(name) else { throw nameNode.error("no site has client (or id) \"\(name)\" in status.clients") }
            if clients.contains(where: { $0.name == name }) { throw nameNode.error("client \"\(name)\" is listed twice in status.clients") }
            var client = Client(name: name, line: nameNode.line)
            client.title = try cm["title"]?.string()
            client.contact = try cm["contact"]?.string()
            client.enabled = try cm["enabled"]?.bool()
            if let p = cm["path"] {
                let path = try p.string()
                guard StatusConfig.isSafePath(path) else {
                    throw p.error("\(p.path) must be \(StatusConfig.pathLength.lowerBound) to \(StatusConfig.pathLength.upperBound) lowercase letters, digits or dashes, not starting with a dash")
                }
                client.path = path
            }
            if let pc = cm["public_checks"] {
                client.publicChecks = try pc.list().map { n in
                    let id = try n.string()
                    guard let site = config.site(forCheck: id), site.clientKey == name else {
                        throw n.error("\(pc.path): \"\(id)\" is not a check of client \"\(name)\"")
                    }
                    return id
                }
            }
            clients.append(client)
        }
    }

    private func checkFolders(config: Config) throws {
        // Two clients sharing a folder would overwrite each other's pages.
        var folders: [String: String] = [:]
        var seen: Set<String> = []
        for name in config.sites.map(\.clientKey) where seen.insert(name).inserted {
            let entry = clients.first { $0.name == name }
            let folder = entry?.path ?? StatusConfig.slug(name)
            // The team board keeps its screenshots there (a path has 16 characters or more, so only a slug can be it).
            if folder == StatusConfig.screenshotsFolder {
                let site = config.sites.first { $0.clientKey == name }
                throw ConfigError(file: config.file, line: entry?.line ?? site?.line ?? line,
                                  message: "client \"\(name)\" would have the status folder \"\(folder)\", where the team board keeps its screenshots; give it a path in status.clients")
            }
            if let other = folders[folder], other != name {
                let site = config.sites.first { $0.clientKey == name }
                throw ConfigError(file: config.file, line: entry?.line ?? site?.line ?? line,
                                  message: "clients \"\(other)\" and \"\(name)\" would share the status folder \"\(folder)\"; give one a path in status.clients")
            }
            folders[folder] = name
        }
    }

    /// The folder of a client's pages under the site's root.
    public func folder(for client: String) -> String { self.client(named: client)?.path ?? StatusConfig.slug(client) }
}
