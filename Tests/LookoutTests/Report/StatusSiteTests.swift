import Foundation
import Logging
@testable import LookoutCommands
@testable import LookoutCore
@testable import LookoutReport
import Testing

/// The status site from the fixture day: golden summary.json files, figures equal to `report --client X`, nothing
/// of another client (nor any secret) on a client's page, the config's refusals, and atomic writes.
@Suite struct StatusSiteTests {
    static func snapshot(config: Config? = nil, inputs: [String]? = nil) throws -> StatusSnapshot {
        let config = try config ?? ReportFixture.config()
        let accumulator = ReportAccumulator(config: config, range: StatusBuilder.readingRange)
        var logger = Logger(label: "status-test")
        logger.logLevel = .critical  // the fixture's two bad lines are expected
        let (_, rejected) = ReportStage.accumulate(inputs ?? [ReportFixture.path("day.in.ndjson")], into: accumulator,
                                                   rejectsPath: nil, logger: logger)
        return StatusBuilder(accumulator: accumulator, linesRejected: rejected).build()
    }

    /// The fixture day's site, built once: the suite runs beside the others on a small machine.
    static let fixture: Result<StatusSnapshot, any Error> = Result { try snapshot() }

    static func tempFolder(_ label: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lookout-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }

    static func files(_ snapshot: StatusSnapshot) -> [String: String] {
        Dictionary(uniqueKeysWithValues: StatusSite.files(snapshot).map { ($0.path, $0.text) })
    }

    @Test(arguments: [
        ("summary.json", "day.status-board.json"),
        ("acme-ltd/summary.json", "day.status-acme.json"),
        ("globex-corp/feed.atom", "day.status-globex.atom"),
    ])
    func matchesGolden(file: String, golden: String) throws {
        let actual = try #require(StatusSiteTests.files(try StatusSiteTests.fixture.get())[file])
        try ReportFixture.expectGolden(actual, golden)
    }

    /// A public note (`classify note INCIDENT --public`) is an update on the client's page, in the JSON, the HTML and
    /// the feed, at its time among the incident's own updates; an internal note is on no page at all.
    @Test func publicNotesAreUpdatesOnTheClientsPageAndInternalOnesAreNowhere() throws {
        let dir = try Self.tempFolder("status-notes")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = dir + "/day.ndjson"
        let notes = [
            #"{"v":1,"type":"note","incident":"acme-home/1795600800000","visibility":"public","text":"We found a full disk on the database server and are clearing it.","by":"callum","at":"2026-11-25T10:20:00Z"}"#,
            #"{"v":1,"type":"note","incident":"acme-home/1795600800000","visibility":"internal","text":"db1 disk full again, third time this month","by":"callum","at":"2026-11-25T10:21:00Z"}"#,
        ]
        let day = try String(contentsOfFile: ReportFixture.path("day.in.ndjson"), encoding: .utf8)
        try (day + notes.joined(separator: "\n") + "\n").write(toFile: log, atomically: true, encoding: .utf8)
        let files = Self.files(try Self.snapshot(inputs: [log]))
        let summary = try #require(files["acme-ltd/summary.json"])
        #expect(summary.contains("We found a full disk on the database server and are clearing it."))
        #expect(try #require(files["acme-ltd/feed.atom"]).contains("We found a full disk on the database server"))
        #expect(try #require(files["acme-ltd/index.html"]).contains("We found a full disk on the database server"))
        for (path, text) in files { #expect(!text.contains("third time this month"), "an internal note reached \(path)") }
        // The note sits between the opening (10:10) and the resolve, as an "identified" update.
        // Current and past incidents, wherever the summary holds them.
        func updates(in value: Any) -> [[String: Any]] {
            if let object = value as? [String: Any] {
                return (object["incident_updates"] as? [[String: Any]] ?? []) + object.values.flatMap(updates(in:))
            }
            return (value as? [Any])?.flatMap(updates(in:)) ?? []
        }
        let json = try JSONSerialization.jsonObject(with: Data(summary.utf8))
        let note = try #require(updates(in: json).first { ($0["body"] as? String)?.hasPrefix("We found a full disk") == true })
        #expect(note["status"] as? String == "identified")
        #expect(note["created_at"] as? String == "2026-11-25T10:20:00Z")
    }

    /// Each day's figure on a client page is the one `report --client X --day D --format json` gives.
    @Test(arguments: ["ACME Ltd", "Globex Corp"])
    func dailyFiguresEqualTheClientReport(client: String) throws {
        let snapshot = try StatusSiteTests.fixture.get()
        let page = try #require(snapshot.clients.first { $0.name == client })
        for day in ["2026-11-24", "2026-11-25"] {
            let report = try ReportFixture.report(day: day, client: client)
            for site in report.sites {
                let component = try #require(page.components.first { $0.id == site.id && $0.check == nil })
                let figure = try #require(component.days.first { $0.day == day })
                #expect(figure.availability == site.time.availability, "\(site.id) \(day)")
                #expect(figure.observedMs == site.time.observedMs, "\(site.id) \(day)")
                #expect(figure.downMs == site.time.downMs, "\(site.id) \(day)")
                #expect(figure.maintenanceMs == site.time.maintenanceMs, "\(site.id) \(day)")
                #expect(figure.degradedMs == site.time.degradedMs, "\(site.id) \(day)")
            }
        }
        #expect(page.pastIncidents.count + page.openIncidents.count
                == (try ReportFixture.report(client: client)).incidents.count + (try ReportFixture.report(day: "2026-11-24", client: client)).incidents.count)
    }

    /// A client's three files name none of the other clients' sites, checks or URLs, nor its own checks that are
    /// not marked public; the prospect's tier has no page.
    @Test func clientPagesHoldOnlyTheirOwnClient() throws {
        let config = try ReportFixture.config()
        let snapshot = try StatusSiteTests.fixture.get()
        let files = StatusSiteTests.files(snapshot)
        #expect(files.keys.contains("acme-ltd/index.html") && files.keys.contains("globex-corp/feed.atom"))
        #expect(!files.keys.contains { $0.hasPrefix("initech") }, "a prospect's page is off by default")
        for page in snapshot.clients where page.published {
            let own = Set(ReportBuilder.sites(forClient: page.name, in: config).map(\.id))
            var forbidden: [String] = []
            for site in config.sites where !own.contains(site.id) {
                forbidden += [site.id, site.name, site.client ?? site.id] + site.checks.map(\.id) + (site.url.map { [$0] } ?? [])
            }
            forbidden += config.sites.filter { own.contains($0.id) }.flatMap(\.checks).map(\.id)
            for name in ["index.html", "summary.json", "feed.atom"] {
                let text = try #require(files["\(page.folder)/\(name)"])
                for word in Set(forbidden) { #expect(!text.contains(word), "\(page.folder)/\(name) shows \"\(word)\"") }
            }
        }
    }

    /// A secret in the config and in an incident's reason reaches no page, in any encoding.
    @Test func noSecretReachesAPage() throws {
        let secret = "s3cr3t-T0ken/with+chars"
        let yaml = try String(contentsOfFile: ReportFixture.path("day.config.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "      - {id: acme-server, tcp: \"127.0.0.1:9\"}",
                                  with: "      - {id: acme-server, http: \"http://127.0.0.1:9/health\", headers: {X-Token: \"${STATUS_TOKEN}\"}}")
        let config = try Config.parse(yaml: yaml, file: "status.yaml", environment: ["STATUS_TOKEN": secret], kinds: ConfigKinds.all)
        let dir = try StatusSiteTests.tempFolder("status-secret")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = dir + "/in.ndjson"
        let extra = """
            {"v":1,"type":"incident","id":"acme-server/1795653000000","event":"opened","check":"acme-server","site":"acme","tier":"enhanced","severity":"critical","at":"2026-11-26T00:00:00Z","since":"2026-11-26T00:00:00Z","reason":"GET http://127.0.0.1:9/health?token=\(secret) failed","maintenance":null,"state":"down","error":"token \(secret) refused"}

            """
        try (String(contentsOfFile: ReportFixture.path("day.in.ndjson"), encoding: .utf8) + extra).write(toFile: log, atomically: true, encoding: .utf8)
        let snapshot = try StatusSiteTests.snapshot(config: config, inputs: [log])
        #expect(snapshot.clients.first { $0.name == "ACME Ltd" }?.openIncidents.count == 1)
        let encodings = [secret, secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!,
                         secret.replacingOccurrences(of: "/", with: "\\/"), Data(secret.utf8).base64EncodedString()]
        for (path, text) in StatusSiteTests.files(snapshot) {
            for e in encodings { #expect(!text.contains(e), "\(path) holds the secret as \(e)") }
        }
    }

    @Test(arguments: [
        ("status:\n  clients:\n    - {client: ACME Ltd, path: \"../../etc\"}\n", 3, "status.clients[0].path must be 16 to 64 lowercase letters, digits or dashes, not starting with a dash"),
        ("status:\n  clients:\n    - {client: ACME Ltd, path: Short}\n", 3, "status.clients[0].path must be 16 to 64 lowercase letters, digits or dashes, not starting with a dash"),
        ("status:\n  clients:\n    - {client: Nobody}\n", 3, "no site has client (or id) \"Nobody\" in status.clients"),
        ("status:\n  clients:\n    - {client: ACME Ltd, public_checks: [globex-shop]}\n", 3, "status.clients[0].public_checks: \"globex-shop\" is not a check of client \"ACME Ltd\""),
        ("status:\n  stale_after: 5s\n", 2, "status.stale_after must be between 1m and 24h"),
        ("status:\n  tiers: [gold]\n", 2, "unknown tier \"gold\" in status.tiers"),
        ("status:\n  clients:\n    - {client: ACME Ltd, path: globex-corp-0000000}\n    - {client: Globex Corp, path: globex-corp-0000000}\n", 4,
         "clients \"ACME Ltd\" and \"Globex Corp\" would share the status folder \"globex-corp-0000000\"; give one a path in status.clients"),
    ] as [(String, Int, String)])
    func refusesUnsafeStatusConfig(section: String, lineInSection: Int, message: String) throws {
        let base = try String(contentsOfFile: ReportFixture.path("day.config.yaml"), encoding: .utf8)
        let lines = base.components(separatedBy: "\n").count
        #expect(throws: ConfigError(file: "c.yaml", line: lines - 1 + lineInSection, message: message)) {
            try Config.parse(yaml: base + section, file: "c.yaml", environment: [:], kinds: ConfigKinds.all)
        }
    }

    /// Two clients whose names give one slug are refused even without a `status:` section.
    @Test func refusesTwoClientsWithOneSlug() throws {
        let yaml = """
            tiers: {standard: {outage: warning}}
            sites:
              - {id: a, client: "Acme Ltd", tier: standard, checks: [{id: a1, tcp: "127.0.0.1:9"}]}
              - {id: b, client: "ACME-LTD", tier: standard, checks: [{id: b1, tcp: "127.0.0.1:9"}]}
            """
        #expect(throws: ConfigError(file: "c.yaml", line: 4, message: "clients \"Acme Ltd\" and \"ACME-LTD\" would share the status folder \"acme-ltd\"; give one a path in status.clients")) {
            try Config.parse(yaml: yaml, file: "c.yaml", environment: [:], kinds: ConfigKinds.all)
        }
    }

    @Test(arguments: [("ACME Ltd", "acme-ltd"), ("  Globex & Co.  ", "globex-co"), ("Ünïcode Shop 24/7", "n-code-shop-24-7"), ("***", "client")])
    func slugs(name: String, slug: String) {
        #expect(StatusConfig.slug(name) == slug)
    }

    /// A folder that cannot be written throws and leaves what was there; a rewrite of unchanged pages writes nothing,
    /// and no temporary file stays behind.
    @Test func writesAtomicallyAndOnlyWhatChanged() throws {
        let dir = try StatusSiteTests.tempFolder("status-write")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let snapshot = try StatusSiteTests.fixture.get()
        let site = StatusSite(directory: dir + "/site")
        #expect(try site.write(snapshot) == 8)
        #expect(try site.write(snapshot) == 0)
        let listing = try FileManager.default.subpathsOfDirectory(atPath: dir + "/site")
        #expect(!listing.contains { $0.contains(".tmp-") }, "\(listing)")

        // A client folder that is a plain file: the write fails there, and the file is untouched.
        try FileManager.default.removeItem(atPath: dir + "/site/globex-corp")
        try Data("keep".utf8).write(to: URL(fileURLWithPath: dir + "/site/globex-corp"))
        var changed = snapshot
        changed.updatedAt = "2026-11-26T00:05:00Z"
        #expect(throws: (any Error).self) { try site.write(changed) }
        #expect(FileManager.default.contents(atPath: dir + "/site/globex-corp") == Data("keep".utf8))
        // Nothing was rewritten: the board still says the old time.
        let board = try String(contentsOfFile: dir + "/site/index.html", encoding: .utf8)
        #expect(board.contains("datetime=\"2026-11-26T00:00:00Z\""))
    }

    @Test func boardPutsTheWorstFirstAndSaysWhenStale() throws {
        var snapshot = try StatusSiteTests.fixture.get()
        snapshot.clients[1].components[0].status = .down
        let board = StatusHTML.board(snapshot)
        let globex = try #require(board.range(of: "data-component=\"globex\""))
        let acme = try #require(board.range(of: "data-component=\"acme\""))
        #expect(globex.lowerBound < acme.lowerBound)
        #expect(!board.contains("STALE"))
        snapshot.monitor.stale = true
        #expect(StatusHTML.board(snapshot).contains("STALE"))
        #expect(StatusSummaryJSON.board(snapshot).contains("\"indicator\" : \"critical\""))
    }

    /// What the bars and strips show in colour is said in words too: each client component lists its days with
    /// trouble (down or degraded, with the figure), and each board row the last 24 hours' trouble.
    @Test func barsAndStripsAreAlsoSaidInWords() throws {
        let snapshot = try StatusSiteTests.fixture.get()
        #expect(snapshot.clients.filter { $0.published && !$0.components.isEmpty }.count >= 2)
        for client in snapshot.clients where client.published {
            let page = StatusHTML.client(client, snapshot: snapshot)
            for comp in client.components {
                let trouble = comp.days.filter { $0.observedMs > 0 && ($0.downMs > 0 || $0.degradedMs > 0) }
                let section = try #require(page.components(separatedBy: "data-component=\"\(comp.id)\"").dropFirst().first?
                    .components(separatedBy: "</section>").first)
                if let latest = trouble.last {
                    #expect(section.contains("Days with trouble, latest first: \(latest.day) \(ReportText.percent(latest.availability))"), "\(comp.id)")
                } else {
                    #expect(section.contains("No downtime on any of these days"), "\(comp.id)")
                }
            }
        }
        let board = StatusHTML.board(snapshot)
        let rows = board.components(separatedBy: "<tr data-component=").dropFirst()
        #expect(!rows.isEmpty && rows.allSatisfy { $0.contains("class=\"bar\"") })
        #expect(rows.allSatisfy { $0.contains("✖ down") || $0.contains("▲ degraded") || $0.contains("⚒ maintenance") || $0.contains("✔ no trouble") })
        #expect(rows.contains { $0.contains("✖ down") }, "the fixture day has downtime")
    }

    /// The next windows come from the config, in the site's zone, across a clock change.
    @Test func maintenanceWindowsFollowTheClockChange() throws {
        let yaml = """
            timezone: Europe/London
            maintenance_policy: {daily_min_contract_hours: 50, earliest: "07:00", latest: "10:00"}
            tiers: {enhanced: {contract_hours: 60, outage: critical}}
            sites:
              - id: acme
                client: ACME Ltd
                tier: enhanced
                maintenance: [{name: morning, daily: "08:00-09:00"}]
                checks: [{id: acme-home, tcp: "127.0.0.1:9"}]
            """
        let config = try Config.parse(yaml: yaml, file: "c.yaml", environment: [:], kinds: ConfigKinds.all)
        let dir = try StatusSiteTests.tempFolder("status-dst")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = dir + "/in.ndjson"
        try #"{"v":1,"type":"result","check":"acme-home","at":"2026-10-24T06:00:00Z","ok":true,"state":"up","maintenance":null}"#
            .appending("\n").write(toFile: log, atomically: true, encoding: .utf8)
        let snapshot = try StatusSiteTests.snapshot(config: config, inputs: [log])
        let windows = try #require(snapshot.clients.first?.maintenances)
        // 08:00 is 07:00Z in summer time on Saturday the 24th, and 08:00Z from Sunday the 25th (clocks go back at 01:00Z).
        #expect(Array(windows.map(\.start).prefix(3)) == ["2026-10-24T07:00:00Z", "2026-10-25T08:00:00Z", "2026-10-26T08:00:00Z"])
        #expect(windows.first?.inProgress == false)
    }
}
