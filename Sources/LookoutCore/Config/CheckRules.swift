/// ConfirmRule decides when a failing check is a real outage: both rules must hold.
public struct ConfirmRule: Sendable, Equatable {
    /// Consecutive failing results.
    public var failures: Int
    /// How long the failure must have lasted, in event time.
    public var duration: TimeSpan

    public init(failures: Int, duration: TimeSpan) { self.failures = failures; self.duration = duration }

    static func parse(_ node: ConfigNode, base: ConfirmRule) throws -> ConfirmRule {
        let m = try node.mapping(allowing: ["failures", "for"])
        var rule = base
        if let f = m["failures"] {
            rule.failures = try f.int()
            guard rule.failures >= 1 else { throw f.error("\(f.path) must be at least 1") }
            rule.failures = try f.int(in: 1...ConfigBounds.maxCount)
        }
        if let d = m["for"] { rule.duration = try d.duration() }
        return rule
    }
}

/// RecoverRule decides when a down check is up again.
public struct RecoverRule: Sendable, Equatable {
    public var successes: Int

    public init(successes: Int) { self.successes = successes }

    static func parse(_ node: ConfigNode, base: RecoverRule) throws -> RecoverRule {
        let m = try node.mapping(allowing: ["successes"])
        var rule = base
        if let s = m["successes"] {
            rule.successes = try s.int()
            guard rule.successes >= 1 else { throw s.error("\(s.path) must be at least 1") }
            rule.successes = try s.int(in: 1...ConfigBounds.maxCount)
        }
        return rule
    }
}

/// CheckDefaults apply to every check that does not set its own.
public struct CheckDefaults: Sendable, Equatable {
    public var every: TimeSpan = .seconds(30)
    public var timeout: TimeSpan = .seconds(10)
    public var confirm = ConfirmRule(failures: 3, duration: .seconds(90))
    public var recover = RecoverRule(successes: 2)

    static let keys: Set<String> = ["every", "timeout", "confirm", "recover"]

    init() {}

    init(node: ConfigNode) throws {
        let m = try node.mapping(allowing: CheckDefaults.keys)
        if let e = m["every"] { every = try positive(e) }
        if let t = m["timeout"] { timeout = try positive(t) }
        if let c = m["confirm"] { confirm = try ConfirmRule.parse(c, base: confirm) }
        if let r = m["recover"] { recover = try RecoverRule.parse(r, base: recover) }
    }
}

package func positive(_ node: ConfigNode) throws -> TimeSpan {
    let d = try node.duration()
    guard d.milliseconds > 0 else { throw node.error("\(node.path) must be longer than zero") }
    return d
}
