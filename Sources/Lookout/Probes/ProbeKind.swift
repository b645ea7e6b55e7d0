import Foundation

/// ProbeKind is the contract every check kind implements: its config, parsed and validated at load, and how to
/// run it. A new kind is one file with one type conforming to this, plus one line in `ProbeRegistry.kinds`.
///
/// A site being down is data: `run` never throws; it reports failure in the returned `ProbeOutcome`.
public protocol ProbeKind: Sendable {
    /// The config key that selects the kind and holds its target, as in `http: https://acme.example/`.
    static var name: String { get }
    /// Keys this kind accepts on a check besides the common ones (`id`, `every`, `timeout`, ...).
    static var settingKeys: Set<String> { get }
    init(target: ConfigNode, check: ConfigMapping, context: ConfigContext) throws
    /// The `kind` written on results (defaults to `name`).
    var resultKind: String { get }
    /// The host the check talks to, for per-host politeness; nil when it talks to no host.
    var host: String? { get }
    func run(_ run: ProbeRun) async -> ProbeOutcome
}

extension ProbeKind {
    /// The `kind` written on results: the config key, unless the kind says otherwise.
    public var resultKind: String { Self.name }

    /// Builds the kind from config; called through the registry's metatypes.
    static func make(target: ConfigNode, check: ConfigMapping, context: ConfigContext) throws -> any ProbeKind {
        try Self(target: target, check: check, context: context)
    }
}

/// ProbeRun is what one execution of a check gets: its limits and shared services.
public struct ProbeRun: Sendable {
    public var checkID: String
    public var timeout: TimeSpan
    public var startedAt: Timestamp
    /// What runs share: the one HTTP client, the body-size baselines.
    public var services: ProbeServices
    public init(checkID: String, timeout: TimeSpan, startedAt: Timestamp, services: ProbeServices = .standalone) {
        self.checkID = checkID
        self.timeout = timeout
        self.startedAt = startedAt
        self.services = services
    }
}

/// ProbeOutcome is what a kind found; the runner adds the check id, time, kind and location to make the result.
public struct ProbeOutcome: Sendable, Equatable {
    public var ok: Bool
    public var degraded = false
    public var latencyMs: Double?
    public var status: Int?
    public var bytes: Int?
    public var error: String?
    public var failed: [String] = []
    public var details: [JSONMember] = []

    public init(ok: Bool, error: String? = nil) {
        self.ok = ok
        self.error = error
    }

    /// Records a failed assertion, named exactly as written in config; the first reason becomes `error`.
    public mutating func fail(_ assertion: String, because reason: String) {
        ok = false
        failed.append(assertion)
        if error == nil { error = reason }
    }
}

/// ConfigContext is what a kind's parser may need beyond its own keys.
public struct ConfigContext: Sendable {
    public var file: String
    public var environment: [String: String]
    public var timeZone: TimeZone
    /// The folder of the config file, against which relative paths (CA files, plugins) are resolved.
    public var directory: String
}

/// ProbeRegistry lists every check kind: the one place a new kind is registered.
public enum ProbeRegistry {
    public static let kinds: [any ProbeKind.Type] = [
        TCPProbe.self,
        HTTPProbe.self,
        HealthProbe.self,
        TLSProbe.self,
        DNSProbe.self,
        ExecProbe.self,
        HeartbeatProbe.self,
    ]
}
