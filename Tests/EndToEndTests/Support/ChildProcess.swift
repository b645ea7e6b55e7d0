import Foundation

/// ChildProcess runs one of the built executables as a real child process, feeding stdin from another thread so a
/// large input can never deadlock against a full stdout pipe.
struct ChildProcess {
    struct Output {
        var status: Int32
        var stdout: Data
        var stderr: Data
        var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
        var stderrText: String { String(decoding: stderr, as: UTF8.self) }
        var stdoutLines: [String] { stdoutText.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).dropLastIfEmpty() }
    }

    /// The folder holding the built products: `swift test` builds the executables there because this target
    /// depends on them.
    static let productsDirectory: URL = {
        let bundle = Bundle.main.bundleURL
        if bundle.pathExtension == "xctest" { return bundle.deletingLastPathComponent() }
        for candidate in [bundle, bundle.deletingLastPathComponent()]
        where FileManager.default.fileExists(atPath: candidate.appendingPathComponent("probe").path) {
            return candidate
        }
        return bundle
    }()

    static func executable(_ name: String) -> URL { productsDirectory.appendingPathComponent(name) }

    /// This process's environment with `extra` added (a child's `environment:` replaces the whole environment).
    static func environment(adding extra: [String: String]) -> [String: String] {
        ProcessInfo.processInfo.environment.merging(extra) { _, new in new }
    }

    /// Runs the built executable `name` with `arguments`, writes `stdin`, waits for it to exit (killing it after
    /// `timeout` seconds).
    static func run(_ name: String, _ arguments: [String], stdin: Data = Data(), environment: [String: String]? = nil,
                    timeout: TimeInterval = 60) throws -> Output {
        try run(path: executable(name).path, arguments, stdin: stdin, environment: environment, timeout: timeout)
    }

    /// Runs the program at `path` (a script, a system tool) as `run(_:_:)` does: no wait in a test is unbounded.
    static func run(path: String, _ arguments: [String], stdin: Data = Data(), environment: [String: String]? = nil,
                    timeout: TimeInterval = 60) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let writer = Thread {
            input.fileHandleForWriting.write(stdin)
            try? input.fileHandleForWriting.close()
        }
        writer.start()
        let out = Collected(), err = Collected()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { out.data = output.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.enter()
        DispatchQueue.global().async { err.data = errors.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        if group.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            kill(process.processIdentifier, SIGKILL)
            // A grandchild may still hold the pipes open: give it a while, then return what was read.
            _ = group.wait(timeout: .now() + 10)
        }
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: out.data, stderr: err.data)
    }

    /// Collected is written by one reader thread and read after the group has finished (or been given up on).
    final class Collected: @unchecked Sendable {
        private let lock = NSLock()
        private var stored = Data()
        var data: Data {
            get { lock.withLock { stored } }
            set { lock.withLock { stored = newValue } }
        }
    }
}

extension Array where Element == String {
    func dropLastIfEmpty() -> [String] { last == "" ? Array(dropLast()) : self }
}

/// Fixtures locates the repository and its test fixtures from this source file, so tests read them in place, and
/// makes the temp folders tests work in.
enum Fixtures {
    /// The repository's root: where pipelines/, docs/ and bench/ are.
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let root = repository.appendingPathComponent("Tests/LookoutTests/Fixtures")

    /// A new empty folder under the temp directory, named after `label`; the caller removes it.
    static func tempFolder(_ label: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lookout-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static func url(_ path: String) -> URL { root.appendingPathComponent(path) }

    /// Re-record golden outputs instead of comparing (the run still fails, so a re-record is never mistaken for a pass).
    static var recording: Bool { ProcessInfo.processInfo.environment["LOOKOUT_RECORD"] == "1" }
}
