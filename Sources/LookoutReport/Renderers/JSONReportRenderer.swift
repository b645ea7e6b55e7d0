import Foundation
import LookoutCore

/// JSONReportRenderer writes every figure of a report as one pretty-printed JSON document with sorted snake_case
/// keys, byte-stable from run to run.
public struct JSONReportRenderer {
    public init() {}

    public func render(_ report: DailyReport) -> String { JSONReportRenderer.document(report) }

    /// The report's JSON style (sorted snake_case keys, pretty-printed, slashes unescaped, a final newline), shared
    /// with the status site's `summary.json`.
    static func document(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        // Every value is a plain struct of strings and finite numbers: encoding cannot fail.
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
