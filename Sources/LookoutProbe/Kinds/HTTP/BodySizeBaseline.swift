import Foundation
import GRDB
import LookoutCore

/// BodySizeBaseline remembers the body sizes of each HTTP check's recent runs, in SQLite so the baseline survives a
/// restart, and answers "is this body far smaller than usual?" without any hand-written expectation.
///
/// Only bodies judged normal feed the median: a header-only page that lasts an hour keeps failing instead of
/// teaching the baseline that it is normal. A smaller page becomes the new normal only after it has been served
/// for `acceptAfter` (a redesign), see `SizeAnomalyRule`.
public final class BodySizeBaseline: Sendable {
    private let database: DatabaseQueue

    public static let migrations: [(id: String, migrate: @Sendable (Database) throws -> Void)] = [
        ("probe.body_sizes.v1", { db in
            try db.execute(sql: """
                CREATE TABLE probe_body_size (
                    check_id TEXT NOT NULL,
                    at_ms INTEGER NOT NULL,
                    bytes INTEGER NOT NULL,
                    anomalous INTEGER NOT NULL
                );
                CREATE INDEX probe_body_size_by_check ON probe_body_size (check_id, at_ms);
                """)
        }),
    ]

    public init(database: DatabaseQueue) throws {
        self.database = database
    }

    /// The verdict on one body, recorded atomically with the sample it adds.
    public enum Verdict: Sendable, Equatable {
        /// Not enough normal samples yet to judge.
        case learning(samples: Int)
        case normal(median: Int)
        case anomalous(median: Int)
    }

    /// Judges `bytes` against the check's median of recent normal bodies and records it.
    public func judge(check: String, bytes: Int, at: Timestamp, rule: SizeAnomalyRule) throws -> Verdict {
        try database.write { db in
            // Cached statements: every check runs these on every run, and preparing them cost more than running them.
            let recent = try Int.fetchAll(db.cachedStatement(sql: """
                SELECT bytes FROM probe_body_size WHERE check_id = ? AND anomalous = 0
                ORDER BY at_ms DESC, rowid DESC LIMIT ?
                """), arguments: [check, rule.samples])
            var verdict: Verdict
            if recent.count < rule.minSamples {
                verdict = .learning(samples: recent.count)
            } else {
                let median = BodySizeBaseline.median(recent)
                verdict = Double(bytes) < rule.ratio * Double(median) ? .anomalous(median: median) : .normal(median: median)
                if case .anomalous = verdict, let since = try BodySizeBaseline.anomalousSince(db, check: check),
                   at.milliseconds - since >= rule.acceptAfter.milliseconds {
                    // The small page has been served for the whole acceptance period: it is the new normal.
                    try db.execute(sql: "UPDATE probe_body_size SET anomalous = 0 WHERE check_id = ? AND at_ms >= ?",
                                   arguments: [check, since])
                    verdict = .normal(median: median)
                }
            }
            let anomalous: Bool = if case .anomalous = verdict { true } else { false }
            try db.cachedStatement(sql: "INSERT INTO probe_body_size (check_id, at_ms, bytes, anomalous) VALUES (?, ?, ?, ?)")
                .execute(arguments: [check, at.milliseconds, bytes, anomalous])
            // Keep the table small: a check needs only its recent window plus the current anomalous streak.
            try db.cachedStatement(sql: """
                DELETE FROM probe_body_size WHERE check_id = ? AND anomalous = 0 AND rowid NOT IN (
                    SELECT rowid FROM probe_body_size WHERE check_id = ? AND anomalous = 0
                    ORDER BY at_ms DESC, rowid DESC LIMIT ?)
                """).execute(arguments: [check, check, rule.samples])
            return verdict
        }
    }

    /// When the current run of anomalous bodies began (after the last normal one), or nil.
    private static func anomalousSince(_ db: Database, check: String) throws -> Int64? {
        let lastNormal = try Int64.fetchOne(db, sql: "SELECT MAX(at_ms) FROM probe_body_size WHERE check_id = ? AND anomalous = 0",
                                            arguments: [check]) ?? Int64.min
        return try Int64.fetchOne(db, sql: "SELECT MIN(at_ms) FROM probe_body_size WHERE check_id = ? AND anomalous = 1 AND at_ms > ?",
                                  arguments: [check, lastNormal])
    }

    /// The recorded sizes of a check, oldest first (for tests and diagnostics).
    public func samples(check: String) throws -> [(bytes: Int, anomalous: Bool)] {
        try database.read { db in
            try Row.fetchAll(db, sql: "SELECT bytes, anomalous FROM probe_body_size WHERE check_id = ? ORDER BY at_ms, rowid",
                             arguments: [check]).map { ($0["bytes"], $0["anomalous"]) }
        }
    }

    static func median(_ values: [Int]) -> Int {
        let s = values.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}

/// SizeAnomalyRule says when a body is "far smaller than usual": under `ratio` of the median of the last `samples`
/// normal bodies, once at least `minSamples` are known. Config: `size_anomaly: false` or
/// `size_anomaly: {ratio: 0.3, samples: 10, min_samples: 5, accept_after: 24h}`.
public struct SizeAnomalyRule: Sendable, Equatable {
    public var ratio = 0.3
    public var samples = 10
    public var minSamples = 5
    public var acceptAfter = TimeSpan.hours(24)

    public init() {}

    static let keys: Set<String> = ["ratio", "samples", "min_samples", "accept_after"]

    /// nil when the check turns the anomaly off.
    static func parse(_ node: ConfigNode?) throws -> SizeAnomalyRule? {
        var rule = SizeAnomalyRule()
        guard let node else { return rule }
        if node.tagName == .bool { return try node.bool() ? rule : nil }
        let m = try node.mapping(allowing: keys)
        if let n = m["ratio"] {
            rule.ratio = try n.double()
            guard rule.ratio > 0, rule.ratio < 1 else { throw n.error("\(n.path) must be between 0 and 1 (0.3 means 30% of the median)") }
        }
        if let n = m["samples"] {
            rule.samples = try n.int()
            guard rule.samples >= 1 else { throw n.error("\(n.path) must be at least 1") }
            rule.samples = try n.int(in: 1...ConfigBounds.maxCount)
        }
        if let n = m["min_samples"] {
            rule.minSamples = try n.int()
            guard rule.minSamples >= 1 else { throw n.error("\(n.path) must be at least 1") }
            rule.minSamples = try n.int(in: 1...ConfigBounds.maxCount)
        }
        guard rule.minSamples <= rule.samples else {
            throw node.error("\(node.path).min_samples (\(rule.minSamples)) must not exceed samples (\(rule.samples))")
        }
        if let n = m["accept_after"] { rule.acceptAfter = try positive(n) }
        return rule
    }
}

extension ProbeOutcome {
    /// Judges a size (`subject`: "body", "visible text") against the baseline kept under `key` and records it: under
    /// the rule's share of the median fails as `assertion`; the median, once known, goes into details as `medianKey`.
    /// A baseline that cannot be read costs only this run's judgement, never a good page's verdict.
    mutating func judgeSize(_ bytes: Int, of subject: String, key: String, rule: SizeAnomalyRule, at: Timestamp,
                            baselines: BodySizeBaseline, assertion: String, medianKey: String) {
        do {
            switch try baselines.judge(check: key, bytes: bytes, at: at, rule: rule) {
            case .anomalous(let median):
                details.append(JSONMember(key: medianKey, value: .int(Int64(median))))
                fail(assertion, because: "\(subject) is \(bytes) bytes, under \(Int(rule.ratio * 100))% of the recent median \(median) bytes")
            case .normal(let median):
                details.append(JSONMember(key: medianKey, value: .int(Int64(median))))
            case .learning:
                break
            }
        } catch {
            details.append(JSONMember(key: "baseline_error", value: .string(HTTPRequestSpec.oneLine("\(error)"))))
        }
    }
}
