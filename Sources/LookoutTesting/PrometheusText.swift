/// PrometheusText is a scraped `/metrics` exposition read back series by series, for the tests of every stage that
/// serves one (probe, classify, route).
public struct PrometheusText: Sendable {
    /// One sample line: `name{labels} value`.
    public struct Sample: Sendable {
        public var name: String
        public var labels: [String: String]
        public var value: Double
    }

    public let text: String

    public init(_ text: String) { self.text = text }

    /// Every sample line, comments left out. Label values in the tests hold no quotes or commas, so a plain split
    /// reads them.
    public var samples: [Sample] {
        text.split(separator: "\n").compactMap { line -> Sample? in
            guard !line.hasPrefix("#"), let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...])
            else { return nil }
            let series = line[..<space]
            guard let brace = series.firstIndex(of: "{") else { return Sample(name: String(series), labels: [:], value: value) }
            var labels: [String: String] = [:]
            for pair in series[series.index(after: brace)..<series.index(before: series.endIndex)].split(separator: ",") {
                let kv = pair.split(separator: "=", maxSplits: 1)
                labels[String(kv[0])] = String(kv[1].dropFirst().dropLast())
            }
            return Sample(name: String(series[..<brace]), labels: labels, value: value)
        }
    }

    /// The samples of `name` whose labels include `labels`.
    public func matching(_ name: String, _ labels: [String: String] = [:]) -> [Sample] {
        samples.filter { s in s.name == name && labels.allSatisfy { s.labels[$0.key] == $0.value } }
    }
}
