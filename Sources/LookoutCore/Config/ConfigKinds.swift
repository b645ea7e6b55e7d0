/// ConfigKinds is the check kinds and sink kinds a config may name. The core walks the YAML; each kind's own
/// target parses its keys. Every stage loads the config with every kind (`ConfigKinds.all` in LookoutCommands), so
/// each refuses the whole invalid file at start, whatever part of it that stage uses.
public struct ConfigKinds: Sendable {
    public var checks: [any CheckSpec.Type]
    public var sinks: [any SinkSpec.Type]

    public init(checks: [any CheckSpec.Type], sinks: [any SinkSpec.Type]) {
        self.checks = checks
        self.sinks = sinks
    }

    public func sink(named name: String) -> (any SinkSpec.Type)? { sinks.first { $0.kind == name } }
}
