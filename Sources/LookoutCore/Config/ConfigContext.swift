import Foundation

/// ConfigContext is what a kind's parser may need beyond its own keys.
public struct ConfigContext: Sendable {
    public var file: String
    public var environment: [String: String]
    public var timeZone: TimeZone
    /// The folder of the config file, against which relative paths (CA files, plugins) are resolved.
    public var directory: String
    /// The `actions:` section, for sinks that put one-tap links in their messages; nil when the file has none.
    public var actions: ActionsConfig? = nil
    /// Whether this process runs the checks (probe). Only then must what they run exist on this machine (an exec
    /// check's program, Chromium for browser checks, a `ca_file`): classify, route and report on a central host need the checks'
    /// rules, not their programs.
    public var checksRunHere = true
}
