import Foundation

/// RoutingConfig is the `routing:` section: the sinks (with their secrets), the routes that map severities and tiers
/// to them, and the timing of grouping, ticket comments and retries (docs/routing.md).
public struct RoutingConfig: Sendable {
    public var sinks: [ConfiguredSink]
    public var routes: [RouteRule]
    /// How long a chat sink waits for more incidents before sending a grouped message.
    public var groupWait: TimeSpan
    /// At most one `updated` delivery per incident and sink this often (event time).
    public var updateInterval: TimeSpan
    public var retry: RetryPolicy
    /// `time_intervals`: named times of day and week that routes are active or muted in.
    public var timeIntervals: [RouteTimeInterval] = []

    static let keys: Set<String> = ["sinks", "routes", "group_wait", "update_interval", "retry", "time_intervals"]
    static let sinkCommonKeys: Set<String> = ["kind", "pace", "timeout", "group", "updates", "concurrency"]

    public init(sinks: [ConfiguredSink] = [], routes: [RouteRule] = [], groupWait: TimeSpan = .seconds(3),
                updateInterval: TimeSpan = .minutes(30), retry: RetryPolicy = RetryPolicy()) {
        self.sinks = sinks; self.routes = routes; self.groupWait = groupWait
        self.updateInterval = updateInterval; self.retry = retry
    }

    public func sink(named name: String) -> ConfiguredSink? { sinks.first { $0.name == name } }

    /// The longest `after` an escalation step may wait: an incident unacknowledged for a week is a process problem.
    public static let maxEscalationDelay = TimeSpan.hours(24 * 7)

    /// `escalate: [{after: 10m, sinks: [oncall]}, ...]`: positive, bounded, strictly increasing delays, defined sinks.
    func escalationSteps(_ node: ConfigNode) throws -> [EscalationStep] {
        var steps: [EscalationStep] = []
        for stepNode in try node.sequence() {
            let m = try stepNode.mapping(allowing: ["after", "sinks"])
            let afterNode = try m.required("after")
            let after = try afterNode.duration()
            guard after > .zero, after <= RoutingConfig.maxEscalationDelay else {
                throw afterNode.error("\(afterNode.path) must be more than 0s and at most \(RoutingConfig.maxEscalationDelay)")
            }
            if let last = steps.last, after <= last.after {
                throw afterNode.error("\(afterNode.path) must be later than the step before it (\(last.after)): steps fire in order")
            }
            let sinksNode = try m.required("sinks")
            var names: [String] = []
            for s in try sinksNode.list() {
                let name = try s.string()
                guard sink(named: name) != nil else {
                    throw s.error("escalation step names sink \"\(name)\", which is not defined under routing.sinks")
                }
                names.append(name)
            }
            guard !names.isEmpty else { throw sinksNode.error("\(sinksNode.path) must name at least one sink") }
            steps.append(EscalationStep(after: after, sinks: names))
        }
        return steps
    }

    init(node: ConfigNode, context: ConfigContext, tiers: [Tier], kinds: ConfigKinds) throws {
        let m = try node.mapping(allowing: RoutingConfig.keys)
        self.init()
        if let n = m["group_wait"] { groupWait = try n.duration() }
        if let n = m["update_interval"] { updateInterval = try n.duration() }
        if let n = m["retry"] {
            let r = try n.mapping(allowing: ["base", "max_delay", "max_attempts", "max_age"])
            if let b = r["base"] { retry.baseDelay = try b.duration() }
            if let b = r["max_delay"] { retry.maxDelay = try b.duration() }
            if let b = r["max_attempts"] {
                retry.maxAttempts = try b.int()
                guard retry.maxAttempts >= 1 else { throw b.error("\(b.path) must be at least 1") }
                retry.maxAttempts = try b.int(in: 1...ConfigBounds.maxCount)
            }
            if let b = r["max_age"] { retry.maxAge = try b.duration() }
        }
        for (name, sinkNode) in try m["sinks"]?.namedEntries() ?? [] {
            // The kind decides which keys are allowed, so it is read before the keys are checked.
            guard case .mapping(let raw) = sinkNode.node else { throw sinkNode.error("\(sinkNode.path) must be a mapping") }
            guard let kindValue = raw.first(where: { $0.key.scalar?.string == "kind" })?.value else {
                let known = kinds.sinks.map { $0.kind }.joined(separator: ", ")
                throw sinkNode.error("sink \(name) needs kind: one of \(known)")
            }
            let kindNode = ConfigNode(node: kindValue, file: sinkNode.file, path: "\(sinkNode.path).kind")
            let kindName = try kindNode.string()
            guard let kind = kinds.sink(named: kindName) else {
                let known = kinds.sinks.map { $0.kind }.joined(separator: ", ")
                throw kindNode.error("unknown sink kind \"\(kindName)\" for sink \(name) (known: \(known))")
            }
            let settings = try sinkNode.mapping(allowing: RoutingConfig.sinkCommonKeys.union(kind.settingKeys))
            let sink = try kind.init(name: name, settings: settings, context: context)
            var configured = ConfiguredSink(sink: sink)
            if let n = settings["pace"] { configured.pace = try n.duration() }
            if let n = settings["timeout"] { configured.timeout = try n.duration() }
            if let n = settings["group"] { configured.groups = try n.bool() && sink.groupsMessages }
            if let n = settings["updates"] { configured.sendsUpdates = try n.bool() }
            try configured.setConcurrency(settings["concurrency"])
            sinks.append(configured)
        }
        for (name, intervalNode) in try m["time_intervals"]?.namedEntries() ?? [] {
            timeIntervals.append(try RouteTimeInterval.parse(name: name, node: intervalNode, defaultZone: context.timeZone))
        }
        func intervals(_ node: ConfigNode) throws -> [RouteTimeInterval] {
            try node.list().map { item in
                let name = try item.string()
                guard let interval = timeIntervals.first(where: { $0.name == name }) else {
                    throw item.error("route names time interval \"\(name)\", which is not defined under routing.time_intervals")
                }
                return interval
            }
        }
        for ruleNode in try m["routes"]?.sequence() ?? [] {
            let r = try ruleNode.mapping(allowing: ["severity", "tier", "site", "sinks", "escalate", "active_time_intervals",
                                                    "mute_time_intervals"])
            var rule = RouteRule(sinks: [])
            if let n = r["severity"] { rule.severities = Set(try n.list().map(Severity.parse)) }
            if let n = r["tier"] {
                let names = try n.list()
                for t in names where !tiers.contains(where: { $0.name == (try? t.string()) }) {
                    throw t.error("unknown tier \"\((try? t.string()) ?? "")\" in \(ruleNode.path)")
                }
                rule.tiers = Set(try names.map { try $0.string() })
            }
            if let n = r["site"] { rule.sites = Set(try n.list().map { try $0.string() }) }
            let sinksNode = try r.required("sinks")
            for s in try sinksNode.list() {
                let name = try s.string()
                guard sink(named: name) != nil else {
                    throw s.error("route names sink \"\(name)\", which is not defined under routing.sinks")
                }
                rule.sinks.append(name)
            }
            if let n = r["escalate"] { rule.escalate = try escalationSteps(n) }
            if let n = r["active_time_intervals"] { rule.activeIn = try intervals(n) }
            if let n = r["mute_time_intervals"] { rule.mutedIn = try intervals(n) }
            routes.append(rule)
        }
    }
}

/// ConfiguredSink is a sink with the delivery settings every kind shares.
public struct ConfiguredSink: Sendable {
    public var sink: any SinkSpec
    /// The least time between two messages to this sink (Slack: one a second per webhook).
    public var pace: TimeSpan
    public var timeout: TimeSpan
    public var groups: Bool
    public var sendsUpdates: Bool
    /// How many messages may be in flight at once (to different incidents: one incident's deliveries still go one
    /// after the other). A paced or grouping sink sends one at a time.
    public var concurrency: Int
    public var name: String { sink.name }

    /// The most a sink may have in flight: more would only queue inside the connection pool.
    public static let maxConcurrency = 64

    public init(sink: any SinkSpec) {
        self.sink = sink
        pace = sink.groupsMessages ? .seconds(1) : .zero
        timeout = .seconds(10)
        groups = sink.groupsMessages
        sendsUpdates = sink.wantsUpdatesByDefault
        concurrency = groups ? 1 : sink.defaultConcurrency
    }

    /// Applies `concurrency:` (or the kind's default, once `pace` and `group` are known): pacing and grouping both
    /// need one message at a time, so more is refused rather than quietly ignored.
    mutating func setConcurrency(_ node: ConfigNode?) throws {
        let serial = pace > .zero || groups
        guard let node else {
            concurrency = serial ? 1 : sink.defaultConcurrency
            return
        }
        let n = try node.int()
        guard (1...ConfiguredSink.maxConcurrency).contains(n) else {
            throw node.error("\(node.path) must be between 1 and \(ConfiguredSink.maxConcurrency)")
        }
        if n > 1 && pace > .zero {
            throw node.error("sink \(name): concurrency \(n) needs pace: 0s (a paced sink sends one message at a time)")
        }
        if n > 1 && groups {
            throw node.error("sink \(name): concurrency \(n) needs group: false (a grouping sink sends one message at a time)")
        }
        concurrency = n
    }
}

/// RouteRule sends incidents matching all its conditions (absent = any) to its sinks; every matching rule applies.
public struct RouteRule: Sendable, Equatable {
    public var severities: Set<Severity>?
    public var tiers: Set<String>?
    public var sites: Set<String>?
    public var sinks: [String]
    /// Who hears of a matching incident nobody acknowledged or resolved within each step's `after` (event time).
    public var escalate: [EscalationStep]
    /// The route applies only at times in one of these intervals (none: always)...
    public var activeIn: [RouteTimeInterval] = []
    /// ...and never at times in one of these.
    public var mutedIn: [RouteTimeInterval] = []

    public init(severities: Set<Severity>? = nil, tiers: Set<String>? = nil, sites: Set<String>? = nil, sinks: [String],
                escalate: [EscalationStep] = []) {
        self.severities = severities; self.tiers = tiers; self.sites = sites; self.sinks = sinks; self.escalate = escalate
    }

    /// Whether the route applies to the incident line, at the line's own event time.
    public func matches(_ incident: IncidentEvent) -> Bool {
        (severities?.contains(incident.severity) ?? true) && (tiers?.contains(incident.tier) ?? true) && (sites?.contains(incident.site) ?? true)
            && (activeIn.isEmpty || activeIn.contains { $0.contains(incident.at) }) && !mutedIn.contains { $0.contains(incident.at) }
    }
}

/// EscalationStep: once an incident has been open `after` without an ack or a resolve, its `sinks` hear of it.
public struct EscalationStep: Sendable, Equatable {
    public var after: TimeSpan
    public var sinks: [String]
    public init(after: TimeSpan, sinks: [String]) { self.after = after; self.sinks = sinks }
}
