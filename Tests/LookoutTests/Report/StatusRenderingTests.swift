import Foundation
@testable import LookoutCore
@testable import LookoutReport
import Testing

/// The status site's fast writers against the slow ones they replace: `summary.json` written byte by byte equals
/// Foundation's JSONEncoder output (`JSONReportRenderer.document`) of the same value, and a page's local times equal
/// `ReportText`'s, across daylight-saving changes and odd offsets.
@Suite struct StatusRenderingTests {
    /// The fixture day, and the same with every awkward value a summary can hold: escapes, control characters,
    /// non-ASCII, nil and non-nil optionals, fractions, open and past incidents on the board.
    static func snapshots() throws -> [StatusSnapshot] {
        let plain = try StatusSiteTests.fixture.get()
        var odd = plain
        odd.title = "Board \"quoted\" \\ back/slash\n\t\r\u{8}\u{c}\u{1}\u{1f}\u{7f} é ✔ 🚀"
        odd.monitor.readerSilentMs = 601_000
        odd.monitor.silentMs = nil
        odd.monitor.lastResultAt = nil
        for c in odd.clients.indices {
            odd.clients[c].contact = "ops@example.com"
            for k in odd.clients[c].components.indices {
                odd.clients[c].components[k].availability = [nil, 0.00001, 99.999, 1e21, 0][k % 5]
                odd.clients[c].components[k].lastResultAt = k % 2 == 0 ? nil : "2026-11-25T23:59:00Z"
                odd.clients[c].components[k].name += " <\"\u{2}\">"
                for d in odd.clients[c].components[k].days.indices where d % 7 == 0 {
                    odd.clients[c].components[k].days[d].availability = Double(d) / 3
                    odd.clients[c].components[k].days[d].downMs = -Int64(d) * 1_000_003
                }
            }
            let past = odd.clients[c].pastIncidents
            odd.clients[c].openIncidents += past.map { var i = $0; i.resolved = nil; i.reason = "re\"ason\\/ \u{3}"; i.deliveredTo = ["slack", "pager/duty"]; return i }
            // The board's screenshots: a copy, and one kept on the monitor with the reason.
            for k in odd.clients[c].openIncidents.indices {
                odd.clients[c].openIncidents[k].screenshot = k % 2 == 0
                    ? StatusScreenshot(source: "/var/lib/lookout/screenshots/a/a-\"\(k)\".png", copy: "screenshots/a/a-\(k).png")
                    : StatusScreenshot(source: "/var/lib/lookout/screenshots/a/a-\(k).png", problem: "not readable here")
            }
            if odd.clients[c].maintenances.isEmpty, let comp = odd.clients[c].components.first {
                odd.clients[c].maintenances = [StatusMaintenance(site: comp.site, siteName: "Site \"1\"", name: "weekly/patch",
                                                                 start: "2026-11-26T02:00:00Z", end: "2026-11-26T03:00:00Z",
                                                                 inProgress: c % 2 == 0)]
            }
        }
        return [plain, odd]
    }

    @Test func summaryJSONEqualsTheEncoders() throws {
        for snapshot in try StatusRenderingTests.snapshots() {
            #expect(StatusSummaryJSON.board(snapshot) == JSONReportRenderer.document(StatusSummaryJSON.boardSummary(snapshot)))
            for c in snapshot.clients {
                #expect(StatusSummaryJSON.client(c, snapshot: snapshot)
                    == JSONReportRenderer.document(StatusSummaryJSON.clientSummary(c, snapshot: snapshot)), "\(c.name)")
            }
        }
    }

    @Test(arguments: ["Europe/London", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "Pacific/Chatham", "UTC"])
    func localTimesEqualReportTexts(zone: String) throws {
        let tz = try #require(TimeZone(identifier: zone))
        let slow = ReportText(zone: tz, singleDay: false, showsOffset: true)
        let fast = StatusLocalTime(zone: tz)
        // Every 7m 13.5s over a year (both changes of every zone here), and instants either side of the changes.
        var instants: [Int64] = []
        var t: Int64 = 1_767_225_600_000  // 2026-01-01
        while t < 1_798_761_600_000 { instants.append(t); t += 433_500 }
        var at = Date(timeIntervalSince1970: 1_767_225_600)
        while let next = tz.nextDaylightSavingTimeTransition(after: at), next.timeIntervalSince1970 < 1_798_761_600 {
            let ms = Int64(next.timeIntervalSince1970 * 1000)
            instants += [ms - 1, ms, ms + 1, ms - 1000, ms + 59_999]
            at = next
        }
        for ms in instants {
            let rfc = Timestamp(milliseconds: ms).rfc3339
            #expect(fast(rfc) == slow.time(rfc), "\(zone) at \(rfc)")
        }
        #expect(fast(nil) == "-" && fast("not a time") == "-")
    }
}
