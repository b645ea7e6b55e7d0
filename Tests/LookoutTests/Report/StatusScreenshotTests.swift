import Foundation
import Logging
@testable import LookoutCore
@testable import LookoutReport
import Testing

/// A browser check's screenshot on the team board: the newest one of an open incident is copied into the site and
/// shown as a thumbnail linking the full PNG, named in the board's summary.json, on no client's page, pruned once the
/// incident is resolved, kept through a `--state` restart; and one the site cannot copy is named in words.
@Suite struct StatusScreenshotTests {
    /// Real PNGs (1x1 and 4x4), as probe's would be, only smaller.
    static let older = Data(base64Encoded: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")!
    static let newer = Data(base64Encoded: "iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAIAAAAmkwkpAAAAEElEQVR4nGM4r6QHRwzEcQDcsxHxygEUwQAAAABJRU5ErkJggg==")!
    static let newerName = "acme-home-20261126T000500.000Z.png"

    /// An incident line of the fixture config's acme-home check, opened at 00:00 on the day after the fixture day.
    static func line(_ event: String, at: String, screenshot: String?) -> String {
        let shot = screenshot.map { ",\"screenshot\":\"\($0)\"" } ?? ""
        let duration = event == "resolved" ? ",\"duration_ms\":1200000" : ""
        return #"{"v":1,"type":"incident","id":"acme-home/1795651200000","event":"\#(event)","check":"acme-home","site":"acme","tier":"enhanced","severity":"critical","at":"\#(at)","since":"2026-11-26T00:00:00Z","reason":"visible text is 9 bytes","maintenance":null,"state":"down"\#(shot)\#(duration)}"#
    }

    /// A folder with probe's two screenshots of acme-home and a log whose incident carries them, opened then updated.
    static func setUp(_ label: String) throws -> (dir: String, log: String, shots: String) {
        let dir = try StatusSiteTests.tempFolder(label)
        let shots = dir + "/probe/screenshots/acme-home"
        try FileManager.default.createDirectory(atPath: shots, withIntermediateDirectories: true)
        try older.write(to: URL(fileURLWithPath: shots + "/acme-home-20261126T000000.000Z.png"))
        try newer.write(to: URL(fileURLWithPath: shots + "/" + newerName))
        let log = dir + "/classified.ndjson"
        try (line("opened", at: "2026-11-26T00:00:00Z", screenshot: shots + "/acme-home-20261126T000000.000Z.png") + "\n"
            + line("updated", at: "2026-11-26T00:05:00Z", screenshot: shots + "/" + newerName) + "\n")
            .write(toFile: log, atomically: true, encoding: .utf8)
        return (dir, log, shots)
    }

    static func append(_ text: String, to path: String) throws {
        let handle = try #require(FileHandle(forWritingAtPath: path))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data((text + "\n").utf8))
    }

    static func text(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    /// Every file of the site that a client reads: their folders, not the board's files or the screenshots.
    static func clientFiles(_ site: String) throws -> [String] {
        try FileManager.default.subpathsOfDirectory(atPath: site).filter {
            $0.contains("/") && !$0.hasPrefix(StatusScreenshotFolder.folder + "/")
                && FileManager.default.contents(atPath: site + "/" + $0) != nil   // files, not folders
        }
    }

    @Test func theBoardShowsACopyOfTheNewestScreenshotAndNoClientPageNamesIt() throws {
        let (dir, log, shots) = try Self.setUp("status-shot")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let site = dir + "/site"
        let relative = "screenshots/acme-home/\(Self.newerName)"
        let written = try StatusSite(directory: site).write(try StatusSiteTests.snapshot(inputs: [log]))
        #expect(written == 9, "8 pages and one copy")

        // The newest one only, byte for byte, and nothing left half-written.
        #expect(FileManager.default.contents(atPath: site + "/" + relative) == Self.newer)
        #expect(try FileManager.default.contentsOfDirectory(atPath: site + "/screenshots/acme-home") == [Self.newerName])
        let board = try Self.text(site + "/index.html")
        #expect(board.contains("<a class=\"screenshot\" href=\"\(relative)\"><img src=\"\(relative)\" width=\"240\" alt=\"Screenshot of the page check acme-home saw when it failed; opens the full-size image\" loading=\"lazy\"></a>"), "\(board)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: site + "/summary.json"))) as? [String: Any])
        let incidents = try #require(summary["incidents"] as? [[String: Any]])
        #expect(incidents.compactMap { $0["screenshot"] as? String } == [relative])
        #expect(!incidents.contains { $0["screenshot_on_monitor"] != nil })

        // The client sees the incident, never the screenshot: not in the page, its summary or its feed.
        let clientFiles = try Self.clientFiles(site)
        #expect(Set(clientFiles).isSuperset(of: ["acme-ltd/index.html", "acme-ltd/summary.json", "acme-ltd/feed.atom"]), "\(clientFiles)")
        #expect(try Self.text(site + "/acme-ltd/index.html").contains("ACME Ltd is unavailable"))
        for path in clientFiles {
            let text = try Self.text(site + "/" + path)
            for word in ["screenshot", "Screenshot", "acme-home-2026", ".png", shots] {
                #expect(!text.contains(word), "\(path) names \"\(word)\"")
            }
        }

        // Rewritten unchanged: the copy is not made again.
        #expect(try StatusSite(directory: site).write(try StatusSiteTests.snapshot(inputs: [log])) == 0)

        // Resolved: the board drops it and the copy (and its folder) is pruned.
        try Self.append(Self.line("resolved", at: "2026-11-26T00:20:00Z", screenshot: nil), to: log)
        try StatusSite(directory: site).write(try StatusSiteTests.snapshot(inputs: [log]))
        #expect(!FileManager.default.fileExists(atPath: site + "/screenshots/acme-home"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: site + "/screenshots").isEmpty)
        #expect(!(try Self.text(site + "/index.html")).contains("screenshot"))
        #expect(!(try Self.text(site + "/summary.json")).contains("screenshot"))
        // probe's own files are its business.
        #expect(FileManager.default.contents(atPath: shots + "/" + Self.newerName) == Self.newer)
    }

    /// What the site cannot copy is named in words, with where the monitor keeps it, and nothing is copied.
    @Test(arguments: [
        ("missing", "not readable here"),
        ("text", "not a PNG"),
        ("large", "larger than 10 MiB"),
        ("folder", "not a file"),
        ("fifo", "not a file"),
        ("name", "not a screenshot's file name"),
    ])
    func whatCannotBeCopiedIsSaidInWords(kind: String, problem: String) throws {
        let dir = try StatusSiteTests.tempFolder("status-shot-\(kind)")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var source = dir + "/probe/acme-home-20261126T000000.000Z.png"
        try FileManager.default.createDirectory(atPath: dir + "/probe", withIntermediateDirectories: true)
        switch kind {
        case "text": try Data("root:x:0:0".utf8).write(to: URL(fileURLWithPath: source))
        case "large":
            // A PNG's signature, then a hole up to one byte over the bound.
            try Self.newer.write(to: URL(fileURLWithPath: source))
            #expect(truncate(source, off_t(ScreenshotFile.maxBytes + 1)) == 0)
        case "folder": try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
        case "fifo": #expect(mkfifo(source, 0o600) == 0)
        case "name":
            source = dir + "/probe/passwd"
            try Self.newer.write(to: URL(fileURLWithPath: source))
        default: break
        }
        let log = dir + "/classified.ndjson"
        try (Self.line("opened", at: "2026-11-26T00:00:00Z", screenshot: source) + "\n").write(toFile: log, atomically: true, encoding: .utf8)
        let site = dir + "/site"
        #expect(try StatusSite(directory: site).write(try StatusSiteTests.snapshot(inputs: [log])) == 8)
        let board = try Self.text(site + "/index.html")
        #expect(board.contains("Screenshot kept on the monitor at \(source) (\(HTMLRenderer.escape(problem)))"), "\(board)")
        #expect(!board.contains("<img"))
        #expect(try Self.text(site + "/summary.json").contains("\"screenshot_on_monitor\" : \"\(source)\""))
        #expect((try? FileManager.default.contentsOfDirectory(atPath: site + "/screenshots")) ?? [] == [])
        for path in try Self.clientFiles(site) { #expect(!(try Self.text(site + "/" + path)).contains(source), "\(path)") }
    }

    /// `--follow --state`: the screenshot is kept with the incident, so a restart's first pages still show it.
    @Test func aRestartFromTheStateStillShowsIt() throws {
        let (dir, log, _) = try Self.setUp("status-shot-state")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = try ReportFixture.config()
        let accumulator = ReportAccumulator(config: config, range: StatusBuilder.readingRange)
        _ = ReportStage.accumulate([log], into: accumulator, rejectsPath: nil, logger: Logger(label: "status-shot-test"))
        let restored = try ReportAccumulator(config: config, range: StatusBuilder.readingRange,
                                             saved: try StatusStateStoreTests.roundTrip(accumulator).accumulator)
        let incident = try #require(restored.incidents["acme-home/1795651200000"])
        #expect(incident.screenshot?.hasSuffix("/" + Self.newerName) == true)
        try StatusSite(directory: dir + "/site").write(StatusBuilder(accumulator: restored, linesRejected: 0).build())
        #expect(try Self.text(dir + "/site/index.html").contains("<img src=\"screenshots/acme-home/\(Self.newerName)\""))
    }

    /// A client whose slug is the screenshots' folder would share it with the board: refused at load.
    @Test func aClientNamedScreenshotsIsRefused() throws {
        let yaml = """
            tiers: {standard: {outage: warning}}
            sites:
              - {id: a, client: "Screenshots", tier: standard, checks: [{id: a1, tcp: "127.0.0.1:9"}]}
            """
        #expect(throws: ConfigError(file: "c.yaml", line: 3, message: "client \"Screenshots\" would have the status folder \"screenshots\", where the team board keeps its screenshots; give it a path in status.clients")) {
            try Config.parse(yaml: yaml, file: "c.yaml", environment: [:], kinds: ConfigKinds.all)
        }
    }
}
