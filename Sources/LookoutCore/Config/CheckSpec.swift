import Foundation

/// CheckSpec is what the config model knows of a check kind: its key, its settings, parsed and validated at load.
/// The probe stage's `ProbeKind` adds how to run it; the kinds are registered in `ConfigKinds`, so the core never
/// names a kind.
public protocol CheckSpec: Sendable {
    /// The config key that selects the kind and holds its target, as in `http: https://acme.example/`.
    static var name: String { get }
    /// Keys this kind accepts on a check besides the common ones (`id`, `every`, `timeout`, ...).
    static var settingKeys: Set<String> { get }
    init(target: ConfigNode, check: ConfigMapping, context: ConfigContext) throws
    /// The `kind` written on results (defaults to `name`).
    var resultKind: String { get }
    /// The host the check talks to, for per-host politeness; nil when it talks to no host.
    var host: String? { get }
    /// The kind's own `every` and `timeout` when the check gives none (a browser check is costly and slow), over
    /// `defaults:`; nil uses `defaults:`.
    static var defaultEvery: TimeSpan? { get }
    static var defaultTimeout: TimeSpan? { get }
}

extension CheckSpec {
    /// The `kind` written on results: the config key, unless the kind says otherwise.
    public var resultKind: String { Self.name }
    public static var defaultEvery: TimeSpan? { nil }
    public static var defaultTimeout: TimeSpan? { nil }

    /// Builds the kind from config; called through the registry's metatypes.
    static func make(target: ConfigNode, check: ConfigMapping, context: ConfigContext) throws -> any CheckSpec {
        try Self(target: target, check: check, context: context)
    }
}
