import Foundation
import LookoutCore

/// ExecProbe runs a Nagios-compatible plugin, so the thousands of existing monitoring plugins work unchanged:
/// exit 0 OK, 1 WARNING (degraded), 2 CRITICAL (down), 3 UNKNOWN or anything else (down, with the reason). The first
/// line of output is the summary (the `error` when not OK); perfdata after `|` goes into `details.perfdata`.
///
/// ```yaml
/// - id: acme-disk
///   exec: ["/usr/lib/nagios/plugins/check_disk", "-w", "10%", "-c", "5%", "-p", "/"]
///   env: {API_TOKEN: "${ACME_TOKEN}"}
/// ```
/// The plugin runs in its own process group; at the timeout the whole group is killed, so a hung plugin and
/// anything it started never outlive the check.
public struct ExecProbe: ProbeKind {
    public static let name = "exec"
    public static let settingKeys: Set<String> = ["env"]

    public let arguments: [String]
    public let environment: [(String, String)]

    public var host: String? { nil }

    public init(target: ConfigNode, check: ConfigMapping, context: ConfigContext) throws {
        var args: [String]
        if case .sequence = target.node {
            args = try target.sequence().map { try $0.scalarText() }
        } else {
            args = try ExecProbe.split(target.string(), at: target)
        }
        guard let first = args.first, !first.isEmpty else { throw target.error("\(target.path) needs a program to run") }
        if first.contains("/"), !first.hasPrefix("/") { args[0] = context.directory + "/" + first }
        if args[0].contains("/"), context.checksRunHere {
            guard FileManager.default.isExecutableFile(atPath: args[0]) else {
                throw target.error("\(target.path): \(args[0]) is not an executable file")
            }
        }
        arguments = args
        environment = try (check["env"]?.namedEntries() ?? []).map { name, node in
            (name, try Secret.interpolate(node.scalarText(), environment: context.environment, at: node))
        }
    }

    /// Splits a command line on spaces, honouring single and double quotes (no shell is involved).
    static func split(_ line: String, at node: ConfigNode) throws -> [String] {
        var out: [String] = []
        var current = ""
        var quote: Character?
        var inWord = false
        for c in line {
            if let q = quote {
                if c == q { quote = nil } else { current.append(c) }
            } else if c == "\"" || c == "'" {
                quote = c
                inWord = true
            } else if c == " " || c == "\t" {
                if inWord { out.append(current); current = ""; inWord = false }
            } else {
                current.append(c)
                inWord = true
            }
        }
        guard quote == nil else { throw node.error("\(node.path) has an unterminated quote") }
        if inWord { out.append(current) }
        return out
    }

    public func run(_ run: ProbeRun) async -> ProbeOutcome {
        let args = arguments, env = environment
        let timeoutMs = run.timeout.milliseconds
        return await withCheckedContinuation { c in
            DispatchQueue.global().async {
                c.resume(returning: ExecProbe.execute(args, environment: env, timeoutMs: timeoutMs))
            }
        }
    }

    static func execute(_ args: [String], environment: [(String, String)], timeoutMs: Int64) -> ProbeOutcome {
        let started = ContinuousClock.now
        func elapsedMs() -> Double { (ContinuousClock.now - started).fractionalMilliseconds }
        let deadline = started + .milliseconds(timeoutMs)
        var out: [Int32] = [0, 0], err: [Int32] = [0, 0]
        guard pipe(&out) == 0, pipe(&err) == 0 else {
            return ProbeOutcome(ok: false, error: "cannot create a pipe: \(String(cString: strerror(errno)))")
        }
        let stdio = { (actions: inout posix_spawn_file_actions_t) in
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_adddup2(&actions, out[1], 1)
            posix_spawn_file_actions_adddup2(&actions, err[1], 2)
            for fd in out + err { posix_spawn_file_actions_addclose(&actions, fd) }
        }
        var spawned = ProcessGroupSpawn.spawn(args, environment: environment, stdio: stdio)
        // ETXTBSY: the plugin file is still open for writing somewhere (being installed, or inherited by a child
        // another thread forked mid-write); it clears within moments.
        for attempt in 0..<12 where spawned == .failure(.init(code: ETXTBSY)) {
            usleep(useconds_t(10_000 << min(attempt, 6)))  // up to about 3 s in all
            spawned = ProcessGroupSpawn.spawn(args, environment: environment, stdio: stdio)
        }
        close(out[1]); close(err[1])
        defer { close(out[0]); close(err[0]) }
        let pid: pid_t
        switch spawned {
        case .success(let p): pid = p
        case .failure(let failure):
            return ProbeOutcome(ok: false, error: "cannot run \(args[0]): \(failure.reason)")
        }
        var stdout: [UInt8] = [], stderr: [UInt8] = []
        var open = [out[0], err[0]]
        var timedOut = false
        var buf = [UInt8](repeating: 0, count: 8192)
        while !open.isEmpty {
            let ms = (deadline - ContinuousClock.now).pollMilliseconds
            if ms <= 0 { timedOut = true; break }
            var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let n = poll(&fds, nfds_t(fds.count), ms)
            if n < 0 && errno == EINTR { continue }
            if n == 0 { timedOut = true; break }
            for p in fds where p.revents != 0 {
                let got = read(p.fd, &buf, buf.count)
                if got <= 0 { open.removeAll { $0 == p.fd }; continue }
                if p.fd == out[0] { if stdout.count < 65536 { stdout += buf[..<got] } } else if stderr.count < 65536 { stderr += buf[..<got] }
            }
        }
        var status: Int32 = 0
        if !timedOut {
            // Output closed; the plugin should exit promptly, but it may not: keep to the deadline.
            while waitpid(pid, &status, WNOHANG) == 0 {
                if ContinuousClock.now >= deadline { timedOut = true; break }
                usleep(5000)
            }
        }
        if timedOut {
            kill(-pid, SIGKILL)
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            var o = ProbeOutcome(ok: false, error: "plugin timed out after \(Int(elapsedMs().rounded())) ms and was killed")
            o.latencyMs = ProbeOutcome.round(elapsedMs())
            return o
        }
        kill(-pid, SIGKILL)  // anything the plugin left running in its group
        let outcome = interpret(status: status, stdout: stdout, stderr: stderr)
        var o = outcome
        o.latencyMs = ProbeOutcome.round(elapsedMs())
        return o
    }

    /// Maps a finished plugin's wait status and output to an outcome.
    static func interpret(status: Int32, stdout: [UInt8], stderr: [UInt8]) -> ProbeOutcome {
        let exited = status & 0x7f == 0
        let code = exited ? Int((status >> 8) & 0xff) : -1
        let text = String(decoding: stdout.isEmpty ? stderr : stdout, as: UTF8.self)
        let firstLine = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: true).first.map(String.init) ?? ""
        var summary = firstLine
        var perfText = ""
        if let bar = firstLine.firstIndex(of: "|") {
            summary = String(firstLine[..<bar])
            perfText = String(firstLine[firstLine.index(after: bar)...])
        }
        // Nagios 3 plugins may continue perfdata on later lines after a second `|`.
        if let rest = text.split(separator: "\n", maxSplits: 1).dropFirst().first, let bar = rest.firstIndex(of: "|") {
            perfText += " " + rest[rest.index(after: bar)...].replacingOccurrences(of: "\n", with: " ")
        }
        summary = summary.trimmingCharacters(in: .whitespaces)
        let state = ["OK", "WARNING", "CRITICAL", "UNKNOWN"]
        var o = ProbeOutcome(ok: code == 0 || code == 1)
        o.degraded = code == 1
        var details: [JSONMember] = [
            JSONMember(key: "exit_code", value: exited ? .int(Int64(code)) : .null),
            JSONMember(key: "state", value: .string((0...3).contains(code) ? state[code] : "UNKNOWN")),
            JSONMember(key: "summary", value: .string(summary)),
        ]
        let perf = parsePerfdata(perfText)
        if !perf.isEmpty { details.append(JSONMember(key: "perfdata", value: .object(perf))) }
        o.details = details
        let shown = summary.isEmpty ? "no output" : summary
        switch code {
        case 0: break
        case 1: o.error = shown
        case 2: o.error = shown
        case 3: o.error = "UNKNOWN: \(shown)"
        case -1: o.error = "plugin killed by signal \(status & 0x7f)"
        default: o.error = "exit \(code) (not a Nagios state): \(shown)"
        }
        return o
    }

    /// `label=value[UOM];[warn];[crit];[min];[max]`, space-separated; labels may be 'quoted'.
    static func parsePerfdata(_ text: String) -> [JSONMember] {
        var members: [JSONMember] = []
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        while !rest.isEmpty {
            var label: Substring
            if rest.first == "'" {
                rest = rest.dropFirst()
                guard let q = rest.firstIndex(of: "'") else { break }
                label = rest[..<q]
                rest = rest[rest.index(after: q)...]
                guard rest.first == "=" else { break }
            } else {
                guard let eq = rest.firstIndex(of: "=") else { break }
                label = rest[..<eq]
                rest = rest[eq...]
            }
            rest = rest.dropFirst()
            let valueEnd = rest.firstIndex(where: { $0 == " " }) ?? rest.endIndex
            let fields = rest[..<valueEnd].split(separator: ";", omittingEmptySubsequences: false).map(String.init)
            rest = rest[valueEnd...].drop(while: { $0 == " " })
            guard let raw = fields.first else { continue }
            let numberPart = raw.prefix(while: { $0.isNumber || $0 == "." || $0 == "-" || $0 == "+" || $0 == "e" || $0 == "E" })
            var v: [JSONMember] = []
            if let d = Double(numberPart) { v.append(JSONMember(key: "value", value: .double(d))) } else { v.append(JSONMember(key: "value", value: .string(raw))) }
            let uom = raw.dropFirst(numberPart.count)
            if !uom.isEmpty { v.append(JSONMember(key: "uom", value: .string(String(uom)))) }
            for (k, name) in ["warn", "crit", "min", "max"].enumerated() where fields.count > k + 1 && !fields[k + 1].isEmpty {
                let f = fields[k + 1]
                v.append(JSONMember(key: name, value: Double(f).map { .double($0) } ?? .string(f)))
            }
            members.append(JSONMember(key: String(label).trimmingCharacters(in: .whitespaces), value: .object(v)))
        }
        return members
    }
}
