import Foundation
import Logging
@testable import LookoutCore
@testable import LookoutReport
import Testing

/// A board followed live says it is stale when no new line has been read for `status.stale_after` by the host's
/// clock: when the whole chain stops, nothing arrives to move the event time the rest of the board is judged by.
/// In process, with the follower's wall clock in the test's hand (a minute of silence takes no real time).
@Suite struct StatusFollowerStaleTests {
    @Test func aBoardWhoseInputFallsSilentSaysItIsStaleAndRecoversWithTheNextLine() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("status-stale-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let lines = try String(contentsOfFile: ReportFixture.path("day.in.ndjson"), encoding: .utf8)
            .split(separator: "\n").map(String.init).filter { !$0.contains("\"type\":\"delivery\"") && $0.hasPrefix("{") }
        let input = dir.appendingPathComponent("classified.ndjson").path
        try (lines.dropLast().joined(separator: "\n") + "\n").write(toFile: input, atomically: true, encoding: .utf8)
        let config = try Config.load(path: ReportFixture.path("day.config.yaml"), environment: [:])
        let site = dir.appendingPathComponent("site").path
        let follower = StatusFollower(directory: site, inputs: [input], rejectsPath: nil, config: config, logger: Logger(label: "test"))
        let clock = Locked(Date(timeIntervalSince1970: 1_800_000_000))
        follower.wallClock = { clock.value }
        let done = DispatchSemaphore(value: 0)
        Thread { _ = follower.run(installingSignalHandlers: false); done.signal() }.start()
        defer { follower.stop.set(); _ = done.wait(timeout: .now() + 30) }

        let board = site + "/index.html"
        func page() -> String { (try? String(contentsOfFile: board, encoding: .utf8)) ?? "" }
        func until(_ condition: () -> Bool) -> Bool {
            for _ in 0..<600 where !condition() { usleep(50_000) }
            return condition()
        }
        #expect(until { page().contains("Monitor health") }, "the board is written")
        #expect(!page().contains("no new line read"))
        // Ten minutes (the default stale_after) and a second of silence: the next minute's rewrite says so.
        clock.withLock { $0 += 601 }
        #expect(until { page().contains("⚠ STALE: no new line read for 10m 01s by this host's clock") }, "\(page().prefix(2000))")
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: site + "/summary.json"))) as? [String: Any]
        let monitor = (summary?["lookout"] as? [String: Any])?["monitor"] as? [String: Any]
        #expect(monitor?["reader_silent_ms"] as? Int == 601_000 && monitor?["stale"] as? Bool == true, "\(monitor ?? [:])")
        #expect((summary?["status"] as? [String: Any])?["indicator"] as? String == "critical")
        // A new line: the board is current again at the next rewrite.
        let handle = try #require(FileHandle(forWritingAtPath: input))
        handle.seekToEndOfFile()
        handle.write(Data((lines.last! + "\n").utf8))
        try handle.close()
        clock.withLock { $0 += 61 }
        #expect(until { !page().contains("no new line read") }, "\(page().prefix(2000))")
    }
}
