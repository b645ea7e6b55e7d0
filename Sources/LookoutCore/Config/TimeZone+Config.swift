import Foundation

extension TimeZone {
    /// An IANA zone name from config; abbreviations and offsets are refused because they ignore daylight saving.
    package static func parse(_ node: ConfigNode) throws -> TimeZone {
        let name = try node.string()
        guard name.contains("/") || name == "UTC", let zone = TimeZone(identifier: name) else {
            throw node.error("\(node.path) must be an IANA time zone such as Europe/London or UTC (got \"\(name)\")")
        }
        return zone
    }
}
