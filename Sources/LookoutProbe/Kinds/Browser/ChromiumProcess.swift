import Foundation
import LookoutCore

/// ChromiumProcess is one headless Chromium in a process group of its own, with a throwaway profile folder. It is
/// found by its DevTools socket (`--remote-debugging-port=0` writes the port it chose to `DevToolsActivePort` in the
/// profile), measured by the proportional memory (PSS) of its whole group, and ended by killing that group.
final class ChromiumProcess: Sendable {
    let pid: pid_t
    /// `ws://127.0.0.1:PORT/devtools/browser/ID`
    let webSocketURL: String
    let profile: String
    /// Set once the browser process has been reaped: from then on its pid may name someone else's group.
    private let reaped = Locked(false)

    /// Flags for a monitor: no first-run work, no background traffic of its own, a fixed window size. WSClient sends
    /// `Origin: ws://127.0.0.1` on the upgrade, which Chromium refuses unless allowed; no web page can have that
    /// origin, so allowing it lets no page reach the DevTools socket.
    static let flags = [
        "--headless", "--disable-gpu", "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1",
        "--remote-allow-origins=ws://127.0.0.1",
        "--no-first-run", "--no-default-browser-check", "--disable-background-networking", "--disable-component-update",
        "--disable-default-apps", "--disable-extensions", "--disable-sync", "--disable-breakpad", "--disable-crash-reporter",
        "--disable-dev-shm-usage", "--metrics-recording-only", "--mute-audio", "--hide-scrollbars",
        "--password-store=basic", "--use-mock-keychain", "--window-size=1280,800",
    ]

    struct StartFailure: Error, CustomStringConvertible {
        var description: String
    }

    private init(pid: pid_t, webSocketURL: String, profile: String) {
        self.pid = pid
        self.webSocketURL = webSocketURL
        self.profile = profile
    }

    /// Starts `executable` and waits (polling, within `timeout`) for its DevTools socket. Blocking: call it off the
    /// event loops.
    static func start(executable: String, timeout: Duration) throws -> ChromiumProcess {
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("lookout-chromium-\(UUID().uuidString)").path
        do {
            try FileManager.default.createDirectory(atPath: profile, withIntermediateDirectories: true)
        } catch {
            throw StartFailure(description: "cannot create a profile folder \(profile): \(error)")
        }
        var arguments = [executable] + flags + ["--user-data-dir=\(profile)"]
        // Chromium refuses to run as root with its sandbox; the probe often runs as root in containers.
        if geteuid() == 0 { arguments.append("--no-sandbox") }
        arguments.append("about:blank")
        let log = profile + "/chromium.log"
        // Crash reports and caches go into the profile too, never into the probe user's home.
        let spawned = ProcessGroupSpawn.spawn(arguments, environment: [("XDG_CONFIG_HOME", profile), ("XDG_CACHE_HOME", profile)]) { actions in
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 2, log, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        }
        let pid: pid_t
        switch spawned {
        case .success(let p):
            pid = p
            ChromiumProcess.running.withLock { _ = $0.insert(p) }
            ChromiumProcess.killAtExit
        case .failure(let failure):
            try? FileManager.default.removeItem(atPath: profile)
            throw StartFailure(description: "cannot run \(executable): \(failure.reason)")
        }
        let deadline = ContinuousClock.now + timeout
        let portFile = profile + "/DevToolsActivePort"
        while ContinuousClock.now < deadline {
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8) {
                let lines = text.split(separator: "\n")
                if lines.count >= 2, let port = Int(lines[0]) {
                    return ChromiumProcess(pid: pid, webSocketURL: "ws://127.0.0.1:\(port)\(lines[1])", profile: profile)
                }
            }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                Glibc.kill(-pid, SIGKILL)
                ChromiumProcess.running.withLock { _ = $0.remove(pid) }
                let tail = lastLines(of: log)
                try? FileManager.default.removeItem(atPath: profile)
                throw StartFailure(description: "\(executable) exited at start (status \(status))\(tail.isEmpty ? "" : ": \(tail)")")
            }
            usleep(20_000)
        }
        let process = ChromiumProcess(pid: pid, webSocketURL: "", profile: profile)
        let tail = lastLines(of: log)
        process.terminate()
        throw StartFailure(description: "\(executable) opened no DevTools socket within \(timeout)\(tail.isEmpty ? "" : ": \(tail)")")
    }

    /// The last lines Chromium wrote on stderr, one line, for a start failure's message.
    private static func lastLines(of log: String) -> String {
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        let lines = text.split(separator: "\n").filter { !$0.contains("dbus") }.suffix(2)
        return HTTPRequestSpec.oneLine(lines.joined(separator: " "))
    }

    /// Whether the browser process is still running. A browser found dead is reaped, and what is left of its group
    /// (renderers keep the group's number alive) is killed at once, before the number can be handed out again.
    var isRunning: Bool {
        let running = reaped.withLock { reaped in
            if reaped { return false }
            var status: Int32 = 0
            guard waitpid(pid, &status, WNOHANG) == pid else { return true }
            Glibc.kill(-pid, SIGKILL)
            reaped = true
            return false
        }
        if !running { ChromiumProcess.running.withLock { _ = $0.remove(pid) } }
        return running
    }

    /// Browsers this process started and has not killed yet.
    private static let running = Locked<Set<pid_t>>([])

    /// Kills every browser still running when the probe exits by `exit()` (a second SIGTERM exits at once, without
    /// waiting for `shutdown`); installed with the first browser. A probe killed with SIGKILL cannot do this: the
    /// systemd unit's control-group kill does (docs/probe.md).
    private static let killAtExit: Void = {
        atexit {
            for pid in ChromiumProcess.running.withLock({ $0 }) { Glibc.kill(-pid, SIGKILL) }
        }
    }()

    /// Kills the whole group (browser, renderers, GPU and utility processes), reaps the browser and removes the
    /// profile.
    func terminate() {
        ChromiumProcess.running.withLock { _ = $0.remove(pid) }
        reaped.withLock { reaped in
            guard !reaped else { return }
            Glibc.kill(-pid, SIGKILL)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            reaped = true
        }
        try? FileManager.default.removeItem(atPath: profile)
    }

    /// Asks the browser to quit (SIGTERM: it closes its pages and reaps its own processes, so their CPU time is
    /// accounted to the probe), then kills the group anyway after `grace`.
    func stop(grace: Duration) async {
        let signalled = reaped.withLock { reaped in reaped ? false : Glibc.kill(pid, SIGTERM) == 0 }
        if signalled {
            let deadline = ContinuousClock.now + grace
            while isRunning, ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(20))
            }
        }
        terminate()
    }

    /// The proportional set size of every process in the group, in bytes: shared pages are counted once between
    /// the processes sharing them, where adding up RSS would count the browser's libraries ten times over.
    var memoryBytes: Int {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return 0 }
        var total = 0
        for entry in entries where entry.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) {
            guard let pgid = ChromiumProcess.processGroup(of: entry), pgid == pid else { continue }
            total += ChromiumProcess.pssBytes(of: entry)
        }
        return total
    }

    /// Field 5 of `/proc/PID/stat`, read after the command name (which may hold spaces and parentheses).
    static func processGroup(of pid: String) -> pid_t? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 2 ? pid_t(fields[2]) : nil
    }

    static func pssBytes(of pid: String) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/smaps_rollup", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix("Pss:") {
            return (Int(line.dropFirst(4).split(separator: " ").first ?? "") ?? 0) * 1024
        }
        return 0
    }
}
