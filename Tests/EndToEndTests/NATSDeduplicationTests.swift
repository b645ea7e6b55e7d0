import Foundation
import Logging
import LookoutCore
import LookoutNATS
import Testing

/// A publisher that sends lines again with the same `Nats-Msg-Id` (a probe restarted, a classify replaying its last
/// batch after a crash) adds nothing to the stream within its duplicate window (docs/scaling.md), on a real
/// `nats-server`: each case publishes lines 0..<60, then, from a new connection as a restarted stage would, lines
/// 30..<100, and the stream must hold the 100 lines once each, in order.
@Suite(.serialized) struct NATSDeduplicationTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let subject: String
        /// Result lines are named by identity (check, location, at); any other line by a hash of its bytes.
        let results: Bool
        /// confirm: classify's and route's publisher (each batch stored before it returns); otherwise probe's queue.
        let confirm: Bool
        var testDescription: String { name }

        func lines() -> [String] {
            let start = Date(timeIntervalSince1970: 1_795_996_800)
            return (0..<100).map { i in
                let check = FileChain.checks[i % FileChain.checks.count]
                let at = start.addingTimeInterval(Double(i / FileChain.checks.count * 60))
                return results
                    ? NATSChainTests.result(check, at, ok: i % 7 != 0, location: "lon")
                    : "{\"v\":1,\"type\":\"incident\",\"event\":\"updated\",\"check\":\"\(check)\",\"at\":\"\(FileChain.rfc3339(at))\",\"seq\":\(i)}"
            }
        }
    }

    static let cases = [
        Case(name: "results republished by a restarted probe (queued publisher)", subject: "lookout.results.lon", results: true, confirm: false),
        Case(name: "results republished by a confirming publisher", subject: "lookout.results.lon", results: true, confirm: true),
        Case(name: "classified lines replayed by classify (hashed ids)", subject: "lookout.classified", results: false, confirm: true),
    ]

    @Test(arguments: cases) func aRepublishedRangeIsStoredOnce(_ c: Case) throws {
        let folder = try FileChain.Folder()
        defer { folder.remove() }
        let server = try NATSServer(store: folder.dir.appendingPathComponent("js"))
        defer { server.stop() }
        let address = "\(server.url)/\(c.subject)"
        var settings = NATSSettings()
        settings.spoolDirectory = folder.dir.path
        let lines = c.lines()
        // Two runs of a stage, each with its own connection and publisher, the second starting again from line 30.
        for range in [0..<60, 30..<100] {
            let sink = try NATSTransport(settings: settings, name: "run").sink(address, confirm: c.confirm, logger: Logger(label: "test"))
            let writer = LineWriter(sink: sink)
            for line in lines[range] { try writer.write(line) }
            try writer.flush()
            sink.finish(waitingUpTo: 10)
        }
        #expect(!FileManager.default.fileExists(atPath: folder.path("lookout-LOOKOUT-\(c.subject).spool")), "lines left unpublished")
        let stored = try NATSServer.storedLines(address, settings: settings)
        #expect(stored.count == lines.count, "the stream holds \(stored.count) lines for \(lines.count) published once and 30 again; server: \(server.logTail)")
        #expect(stored == lines)
    }
}
