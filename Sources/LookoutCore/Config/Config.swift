import Foundation

/// Config is the one YAML file all four executables share (docs/config.md), validated completely at load so that a
/// mistake fails fast with `FILE:LINE: message` instead of surfacing at 3 a.m.
public struct Config: Sendable {
    public var file: String
    public var timeZone: TimeZone
    public var maintenancePolicy: MaintenancePolicy
    public var tiers: [Tier]
    public var defaults: CheckDefaults
    public var sites: [Site]
    public var classify = ClassifySettings()
    /// Where `route` sends incidents (Config/RoutingConfig.swift); nil when the file has no `routing:` section.
    public var routing: RoutingConfig? = nil
    /// Where each check id lives: `sites[site].checks[check]`.
    public private(set) var checkIndex: [String: (site: Int, check: Int)] = [:]
    public var report = ReportConfig()
    /// The status site's settings (`status:`); the defaults when the file has none.
    public var status = StatusConfig()
    /// How `nats://` inputs and outputs reach JetStream (Config/NATSSettings.swift); defaults without a `nats:` section.
    public var nats = NATSSettings()
    /// One-tap links in chat messages (Config/ActionsConfig.swift, docs/actions.md); nil without an `actions:` section.
    public var actions: ActionsConfig? = nil

    static let keys: Set<String> = [
        "timezone", "maintenance_policy", "tiers", "defaults", "sites", "classify", "report", "routing", "status", "nats", "actions",
    ]

    public func tier(named name: String) -> Tier? { tiers.first { $0.name == name } }

    public func site(forCheck id: String) -> Site? { checkIndex[id].map { sites[$0.site] } }

    public func check(_ id: String) -> Check? { checkIndex[id].map { sites[$0.site].checks[$0.check] } }

    public var allChecks: [Check] { sites.flatMap(\.checks) }

    public static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment,
                            kinds: ConfigKinds, routingSecrets: RoutingSecrets = .required,
                            checksRunHere: Bool = true) throws -> Config {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, line: 0, message: "cannot read the config file: \(readFailure(path))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            // The line holding the first byte that is not UTF-8 (a newline is never part of a multi-byte sequence,
            // so each line can be checked alone).
            let lines = data.split(separator: 10, omittingEmptySubsequences: false)
            let line = (lines.firstIndex { String(data: Data($0), encoding: .utf8) == nil } ?? 0) + 1
            throw ConfigError(file: path, line: line, message: "the config file is not UTF-8")
        }
        return try parse(yaml: text, file: path, environment: environment, kinds: kinds, routingSecrets: routingSecrets,
                         checksRunHere: checksRunHere)
    }

    /// Whether the stage loading the config sends through the routing sinks. Only route does: probe, classify and
    /// report read `routing` for its rules (report matches deliveries to the routes), so a sink's secret that is not
    /// set where they run must not stop them (report exited 78 for an unset Slack variable it never uses).
    public enum RoutingSecrets: Sendable {
        case required
        /// An unset `${NAME}` in the routing section stands for a placeholder that is never sent anything.
        case notNeeded
    }

    /// The environment with a stand-in for every `${NAME}` the config text names and the environment lacks: a URL
    /// under the reserved `.invalid` domain, so URL-shaped secrets still validate.
    static func standInSecrets(in yaml: String, environment: [String: String]) -> [String: String] {
        var filled = environment
        for match in yaml.matches(of: /\$\{([A-Za-z0-9_]+)\}/) where (environment[String(match.output.1)] ?? "").isEmpty {
            filled[String(match.output.1)] = "https://unset.invalid/lookout-unset-\(match.output.1.lowercased())"
        }
        return filled
    }

    /// Why `path` cannot be read, in the OS's words ("No such file or directory", "Permission denied", "Is a
    /// directory").
    static func readFailure(_ path: String) -> String {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return String(cString: strerror(errno)) }
        defer { close(fd) }
        var byte: UInt8 = 0
        return read(fd, &byte, 1) < 0 ? String(cString: strerror(errno)) : "unreadable"
    }

    public static func parse(yaml: String, file: String, environment: [String: String] = [:],
                             kinds: ConfigKinds, routingSecrets: RoutingSecrets = .required,
                             checksRunHere: Bool = true) throws -> Config {
        let root = try ConfigNode.parse(yaml: yaml, file: file)
        let m = try root.mapping(allowing: keys)
        let zone = try m["timezone"].map(TimeZone.parse) ?? TimeZone(identifier: "UTC")!
        let directory = (file as NSString).deletingLastPathComponent
        var context = ConfigContext(file: file, environment: environment, timeZone: zone,
                                    directory: directory.isEmpty ? "." : directory)
        context.checksRunHere = checksRunHere
        var config = Config(
            file: file, timeZone: zone,
            maintenancePolicy: try m["maintenance_policy"].map(MaintenancePolicy.init(node:)) ?? MaintenancePolicy(),
            tiers: try (m["tiers"]?.namedEntries() ?? []).map { try Tier(name: $0.name, node: $0.value) },
            defaults: try m["defaults"].map(CheckDefaults.init(node:)) ?? CheckDefaults(),
            sites: [])
        config.classify = try m["classify"].map { try ClassifySettings(node: $0) } ?? ClassifySettings()
        for siteNode in try m["sites"]?.sequence() ?? [] {
            let site = try config.parseSite(siteNode, context: context, kinds: kinds)
            for (k, check) in site.checks.enumerated() {
                if let (s, _) = config.checkIndex[check.id] {
                    throw ConfigError(file: file, line: check.line,
                                      message: "duplicate check id \"\(check.id)\" (also in site \(config.sites[s].id))")
                }
                config.checkIndex[check.id] = (config.sites.count, k)
            }
            config.sites.append(site)
        }
        if let r = m["report"] { config.report = try ReportConfig(node: r, environment: environment) }
        config.status = try StatusConfig(node: m["status"], config: config)
        if let n = m["nats"] { config.nats = try NATSSettings(node: n, environment: environment) }
        config.actions = try m["actions"].map {
            try ActionsConfig(node: $0, environment: environment, maxControlDuration: config.classify.maxControlDuration)
        }
        var routingContext = context
        if routingSecrets == .notNeeded { routingContext.environment = standInSecrets(in: yaml, environment: environment) }
        // Sinks that carry one-tap links sign them with the actions key.
        routingContext.actions = config.actions
        config.routing = try m["routing"].map { try RoutingConfig(node: $0, context: routingContext, tiers: config.tiers, kinds: kinds) }
        return config
    }

    private func parseSite(_ node: ConfigNode, context: ConfigContext, kinds: ConfigKinds) throws -> Site {
        let m = try node.mapping(allowing: Site.keys)
        let idNode = try m.required("id")
        let id = try Config.identifier(idNode)
        if let other = sites.first(where: { $0.id == id }) {
            throw idNode.error("duplicate site id \"\(id)\" (first defined on line \(other.line))")
        }
        let tierNode = try m.required("tier")
        let tierName = try tierNode.string()
        guard let tier = self.tier(named: tierName) else {
            let known = tiers.map(\.name).joined(separator: ", ")
            throw tierNode.error("unknown tier \"\(tierName)\" for site \(id) (known: \(known.isEmpty ? "none defined" : known))")
        }
        let zone = try m["timezone"].map(TimeZone.parse) ?? timeZone
        let contractHours = try m["contract_hours"].map { try $0.int(in: 0...ConfigBounds.maxContractHours) } ?? tier.contractHours
        let windows = try (m["maintenance"]?.sequence() ?? []).map { try MaintenanceWindow.parse($0, timeZone: zone) }
        for (k, w) in windows.enumerated() where windows[..<k].contains(where: { $0.name == w.name }) {
            throw ConfigError(file: w.file, line: w.line, message: "duplicate window name \"\(w.name)\" in site \(id)")
        }
        try maintenancePolicy.validate(windows, contractHours: contractHours, site: id)
        var siteContext = context
        siteContext.timeZone = zone
        var checks: [Check] = []
        for checkNode in try m["checks"]?.sequence() ?? [] {
            let check = try parseCheck(checkNode, siteID: id, context: siteContext, kinds: kinds)
            if checks.contains(where: { $0.id == check.id }) {
                throw ConfigError(file: checkNode.file, line: check.line, message: "duplicate check id \"\(check.id)\" in site \(id)")
            }
            checks.append(check)
        }
        return Site(id: id, line: idNode.line, name: try m["name"]?.string() ?? id, tier: tierName, timeZone: zone,
                    contractHours: contractHours, url: try m["url"]?.string(), client: try m["client"]?.string(),
                    contactEmail: try m["contact_email"]?.string(), maintenance: windows, checks: checks)
    }

    private func parseCheck(_ node: ConfigNode, siteID: String, context: ConfigContext, kinds registered: ConfigKinds) throws -> Check {
        guard case .mapping(let raw) = node.node else { throw node.error("\(node.path) must be a mapping") }
        let present = raw.keys.compactMap { $0.scalar?.string }
        let kinds = registered.checks.filter { present.contains($0.name) }
        let kindNames = registered.checks.map { $0.name }.joined(separator: ", ")
        guard let kind = kinds.first else {
            throw node.error("check in site \(siteID) needs one kind key: \(kindNames)")
        }
        guard kinds.count == 1 else {
            throw node.error("check in site \(siteID) has several kinds (\(kinds.map { $0.name }.joined(separator: ", "))); give it exactly one")
        }
        let m = try node.mapping(allowing: Check.commonKeys.union(kind.settingKeys).union([kind.name]))
        let idNode = try m.required("id")
        let id = try Config.identifier(idNode)
        let targetNode = try m.required(kind.name)
        let probe = try kind.make(target: targetNode, check: m, context: context)
        var every = kind.defaultEvery ?? defaults.every, timeout = kind.defaultTimeout ?? defaults.timeout
        var confirm = defaults.confirm, recover = defaults.recover
        if let n = m["every"] { every = try positive(n) }
        if let n = m["timeout"] { timeout = try positive(n) }
        if let n = m["confirm"] { confirm = try ConfirmRule.parse(n, base: confirm) }
        if let n = m["recover"] { recover = try RecoverRule.parse(n, base: recover) }
        let name: String? = try m["name"]?.string()
        var check = Check(id: id, siteID: siteID, name: name, kindName: kind.name, every: every, timeout: timeout,
                          confirm: confirm, recover: recover, probe: probe, line: idNode.line)
        check.classify = try m["classify"].map { try ClassifySettings(node: $0, base: classify) }
        return check
    }

    /// Ids appear in events, file names and URLs: letters, digits, `-`, `_` and `.` only.
    static func identifier(_ node: ConfigNode) throws -> String {
        let id = try node.string()
        guard isIdentifier(id) else {
            throw node.error("\(node.path) \"\(id)\" may hold only letters, digits, '-', '_' and '.'")
        }
        return id
    }

    /// Whether a text is a valid id: not empty; letters, digits, `-`, `_` and `.` only.
    public static func isIdentifier(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.allSatisfy { c in
            (c >= 48 && c <= 57) || (c | 0x20 >= 97 && c | 0x20 <= 122) || c == 45 || c == 95 || c == 46
        }
    }
}
