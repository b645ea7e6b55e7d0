import Foundation
import Logging
@testable import LookoutClassify
@testable import LookoutCommands
@testable import LookoutCore

/// ClassifyHarness runs the real classify loop in-process over a file: the same StageLoop, LineReader and LineWriter
/// the executable wires, with output captured in a temp file.
enum ClassifyHarness {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/classify")

    struct Run {
        var lines: [String]
        var summary: ClassifySummary
        var rejected: Int
        var incidents: [[String: Any]] {
            lines.compactMap { line in
                guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                      o["type"] as? String == "incident" else { return nil }
                return o
            }
        }
        var results: [[String: Any]] {
            lines.compactMap { line in
                guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                      o["type"] as? String == "result" else { return nil }
                return o
            }
        }
    }

    static func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lookout-classify-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static func run(config: Config, input: String, statePath: String? = nil, metrics: ClassifyMetrics? = nil) throws -> Run {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let inPath = dir.appendingPathComponent("in.ndjson").path, outPath = dir.appendingPathComponent("out.ndjson").path
        try Data(input.utf8).write(to: URL(fileURLWithPath: inPath))
        let inFD = open(inPath, O_RDONLY), outFD = open(outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        defer { close(inFD); close(outFD) }
        var logger = Logger(label: "classify-test")
        logger.logLevel = .critical
        let store = try statePath.map { try ClassifyStateStore(path: $0) }
        let classifier = try Classifier(config: config, store: store, logger: logger)
        classifier.metrics = metrics
        let writer = LineWriter(fd: outFD, flushThreshold: statePath == nil ? 1 << 16 : .max)
        let rejects = try RejectedLines(source: "test", logger: logger)
        var loop = StageLoop(reader: LineReader(fd: inFD), writer: writer, rejects: rejects)
        if let metrics {
            loop.onProgress = { read in
                metrics.batch(linesRead: read, rejected: rejects.count, lateResults: classifier.summary.lateResults,
                              lastEventMs: classifier.latestEventMs)
            }
        }
        try loop.run(onBatchEnd: classifier.commit) { o, _ in try classifier.handle(o, writer: writer) }
        let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: outPath)), as: UTF8.self)
        return Run(lines: text.split(separator: "\n").map(String.init), summary: classifier.summary, rejected: rejects.count)
    }

    static func run(yaml: String, input: String, statePath: String? = nil) throws -> Run {
        try run(config: try Config.parse(yaml: yaml, file: "test.yaml"), input: input, statePath: statePath)
    }

    static let baseConfig = """
        timezone: Europe/London
        tiers:
          enhanced:    {contract_hours: 60, outage: critical, degraded: warning}
          standard:    {contract_hours: 10, outage: warning, degraded: info}
          prospect:    {outage: none, degraded: none}
        defaults:
          every: 30s
          confirm: {failures: 3, for: 90s}
          recover: {successes: 2}
        """

    static func config(extra: String = "", tier: String = "enhanced", maintenance: String = "", checkExtra: String = "") -> String {
        baseConfig + "\n" + extra + """

            sites:
              - id: acme
                name: ACME Ltd
                tier: \(tier)
            \(maintenance.isEmpty ? "" : "    maintenance:\n" + maintenance)
                checks:
                  - id: acme-home
                    tcp: acme.example:443
            \(checkExtra)
            """
    }

    /// Results for `pattern` ('.' ok, 'x' failed, 'd' degraded), one per `every` seconds from `start`.
    static func results(_ pattern: String, start: String = "2026-11-24T10:00:00Z", every: Int64 = 30,
                        check: String = "acme-home", location: String? = nil) -> String {
        let t0 = Timestamp(rfc3339: start)!
        return pattern.enumerated().map { k, c in
            let at = Timestamp(milliseconds: t0.milliseconds + Int64(k) * every * 1000)
            let loc = location.map { ",\"location\":\"\($0)\"" } ?? ""
            switch c {
            case "x": return "{\"v\":1,\"type\":\"result\",\"check\":\"\(check)\",\"at\":\"\(at)\",\"ok\":false\(loc),\"error\":\"connection refused\"}"
            case "d": return "{\"v\":1,\"type\":\"result\",\"check\":\"\(check)\",\"at\":\"\(at)\",\"ok\":true,\"degraded\":true\(loc),\"error\":\"slow\"}"
            default: return "{\"v\":1,\"type\":\"result\",\"check\":\"\(check)\",\"at\":\"\(at)\",\"ok\":true\(loc)}"
            }
        }.joined(separator: "\n") + "\n"
    }
}
