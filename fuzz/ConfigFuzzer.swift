// libFuzzer target for the config loader every stage runs at start (`Config.load` with every check and sink kind),
// built by fuzz/run with -sanitize=fuzzer. A config may be refused (ConfigError, exit 78 in a stage) but never
// trap; a refusal names a line inside the file.
import Foundation
import LookoutCommands
@testable import LookoutCore

/// The file each input is written to: `Config.load` is what the stages call (it also handles bytes that are not
/// UTF-8), and relative paths in the config resolve beside it. In memory where there is a tmpfs: a file written
/// through FileManager was synced to disk on every run, which held the fuzzer to 100 runs a second.
private let path: String = {
    let base = FileManager.default.fileExists(atPath: "/dev/shm") ? URL(fileURLWithPath: "/dev/shm") : FileManager.default.temporaryDirectory
    let dir = base.appendingPathComponent("lookout-fuzz-config-\(getpid())")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    directory = dir.path
    atexit { if let directory { try? FileManager.default.removeItem(atPath: directory) } }
    return dir.appendingPathComponent("lookout.yaml").path
}()
nonisolated(unsafe) private var directory: String?

private func write(_ data: UnsafePointer<UInt8>, _ size: Int) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    precondition(fd >= 0, "cannot write \(path)")
    defer { close(fd) }
    var done = 0
    while done < size {
        let n = Foundation.write(fd, data + done, size - done)
        precondition(n > 0, "cannot write \(path)")
        done += n
    }
}

/// Variables the fixtures' configs name, so their `${VAR}` expand and the fuzzer gets past them.
private let environment = [
    "SLACK_OUTAGES": "https://hooks.slack.com/services/T0/B0/fuzz", "SLACK_MONITORING": "https://hooks.slack.com/services/T0/B1/fuzz",
    "ZENDESK_TOKEN": "fuzz-token", "FRESHDESK_KEY": "fuzz-key", "HOOK_TOKEN": "fuzz-hook", "HOOK_URL": "https://hook.example/fuzz",
    "AUTOMATION_WEBHOOK": "https://automation.example/hook", "AUTOMATION_TOKEN": "fuzz", "SLACK_BOT_TOKEN": "xoxb-fuzz",
]

@_cdecl("LLVMFuzzerTestOneInput")
public func lookoutFuzzConfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    write(data, size)
    do {
        _ = try Config.load(path: path, environment: environment)
    } catch let error as ConfigError {
        let lines = UnsafeBufferPointer(start: data, count: size).count { $0 == 0x0A } + 1
        precondition(error.line >= 1 && error.line <= lines, "\(error.line) is not a line of the \(lines)-line file: \(error)")
    } catch {
        preconditionFailure("Config.load threw something else than a ConfigError: \(error)")
    }
    return 0
}
