import ArgumentParser
import Foundation
import LookoutCore
import LookoutProbe

/// `probe push`: post this host's load, memory, swap, disks and services to a heartbeat URL, from cron.
struct ProbePushCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Post this host's metrics to a heartbeat URL (one line in cron; docs/heartbeats.md).",
        discussion: "Exit status: 0 the receiver accepted the push, 69 it could not be delivered, 64 bad arguments.")

    @Option(name: .long, help: "The heartbeat URL, https://monitor.example/ping/<token>. Never printed.")
    var url: String

    @Option(name: .customLong("service"), help: "Report `systemctl is-active` of this service (repeatable).")
    var services: [String] = []

    @Option(name: .customLong("mount"), help: "Report only this mount point (repeatable); every real filesystem if omitted.")
    var mounts: [String] = []

    @Option(name: .long, help: "Give up after this long, e.g. 10s.")
    var timeout = "10s"

    @Flag(name: .long, help: "Print the metrics document instead of sending it.")
    var dryRun = false

    func validate() throws {
        // Never echo the URL: it holds the heartbeat's token.
        if let problem = url.httpURLProblem { throw ValidationError("--url \(problem)") }
        guard let span = TimeSpan(parsing: timeout), span <= TimeSpan.maxConfigured else { throw ValidationError("--timeout must be a duration such as 10s") }
    }

    func run() async throws {
        Redactor.shared.register(url)
        let document = HostMetrics.collect(mounts: mounts, services: services, at: SystemClock().now())
        if dryRun {
            print(document.jsonText)
            return
        }
        do {
            try await HostPush.send(document, to: url, timeout: TimeSpan(parsing: timeout)!)
        } catch {
            FileHandle.standardError.write(Data("probe push: \(Redactor.shared.redact("\(error)"))\n".utf8))
            throw ExitCode(69)
        }
    }
}
