import Foundation
import Logging
@testable import LookoutCore
@testable import LookoutReport
import Testing

/// Rewriting only what changed: a build for some clients' pages gives the board and those pages exactly as a whole
/// build does; and, followed live, a line about one client rewrites that client's files and the board and leaves
/// every other client's files as they were (same inode, same mtime) until the once-a-minute refresh.
@Suite struct StatusIncrementalTests {
    static func accumulator(_ config: Config) -> ReportAccumulator {
        let accumulator = ReportAccumulator(config: config, range: StatusBuilder.readingRange)
        var logger = Logger(label: "status-incremental-test")
        logger.logLevel = .critical  // the fixture's two bad lines are expected
        _ = ReportStage.accumulate([ReportFixture.path("day.in.ndjson")], into: accumulator, rejectsPath: nil, logger: logger)
        return accumulator
    }

    @Test(arguments: [["ACME Ltd"], ["Globex Corp"], [], ["ACME Ltd", "Globex Corp", "initech"]])
    func aBuildForSomeClientsGivesTheBoardAndTheirPagesAsAWholeBuild(clients: [String]) throws {
        let config = try ReportFixture.config()
        let source = StatusIncrementalTests.accumulator(config)
        let whole = StatusSiteTests.files(StatusBuilder(accumulator: source.copy(), linesRejected: 2).build())
        var builder = StatusBuilder(accumulator: source.copy(), linesRejected: 2)
        builder.pagesOf = Set(clients)
        let part = Dictionary(uniqueKeysWithValues: StatusSite.files(builder.build(), clients: Set(clients)).map { ($0.path, $0.text) })
        let folders = clients.map { config.status.folder(for: $0) }
        #expect(part.keys.sorted() == whole.keys.filter { !$0.contains("/") || folders.contains(String($0.split(separator: "/")[0])) }.sorted())
        for (path, text) in part { #expect(text == whole[path], "\(path) differs from the whole build's") }
    }

    /// Inode and modification time of every file of a site, by relative path.
    static func stamps(_ site: String) -> [String: [Int]] {
        var out: [String: [Int]] = [:]
        for case let path as String in FileManager.default.enumerator(atPath: site)?.allObjects ?? [] {
            var st = stat()
            guard stat(site + "/" + path, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { continue }
            out[path] = [Int(st.st_ino), Int(st.st_mtim.tv_sec), Int(st.st_mtim.tv_nsec)]
        }
        return out
    }

    @Test func anIncidentLineRewritesItsClientAndTheBoardOnly() throws {
        // The wall clock stands still unless the test moves it: no once-a-minute refresh comes by itself.
        let followed = try FollowedFixture(label: "status-incremental")
        defer { followed.stop() }
        let site = followed.site, clock = followed.clock, until = FollowedFixture.until, text = followed.text
        #expect(until { text("globex-corp/summary.json").contains("\"updated_at\" : \"2026-11-26T00:00:00Z\"") })
        // The first pages are in; a look with nothing new writes nothing.
        usleep(1_200_000)
        let before = StatusIncrementalTests.stamps(site)
        #expect(before.count == 8, "\(before.keys.sorted())")

        // An incident of ACME's, a minute after the last line: only ACME's files and the board can change, though
        // a whole rewrite would change every page (each says when it was updated).
        let opened = #"{"v":1,"type":"incident","id":"acme-home/1795651260000","event":"opened","check":"acme-home","site":"acme","tier":"enhanced","severity":"critical","at":"2026-11-26T00:01:00Z","since":"2026-11-26T00:01:00Z","reason":"connection refused","maintenance":null,"state":"down"}"#
        try followed.append(opened)
        #expect(until { text("acme-ltd/summary.json").contains("\"updated_at\" : \"2026-11-26T00:01:00Z\"") })
        #expect(until { text("summary.json").contains("acme-home/1795651260000") })
        usleep(1_200_000)
        let after = StatusIncrementalTests.stamps(site)
        for path in ["acme-ltd/index.html", "acme-ltd/summary.json", "acme-ltd/feed.atom", "index.html", "summary.json"] {
            #expect(after[path] != before[path], "\(path) was not rewritten")
        }
        for path in ["globex-corp/index.html", "globex-corp/summary.json", "globex-corp/feed.atom"] {
            #expect(after[path] == before[path], "\(path) was rewritten for another client's line")
        }
        #expect(text("globex-corp/index.html").contains("datetime=\"2026-11-26T00:00:00Z\""))

        // The once-a-minute refresh brings every page to the new time.
        clock.withLock { $0 += 61 }
        #expect(until { text("globex-corp/summary.json").contains("\"updated_at\" : \"2026-11-26T00:01:00Z\"") })
        #expect(until { StatusIncrementalTests.stamps(site)["globex-corp/index.html"] != before["globex-corp/index.html"] })
    }
}
