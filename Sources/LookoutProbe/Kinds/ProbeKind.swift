import Foundation
import LookoutCore

/// ProbeKind is the contract every check kind implements: its config (`CheckSpec`, parsed and validated at load) and
/// how to run it. A new kind is one file with one type conforming to this, plus one line in `ProbeRegistry.kinds`.
///
/// A site being down is data: `run` never throws; it reports failure in the returned `ProbeOutcome`.
public protocol ProbeKind: CheckSpec {
    func run(_ run: ProbeRun) async -> ProbeOutcome
}

extension Check {
    /// The check's kind, able to run: every kind the config can name is a `ProbeKind` (`ProbeRegistry`).
    public var kind: any ProbeKind {
        guard let kind = probe as? any ProbeKind else {
            preconditionFailure("check \(id): kind \(kindName) was registered without a ProbeKind")
        }
        return kind
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
        BrowserProbe.self,
    ]
}
