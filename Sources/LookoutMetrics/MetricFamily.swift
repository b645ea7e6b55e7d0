/// MetricFamily is one metric name with its help text and type, declared once so every series of the name says the
/// same (swift-prometheus refuses two help texts for one name).
public struct MetricFamily: Sendable, Hashable {
    public enum Kind: Sendable, Hashable { case counter, gauge, histogram([Double]) }
    public let name: String
    public let help: String
    public let kind: Kind

    public init(_ name: String, _ kind: Kind, _ help: String) {
        self.name = name; self.kind = kind; self.help = help
    }
}
