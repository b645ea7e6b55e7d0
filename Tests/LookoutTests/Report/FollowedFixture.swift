import Foundation
import Logging
@testable import LookoutCore
@testable import LookoutReport

/// FollowedFixture is the fixture day's classified lines (not its deliveries) in a temporary folder, followed in
/// process by a `StatusFollower` whose wall clock the test moves (a minute of silence takes no real time).
final class FollowedFixture {
    let dir: URL
    let input: String
    let site: String
    let lines: [String]
    let follower: StatusFollower
    let clock = Locked(Date(timeIntervalSince1970: 1_800_000_000))
    private let done = DispatchSemaphore(value: 0)

    /// Writes the lines less the last `held` of them and starts following.
    init(label: String, holdingBack held: Int = 0) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        lines = try String(contentsOfFile: ReportFixture.path("day.in.ndjson"), encoding: .utf8)
            .split(separator: "\n").map(String.init).filter { !$0.contains("\"type\":\"delivery\"") && $0.hasPrefix("{") }
        input = dir.appendingPathComponent("classified.ndjson").path
        try (lines.dropLast(held).joined(separator: "\n") + "\n").write(toFile: input, atomically: true, encoding: .utf8)
        let config = try Config.load(path: ReportFixture.path("day.config.yaml"), environment: [:])
        site = dir.appendingPathComponent("site").path
        follower = StatusFollower(directory: site, inputs: [input], rejectsPath: nil, config: config, logger: Logger(label: "test"))
        let clock = self.clock, follower = self.follower, done = self.done
        follower.wallClock = { clock.value }
        Thread { _ = follower.run(installingSignalHandlers: false); done.signal() }.start()
    }

    /// Stops the follower and removes the folder.
    func stop() {
        follower.stop.set()
        _ = done.wait(timeout: .now() + 30)
        try? FileManager.default.removeItem(at: dir)
    }

    func append(_ line: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: input))
        handle.seekToEndOfFile()
        handle.write(Data((line + "\n").utf8))
        try handle.close()
    }

    /// A file of the site ("" until it is written).
    func text(_ path: String) -> String { (try? String(contentsOfFile: site + "/" + path, encoding: .utf8)) ?? "" }

    /// Polls `condition` for up to 30 s.
    static func until(_ condition: () -> Bool) -> Bool {
        for _ in 0..<600 where !condition() { usleep(50_000) }
        return condition()
    }
}
