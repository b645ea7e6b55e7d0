import Foundation
import LookoutCore

/// HeartbeatProbe is a passive check: a job or a server pings `/ping/<token>` on the probe's receiver, and each run
/// of this check judges the pings it has stored (HeartbeatEvaluator). A ping body that is a host-metrics push
/// (`probe push`) is also checked against `metrics` thresholds: one push is both the heartbeat and the metrics.
///
/// ```yaml
/// - id: acme-backup
///   heartbeat: {every: 1d, grace: 1h}     # or {cron: "0 3 * * *", timezone: Europe/London, grace: 30m}
///   token: ${ACME_BACKUP_PING_TOKEN}      # or token_file: /etc/lookout/acme-backup.token
///   metrics:
///     warn: ['$.disk["/"].used_pct < 80']
///     critical: ['$.disk["/"].used_pct < 90', '$.load.5m < 4']
/// ```
public struct HeartbeatProbe: ProbeKind {
    public static let name = "heartbeat"
    public static let settingKeys: Set<String> = ["token", "token_file", "metrics"]
    /// Tokens are the only credential a ping carries, so they must be long enough not to be guessed.
    public static let minimumTokenLength = 20

    public let schedule: HeartbeatSchedule
    public let token: Secret
    /// Assertions that must hold on the latest pushed body: a failed `warn` is degraded, a failed `critical` is down.
    public let warn: [JSONPathAssertion]
    public let critical: [JSONPathAssertion]

    public var host: String? { nil }

    /// A check that judges pushed host metrics reports `kind: host`, so reports list it with the hosts over
    /// thresholds; a plain job heartbeat reports `kind: heartbeat`.
    public var resultKind: String { warn.isEmpty && critical.isEmpty ? Self.name : "host" }

    public init(target: ConfigNode, check: ConfigMapping, context: ConfigContext) throws {
        let m = try target.mapping(allowing: ["every", "cron", "timezone", "grace"])
        let expectation: HeartbeatSchedule.Expectation
        if let every = m["every"] {
            guard !m.has("cron") else { throw target.error("heartbeat takes either every or cron, not both") }
            expectation = .every(try positive(every))
        } else if let cronNode = m["cron"] {
            let text = try cronNode.string()
            guard let cron = CronSchedule(text) else {
                throw cronNode.error("heartbeat.cron must be a five-field cron expression such as \"0 3 * * *\" (got \"\(text)\")")
            }
            expectation = .cron(cron, try m["timezone"].map(TimeZone.parse) ?? context.timeZone)
        } else {
            throw target.error("heartbeat needs every: (e.g. 5m) or cron: (e.g. \"0 3 * * *\")")
        }
        if m.has("timezone"), case .every = expectation { throw try m.required("timezone").error("heartbeat.timezone only applies to cron") }
        // Better Stack's advice: about a fifth of the period, and never under a minute.
        let defaultGrace: TimeSpan = {
            if case .every(let p) = expectation { return .milliseconds(max(60_000, p.milliseconds / 5)) }
            return .minutes(10)
        }()
        schedule = HeartbeatSchedule(expectation: expectation, grace: try m["grace"].map(positive) ?? defaultGrace)
        guard let token = try check.secret("token", environment: context.environment) else {
            throw check.owner.error("heartbeat check needs token: ${ENV_VAR} or token_file: PATH")
        }
        guard token.value.count >= HeartbeatProbe.minimumTokenLength,
              token.value.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 | 0x20 >= 97 && $0 | 0x20 <= 122) || $0 == 45 || $0 == 95 })
        else {
            throw try (check["token"] ?? check.required("token_file")).error(
                "heartbeat token must be at least \(HeartbeatProbe.minimumTokenLength) letters, digits, '-' or '_' (e.g. from `openssl rand -hex 20`)")
        }
        self.token = token
        var warn: [JSONPathAssertion] = [], critical: [JSONPathAssertion] = []
        if let metrics = check["metrics"] {
            let mm = try metrics.mapping(allowing: ["warn", "critical"])
            warn = try (mm["warn"]?.list() ?? []).map(JSONPathAssertion.parse)
            critical = try (mm["critical"]?.list() ?? []).map(JSONPathAssertion.parse)
        }
        self.warn = warn
        self.critical = critical
    }

    public func run(_ run: ProbeRun) async -> ProbeOutcome {
        guard let store = run.services.pings else {
            return ProbeOutcome(ok: false, error: "heartbeat checks need the receiver: start probe with --listen")
        }
        do {
            let now = run.startedAt
            let (signal, success) = try store.latest(for: run.checkID)
            var outcome = HeartbeatEvaluator.evaluate(
                schedule: schedule, lastSuccess: success, lastSignal: signal,
                monitoringSince: try store.monitoringSince(run.checkID, now: now), now: now)
            if outcome.ok, let body = success?.body, !body.isEmpty, !(warn.isEmpty && critical.isEmpty) {
                judgeMetrics(body, into: &outcome)
            }
            return outcome
        } catch {
            return ProbeOutcome(ok: false, error: "cannot read pings: \(error)")
        }
    }

    /// Evaluates the thresholds on a pushed body: critical failures make the result down, warn failures degraded.
    func judgeMetrics(_ body: [UInt8], into outcome: inout ProbeOutcome) {
        guard let document = body.withUnsafeBufferPointer({ JSONValue.parse($0) }) else {
            outcome.fail("metrics", because: "the latest ping body is not JSON, so the metrics thresholds cannot be checked")
            return
        }
        for a in critical { if let why = a.failure(in: document) { outcome.fail(a.written, because: why) } }
        guard outcome.ok else { return }
        for a in warn {
            if let why = a.failure(in: document) {
                outcome.degraded = true
                outcome.failed.append(a.written)
                if outcome.error == nil { outcome.error = why }
            }
        }
    }
}
