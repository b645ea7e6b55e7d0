import Foundation
import LookoutCore
import LookoutProbe
import LookoutRoute

extension ConfigKinds {
    /// Every check kind and sink kind: what each stage loads its config with, so every stage refuses the same files.
    public static let all = ConfigKinds(checks: ProbeRegistry.kinds.map { $0 }, sinks: SinkRegistry.kinds.map { $0 })
}

extension Config {
    /// Loads a config file with every kind registered.
    public static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Config {
        try load(path: path, environment: environment, kinds: .all)
    }

    /// Parses config text with every kind registered.
    public static func parse(yaml: String, file: String, environment: [String: String] = [:]) throws -> Config {
        try parse(yaml: yaml, file: file, environment: environment, kinds: .all)
    }
}
