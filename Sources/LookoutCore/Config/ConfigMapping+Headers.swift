import Foundation

extension ConfigMapping {
    /// A sink's `headers:` mapping, in order, with `${ENV}` in the values substituted (and registered as secrets).
    package func headers(context: ConfigContext) throws -> [(String, String)] {
        try (self["headers"]?.namedEntries() ?? []).map { entry in
            (entry.name, try Secret.interpolate(try entry.value.string(), environment: context.environment, at: entry.value))
        }
    }
}
