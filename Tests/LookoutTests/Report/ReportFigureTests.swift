import Foundation
@testable import LookoutCore
@testable import LookoutReport
import Testing

/// The fixture day's figures, worked out by hand from the timeline in make-day.py (docs/report.md explains each),
/// checked on the report model independently of any golden file.
@Suite struct ReportFigureTests {
    static let expectedAvailability: [(String, Double)] = [
        // 23 h outside the window, 40 m down (10 m failing made down by the confirmation, then 30 m down).
        ("acme-home", 97.101),
        ("acme-cert", 100), ("acme-server", 100),
        // 22 h outside the window; 10 m down after the window ended plus 15 m of failing flapping results.
        ("globex-shop", 98.106),
        // 1 h of 22 h: 95.4545..., truncated.
        ("globex-backup", 95.454),
        // 60 m down of 23 h 05 m observed (55 m without results after 19:55 + 2 x 5 m).
        ("initech-home", 95.667),
    ]

    @Test(arguments: expectedAvailability)
    func checkAvailability(check: String, percent: Double) throws {
        let r = try ReportFixture.report()
        let c = try #require(r.sites.flatMap(\.checks).first { $0.id == check })
        #expect(c.time.availability == percent)
    }

    @Test func siteFigures() throws {
        let r = try ReportFixture.report()
        let acme = try #require(r.sites.first { $0.id == "acme" })
        #expect(acme.time.availability == 97.101)
        #expect(acme.time.downMs == Int64(40 * 60_000))
        #expect(acme.time.maintenanceMs == Int64(60 * 60_000))
        #expect(acme.time.downInMaintenanceMs == Int64(15 * 60_000))
        #expect(acme.time.degradedMs == Int64(15 * 60_000))
        #expect(acme.mttrMs == Int64(45 * 60_000))
        let globex = try #require(r.sites.first { $0.id == "globex" })
        // Site down = union of its checks: 25 m (shop) + 60 m (backup, 03:00-04:00) over 22 h.
        #expect(globex.time.downMs == Int64(85 * 60_000))
        #expect(globex.time.availability == 93.560)
        #expect(globex.mttrMs == Int64(40 * 60_000))
        let initech = try #require(r.sites.first { $0.id == "initech" })
        #expect(initech.time.unobservedMs == Int64(55 * 60_000))
    }

    @Test func countsAndMTTR() throws {
        let r = try ReportFixture.report()
        #expect(r.overall.mttrMs == Int64(46 * 60_000))  // (45 + 20 + 40 + 60 + 65) / 5 minutes
        #expect(r.overall.incidents == 7)
        #expect(r.overall.outages == 5)
        let checks = Dictionary(uniqueKeysWithValues: r.sites.flatMap(\.checks).map { ($0.id, $0) })
        #expect(checks["acme-home"]?.blips == 1)
        #expect(checks["globex-shop"]?.blips == 1)
        #expect(checks["globex-shop"]?.flapping.map(\.durationMs) == [30 * 60_000])
        #expect(checks["globex-backup"]?.heartbeatsMissed == 1)
        #expect(r.heartbeats.map(\.times) == [["2026-11-25T03:00:00Z"]])
        #expect(r.certificates.map(\.check) == ["acme-cert"])
        #expect(r.hosts?.first?.overThreshold == 4)
        #expect(r.hosts?.first?.assertions.first?.assertion == "disk < 90%")
        #expect(r.unknownChecks?.map(\.check) == ["old-site-home"])
        #expect(r.footer.linesRejected == 2)
        #expect(r.footer.linesRead == 1221)
    }

    @Test func noiseBudget() throws {
        let n = try #require(try ReportFixture.report().noise)
        #expect(n.messagesSent == 11)
        #expect(n.criticalSent == 3)
        #expect(n.blipsAbsorbed == 2)
        #expect(n.failuresInMaintenance == 5)
        #expect(n.incidentsHeldInMaintenance == 2)
        #expect(n.incidentsWithoutAlert == 1)
        #expect(n.sinks.map(\.sink) == ["slack-ops", "zendesk"])
        #expect(n.deadLetters.map(\.error) == ["HTTP 404: ticket not found"])
    }

    /// A grouped Slack post is one message however many deliveries it carried, and a delivery repeated after a
    /// crash (same key) is counted once: the noise budget counts what people saw.
    @Test func groupedPostsAndCrashRepeatsCountOnce() throws {
        let config = try ReportFixture.config()
        let range = try ReportRange.day("2026-11-25", clock: LocalClock(config.timeZone))
        func incident(_ id: String, _ severity: String) -> String {
            #"{"v":1,"type":"incident","id":"\#(id)","event":"opened","check":"acme-home","site":"acme","tier":"enhanced","severity":"\#(severity)","at":"2026-11-25T10:00:00Z","since":"2026-11-25T09:58:00Z","reason":"down","maintenance":null}"#
        }
        func delivery(_ id: String, sink: String, key: String, message: String? = nil, outcome: String = "sent") -> String {
            let m = message.map { #","message":"\#($0)""# } ?? ""
            return #"{"v":1,"type":"delivery","incident":"\#(id)","event":"opened","sink":"\#(sink)","outcome":"\#(outcome)","attempt":1,"at":"2026-11-25T10:00:03Z","key":"\#(key)"\#(m)}"#
        }
        let lines = [
            incident("a/1", "warning"), incident("b/1", "critical"), incident("c/1", "warning"),
            // One grouped post of three incidents, one of them critical.
            delivery("a/1", sink: "slack", key: "a/1|opened|slack", message: "group:a+2"),
            delivery("b/1", sink: "slack", key: "b/1|opened|slack", message: "group:a+2"),
            delivery("c/1", sink: "slack", key: "c/1|opened|slack", message: "group:a+2"),
            // Three tickets, one of them repeated after a crash with the same key.
            delivery("a/1", sink: "zendesk", key: "a/1|opened|zendesk"),
            delivery("b/1", sink: "zendesk", key: "b/1|opened|zendesk"),
            delivery("b/1", sink: "zendesk", key: "b/1|opened|zendesk"),
            delivery("c/1", sink: "zendesk", key: "c/1|opened|zendesk", outcome: "dead"),
            delivery("c/1", sink: "zendesk", key: "c/1|opened|zendesk", outcome: "dead"),
        ]
        let n = try #require(ReportFixture.report(ndjson: lines.joined(separator: "\n"), config: config, range: range).noise)
        let bySink = Dictionary(uniqueKeysWithValues: n.sinks.map { ($0.sink, $0) })
        #expect(bySink["slack"]?.sent == 1)
        #expect(bySink["slack"]?.critical == 1)
        #expect(bySink["zendesk"]?.sent == 2)
        #expect(bySink["zendesk"]?.critical == 1)
        #expect(bySink["zendesk"]?.dead == 1)
        #expect(n.messagesSent == 3)
        #expect(n.deadLetters.count == 1)
    }

    @Test func tiersListBreachesFirst() throws {
        let tiers = try #require(try ReportFixture.report().tiers)
        #expect(tiers.map(\.tier) == ["enhanced", "standard", "prospect"])
        #expect(tiers.map(\.breached) == [true, true, false])
        #expect(tiers[0].measured == 97.101)
    }

    @Test func adherence() throws {
        let a = try ReportFixture.report().adherence
        #expect(a.map(\.client) == ["ACME Ltd", "Globex Corp", "Initech (prospect)"])
        #expect(a[1].downInsideWindowsMs == Int64(10 * 60_000))
        #expect(a[1].downOutsideWindowsMs == Int64(85 * 60_000))
        #expect(a.map(\.overruns) == [0, 1, 0])  // globex-shop's 08:50 outage outlasted the patching window
    }

    /// A client report keeps only the client's sites and none of the internal words.
    @Test func clientReportHidesInternals() throws {
        let r = try ReportFixture.report(client: "ACME Ltd")
        #expect(r.audience == .client)
        #expect(r.sites.map(\.id) == ["acme"])
        #expect(r.tiers == nil && r.noise == nil && r.hosts == nil && r.unknownChecks == nil)
        #expect(r.incidents.allSatisfy { $0.severity == nil })
        #expect(r.incidents.map(\.kind) == ["maintenance", "interruption", "slow"])
        for format in [ReportFormat.markdown, .html, .json, .slack] {
            let text = ReportStage.render(r, format: format)
            for word in ["critical", "warning", "slack-ops", "zendesk", "enhanced", "Globex", "initech", "severity"] {
                #expect(!text.contains(word), "\(format) client report mentions \(word)")
            }
        }
    }

    /// Reading the log gzip-compressed, or split in two files (one of them compressed), gives the same report.
    @Test func readsGzipAndSeveralFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("report-gz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = try String(contentsOfFile: ReportFixture.path("day.in.ndjson"), encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let first = dir.appendingPathComponent("day.log.1"), second = dir.appendingPathComponent("day.log")
        try (lines[..<600].joined(separator: "\n") + "\n").write(to: first, atomically: true, encoding: .utf8)
        try lines[600...].joined(separator: "\n").write(to: second, atomically: true, encoding: .utf8)
        let whole = dir.appendingPathComponent("whole.ndjson")
        try text.write(to: whole, atomically: true, encoding: .utf8)
        for file in [first, whole] {
            let gzip = Process()
            gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
            gzip.arguments = ["-9", file.path]
            try gzip.run()
            gzip.waitUntilExit()
            #expect(gzip.terminationStatus == 0)
        }
        let plain = ReportStage.render(try ReportFixture.report(), format: .json)
        let gz = ReportStage.render(try ReportFixture.report(inputs: [whole.path + ".gz"]), format: .json)
        let split = ReportStage.render(try ReportFixture.report(inputs: [first.path + ".gz", second.path]), format: .json)
        #expect(gz == plain)
        // Two files: line counts match, only the rejected lines' numbering differs, not the figures.
        #expect(split == plain)
    }

    @Test func truncatedGzipIsCountedAsBadInput() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("report-gzbad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("day.ndjson")
        try FileManager.default.copyItem(atPath: ReportFixture.path("day.in.ndjson"), toPath: file.path)
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gzip.arguments = [file.path]
        try gzip.run()
        gzip.waitUntilExit()
        let data = try Data(contentsOf: URL(fileURLWithPath: file.path + ".gz"))
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: file.path + ".gz"))
        let r = try ReportFixture.report(inputs: [file.path + ".gz"])
        #expect(r.footer.linesRejected >= 1)  // the truncation itself, besides any bad line reached
        #expect(r.footer.linesRead < 1221)
    }

    /// Damaged lines anywhere (cut short, garbage, wrong types) are counted and skipped; the rest still counts.
    @Test func damagedLinesAreCountedNotFatal() throws {
        let config = try ReportFixture.config()
        let range = try ReportRange.day("2026-11-25", clock: LocalClock(config.timeZone))
        let lines = try String(contentsOfFile: ReportFixture.path("day.in.ndjson"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        var damaged = 0
        let mangled = lines.enumerated().map { k, line -> String in
            guard k % 37 == 5 else { return line }
            damaged += 1
            switch k % 3 {
            case 0: return String(line.prefix(line.count / 2))
            case 1: return line.replacingOccurrences(of: #""ok":true"#, with: #""ok":"yes""#)
                .replacingOccurrences(of: #""ok":false"#, with: #""ok":1"#)
            default: return "\u{00}\u{7f}garbage"
            }
        }
        let r = ReportFixture.report(ndjson: mangled.joined(separator: "\n"), config: config, range: range)
        // Lines of other types whose "ok" was not there to break stay good; count what really broke.
        let reference = ReportFixture.report(ndjson: lines.joined(separator: "\n"), config: config, range: range)
        #expect(r.footer.linesRejected > reference.footer.linesRejected)
        #expect(r.footer.linesRejected <= reference.footer.linesRejected + damaged)
        #expect(r.sites.count == 3)
        #expect(r.overall.availability != nil)
    }
}
