import Foundation
import FoundationXML
@testable import LookoutCore
@testable import LookoutReport
import Testing

/// The HTML report parses as XML (so its inline SVG is valid), is self-contained, and draws every chart.
@Suite struct HTMLReportTests {
    final class Collector: NSObject, XMLParserDelegate {
        var elements: [String: Int] = [:]
        var svgRects = 0
        var inSVG = 0
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            elements[name, default: 0] += 1
            if name == "svg" { inSVG += 1 }
            if name == "rect" && inSVG > 0 { svgRects += 1 }
        }
        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if name == "svg" { inSVG -= 1 }
        }
    }

    static func parse(_ html: String) -> (ok: Bool, error: String?, collector: Collector) {
        let parser = XMLParser(data: Data(html.utf8))
        let c = Collector()
        parser.delegate = c
        let ok = parser.parse()
        return (ok, parser.parserError.map { "\($0) at line \(parser.lineNumber)" }, c)
    }

    @Test(arguments: [nil, "ACME Ltd", "globex"] as [String?])
    func parsesAsXMLWithAllCharts(client: String?) throws {
        let report = try ReportFixture.report(client: client)
        let html = HTMLRenderer().render(report)
        let (ok, error, c) = HTMLReportTests.parse(html)
        #expect(ok, "\(error ?? "")")
        // The strip, one sparkline per check with successful results, and the incident timeline.
        let checksWithLatency = report.sites.flatMap(\.checks).filter { $0.latency != nil }.count
        #expect(c.elements["svg", default: 0] == 1 + checksWithLatency + (report.incidents.isEmpty ? 0 : 1))
        let stripSpans = report.sites.reduce(0) { $0 + $1.strip.count }
        #expect(c.svgRects >= stripSpans)
        #expect(c.elements["html"] == 1 && c.elements["body"] == 1)
    }

    @Test func isSelfContained() throws {
        let html = HTMLRenderer().render(try ReportFixture.report())
        for banned in ["<script", "src=", "href=", "url(", "@import", "<link"] {
            #expect(!html.contains(banned), "the page must not load \(banned)")
        }
    }

    @Test func escapesTextFromTheLog() {
        #expect(HTMLRenderer.escape("<b>&\"x'") == "&lt;b&gt;&amp;&quot;x&#39;")
        #expect(HTMLRenderer.escape("a\u{01}b") == "a b")
    }

    /// A cause with markup in it stays text and the page still parses.
    @Test func hostileCauseStaysText() throws {
        var report = try ReportFixture.report()
        report.incidents[0].cause = "</td><script>alert(1)</script> & \u{07}"
        let html = HTMLRenderer().render(report)
        #expect(!html.contains("<script>"))
        #expect(HTMLReportTests.parse(html).ok)
    }
}
