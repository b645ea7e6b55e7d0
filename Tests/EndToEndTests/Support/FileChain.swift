import Foundation
import Testing

/// FileChain holds what the fault tests of the file-based chain share: a config, a generated day of results,
/// temp folders, appending to a followed file, and comparing outputs.
enum FileChain {
    static let config = """
        timezone: Europe/London
        tiers:
          enhanced: {outage: critical, degraded: warning}
          standard: {outage: warning, degraded: info}
        defaults: {every: 60s, confirm: {failures: 3, for: 90s}, recover: {successes: 2}}
        sites:
          - id: acme
            tier: enhanced
            checks:
              - {id: acme-home, tcp: "acme.example:443"}
              - {id: acme-shop, tcp: "shop.acme.example:443"}
              - {id: acme-api, tcp: "api.acme.example:443"}
          - id: beta
            tier: standard
            checks:
              - {id: beta-home, tcp: "beta.example:443"}
              - {id: beta-blog, tcp: "blog.beta.example:443"}
        """

    static let checks = ["acme-home", "acme-shop", "acme-api", "beta-home", "beta-blog"]

    /// A day of results, one per check per minute, with outages of random length at random times (one start in
    /// `outageOneIn` minutes per check). With `degradedFirst`, half the outages begin with a few degraded minutes,
    /// so classify writes `updated` lines too.
    static func day(seed: UInt64, outageOneIn: Int = 400, degradedFirst: Bool = false) -> [String] {
        var rng = SeededGenerator(seed: seed)
        var downUntil = [Int](repeating: -1, count: checks.count)
        var degradedUntil = [Int](repeating: -1, count: checks.count)
        var lines: [String] = []
        let start = 1_795_996_800 // 2026-11-30T00:00:00Z
        for minute in 0..<1440 {
            for (i, check) in checks.enumerated() {
                if minute > downUntil[i], Int.random(in: 0..<outageOneIn, using: &rng) == 0 {
                    downUntil[i] = minute + Int.random(in: 1...40, using: &rng)
                    if degradedFirst, Bool.random(using: &rng) { degradedUntil[i] = minute + Int.random(in: 4...8, using: &rng) }
                }
                let blip = Int.random(in: 0..<150, using: &rng) == 0
                let degraded = minute <= degradedUntil[i]
                let ok = (minute > downUntil[i] || degraded) && !blip
                let at = Date(timeIntervalSince1970: TimeInterval(start + minute * 60 + i))
                var line = "{\"v\":1,\"type\":\"result\",\"check\":\"\(check)\",\"at\":\"\(rfc3339(at))\",\"ok\":\(ok),\"latency_ms\":\(Int.random(in: 20...900, using: &rng))"
                if !ok { line += ",\"error\":\"connection refused\"" }
                if ok && degraded { line += ",\"degraded\":true" }
                lines.append(line + "}")
            }
        }
        return lines
    }

    static func rfc3339(_ d: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: d)
    }

    /// Folder is one test's temp folder with the chain config written in it, and where its input and output go.
    struct Folder {
        let dir: URL
        let config: String
        let input: String
        let output: String

        /// `output` is relative to the folder, so a test can put it below a mount point inside it.
        init(output: String = "classified.ndjson") throws {
            dir = try Fixtures.tempFolder("chain")
            config = dir.appendingPathComponent("config.yaml").path
            try Data(FileChain.config.utf8).write(to: URL(fileURLWithPath: config))
            input = dir.appendingPathComponent("results.ndjson").path
            self.output = dir.appendingPathComponent(output).path
        }

        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

        func remove() { try? FileManager.default.removeItem(at: dir) }
    }

    static func append(_ text: String, to path: String) {
        append(Data(text.utf8), to: path)
    }

    static func append(_ data: some DataProtocol, to path: String) {
        let h = FileHandle(forWritingAtPath: path)!
        h.seekToEndOfFile()
        h.write(Data(data))
        try? h.close()
    }

    static func lineCount(_ path: String) -> Int {
        guard let d = FileManager.default.contents(atPath: path) else { return 0 }
        return d.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
    }

    /// What an uninterrupted classify run over the whole input writes.
    static func uninterrupted(config: String, input: String) throws -> Data {
        let run = try ChildProcess.run("classify", ["--config", config, "--input", input], timeout: 60)
        #expect(run.status == 0, "\(run.stderrText)")
        return run.stdout
    }

    /// Where two outputs first differ, as a short description (nil when equal); a byte dump would drown the log.
    static func firstDifference(_ got: Data, _ want: Data) -> String? {
        if got == want { return nil }
        let g = got.split(separator: 0x0A, omittingEmptySubsequences: false), w = want.split(separator: 0x0A, omittingEmptySubsequences: false)
        for i in 0..<max(g.count, w.count) where i >= g.count || i >= w.count || g[i] != w[i] {
            let show = { (l: Data?) in l.map { String(decoding: $0, as: UTF8.self) } ?? "<none>" }
            return "\(g.count) lines instead of \(w.count); line \(i + 1) is \(show(i < g.count ? g[i] : nil)), expected \(show(i < w.count ? w[i] : nil))"
        }
        return "same lines, different bytes"
    }
}
