import Foundation

/// BackgroundStage runs a built executable as a long-lived child (a follower), its stdout and stderr going to
/// files (stderr appended across restarts) so a test can read them at any time; the test stops it with `terminate()` or `kill9()`.
final class BackgroundStage {
    let process = Process()
    let stderrPath: String
    let started = Date()

    /// `environment`: added to the test's own environment (secrets a config names as `${VAR}`).
    init(_ name: String, _ arguments: [String], in dir: URL, tag: String, environment: [String: String] = [:]) throws {
        process.executableURL = ChildProcess.executable(name)
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ChildProcess.environment(adding: environment)
        }
        stderrPath = dir.appendingPathComponent("\(tag).stderr").path
        if !FileManager.default.fileExists(atPath: stderrPath) { _ = FileManager.default.createFile(atPath: stderrPath, contents: nil) }
        let err = FileHandle(forWritingAtPath: stderrPath)!
        err.seekToEndOfFile()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// SIGKILL: the crash a supervisor heals.
    func kill9() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM, then SIGKILL if it has not stopped within `grace` seconds; returns the exit status.
    @discardableResult
    func terminate(grace: Double = 10) -> Int32 {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        let deadline = Date().addingTimeInterval(grace)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return process.terminationStatus
    }
}

/// Waits until `condition` holds or `timeout` seconds pass; returns whether it held.
func eventually(timeout: Double = 30, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        usleep(20_000)
    }
    return condition()
}

/// Waits as `eventually` does, but suspended instead of sleeping on a thread: a test that waits for a minute must not
/// hold one of the cooperative pool's few threads (one per core), which other tests' awaits and in-process servers
/// need meanwhile.
/// Bounded by a number of 20 ms looks, not the wall clock, for the reason `RecordingServer.arrived` gives.
func waitUntil(timeout: Double = 30, _ condition: () -> Bool) async -> Bool {
    for _ in 0..<Int(timeout / 0.02) {
        if condition() { return true }
        try? await Task.sleep(nanoseconds: 20_000_000)
    }
    return condition()
}

/// A deterministic generator, so a failing fault run can be repeated from its seed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func next() -> UInt64 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        var z = state
        z = (z ^ (z >> 33)) &* 0xFF51_AFD7_ED55_8CCD
        return z ^ (z >> 33)
    }
}
