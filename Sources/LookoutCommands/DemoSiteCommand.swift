import ArgumentParser
import Foundation
import LookoutCore
import LookoutTesting

/// `probe demo-site`: the demo's loopback world on the standard ports of `pipelines/demo.yaml` (the target, the
/// #outages chat webhook, the helpdesk), printing on stdout, in plain words, what the channel and the helpdesk
/// receive. `pipelines/demo` runs it beside `probe --config pipelines/demo.yaml | classify | route`.
struct DemoSiteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo-site",
        abstract: "Serve the demo target, chat channel and helpdesk on 127.0.0.1 and print what they receive.",
        discussion: "Runs until SIGINT or SIGTERM. Exit status: 0 stopped, 69 a standard port is taken.")

    func run() async throws {
        Stage.ignoreSIGPIPE()
        let standard = DemoConfig.Ports.standard
        let transcript: @Sendable (String) -> Void = { text in
            let clock = DateFormatter()
            clock.dateFormat = "HH:mm:ss"
            FileHandle.standardOutput.write(Data("\(clock.string(from: Date()))  \(text)\n".utf8))
        }
        // A `probe --demo --once` may hold the ports for a moment: try for a few seconds.
        var site: DemoSite?
        var failure: (any Error)?
        for _ in 0..<25 where site == nil {
            do { site = try await DemoSite.start(ports: standard, transcript: transcript) } catch {
                failure = error
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
        guard let site else {
            Stage.fail("probe demo-site: cannot listen on 127.0.0.1:\(standard.site)-\(standard.helpdesk) (\(failure.map { "\($0)" } ?? "")); is another demo running?",
                       status: .unavailable)
        }
        await Self.waitForStop()
        await site.stop()
    }

    /// Returns on the first SIGINT or SIGTERM.
    static func waitForStop() async {
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let sources = [SIGINT, SIGTERM].map { DispatchSource.makeSignalSource(signal: $0, queue: .global()) }
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let once = Locked(false)
            for source in sources {
                source.setEventHandler {
                    if once.withLock({ fired in defer { fired = true }; return !fired }) { done.resume() }
                }
                source.resume()
            }
        }
        sources.forEach { $0.cancel() }
    }
}
