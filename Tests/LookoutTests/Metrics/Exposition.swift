import Foundation
import LookoutTesting
import Testing

/// Exposition is a scraped `/metrics` text, read back series by series for the tests.
struct Exposition {
    let text: String

    /// Sample lines: `name{labels} value`, comments left out.
    var samples: [(name: String, labels: [String: String], value: Double)] {
        PrometheusText(text).samples.map { ($0.name, $0.labels, $0.value) }
    }

    /// The value of the one series of `name` whose labels include `labels`; nil when there is none.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        let found = PrometheusText(text).matching(name, labels)
        #expect(found.count <= 1, "\(name) \(labels) matches \(found.count) series")
        return found.first?.value
    }

    /// The distinct metric names sampled (histograms by their `_bucket`, `_sum`, `_count` series).
    var names: Set<String> { Set(samples.map(\.name)) }

    /// Runs `promtool check metrics` on the text: its exit status and what it printed.
    func promtool() throws -> (status: Int32, output: String) {
        let path = "/usr/bin/promtool"
        guard FileManager.default.isExecutableFile(atPath: path) else {
            Issue.record("promtool is not installed: pipelines/install-deps installs it (Debian's prometheus package)")
            return (-1, "")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["check", "metrics"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        // The text is written from another thread so a full pipe on either side cannot deadlock.
        let data = Data(text.utf8)
        let writer = Thread { input.fileHandleForWriting.write(data); try? input.fileHandleForWriting.close() }
        writer.start()
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: printed, as: UTF8.self))
    }
}
