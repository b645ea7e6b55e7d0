import Foundation
import LookoutCore

/// JSONReportRenderer writes every figure of a report as one pretty-printed JSON document with sorted snake_case
/// keys, byte-stable from run to run.
public struct JSONReportRenderer {
    public init() {}

    public func render(_ report: DailyReport) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        // Every value is a plain struct of strings and finite numbers: encoding cannot fail.
        let data = (try? encoder.encode(report)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
