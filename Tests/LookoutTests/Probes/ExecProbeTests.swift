import Foundation
@testable import LookoutCore
@testable import LookoutProbe
import Testing

@Suite struct ExecProbeTests {
    static func plugin(_ body: String) throws -> (dir: URL, path: String) {
        let dir = try ProbeTestSupport.tempDirectory()
        let path = dir.appendingPathComponent("check_thing").path
        try "#!/bin/sh\n\(body)\n".write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
        return (dir, path)
    }

    struct Case: Sendable {
        var script: String
        var ok: Bool
        var degraded: Bool
        var error: String?
        var state: String
    }

    @Test(arguments: [
        Case(script: "echo 'DISK OK - free space: / 3326 MB (56%) | /=2643MB;5948;5958;0;5968'; exit 0",
             ok: true, degraded: false, error: nil, state: "OK"),
        Case(script: "echo 'DISK WARNING - free space: / 300 MB (6%)'; exit 1",
             ok: true, degraded: true, error: "DISK WARNING - free space: / 300 MB (6%)", state: "WARNING"),
        Case(script: "echo 'DISK CRITICAL - free space: / 30 MB (1%)|/=5938MB;5948;5958'; exit 2",
             ok: false, degraded: false, error: "DISK CRITICAL - free space: / 30 MB (1%)", state: "CRITICAL"),
        Case(script: "echo 'cannot stat /nope' >&2; exit 3",
             ok: false, degraded: false, error: "UNKNOWN: cannot stat /nope", state: "UNKNOWN"),
        Case(script: "exit 7", ok: false, degraded: false, error: "exit 7 (not a Nagios state): no output", state: "UNKNOWN"),
    ])
    func nagiosStates(_ c: Case) async throws {
        let (dir, path) = try Self.plugin(c.script)
        defer { try? FileManager.default.removeItem(at: dir) }
        let check = try ProbeTestSupport.check("- id: acme-disk\n  exec: \(path)")
        let o = await ProbeTestSupport.run(check)
        #expect(o.ok == c.ok)
        #expect(o.degraded == c.degraded)
        #expect(o.error == c.error)
        #expect(o.details.first { $0.key == "state" }?.value == .string(c.state))
    }

    @Test func perfdataIntoDetails() {
        let members = ExecProbe.parsePerfdata("/=2643MB;5948;5958;0;5968 'inode ratio'=12%;;;0;100 load1=0.5")
        #expect(members.map(\.key) == ["/", "inode ratio", "load1"])
        #expect(members[0].value == .object([
            JSONMember(key: "value", value: .double(2643)), JSONMember(key: "uom", value: .string("MB")),
            JSONMember(key: "warn", value: .double(5948)), JSONMember(key: "crit", value: .double(5958)),
            JSONMember(key: "min", value: .double(0)), JSONMember(key: "max", value: .double(5968)),
        ]))
        #expect(members[1].value["max"] == .double(100))
        #expect(members[2].value["value"] == .double(0.5))
    }

    @Test func argumentsAndEnvironmentReachThePlugin() async throws {
        let (dir, path) = try Self.plugin(#"echo "OK - $1 $2 token=$TOKEN"; exit 0"#)
        defer { try? FileManager.default.removeItem(at: dir) }
        let check = try ProbeTestSupport.check("""
            - id: acme-disk
              exec: ["\(path)", "-w", "10% free"]
              env: {TOKEN: "${PLUGIN_TOKEN}"}
            """, environment: ["PLUGIN_TOKEN": "tok-abc-123"])
        let o = await ProbeTestSupport.run(check)
        #expect(o.ok)
        #expect(o.details.first { $0.key == "summary" }?.value == .string("OK - -w 10% free token=tok-abc-123"))
    }

    @Test func hungPluginIsKilledWithItsChildren() async throws {
        let dir = try ProbeTestSupport.tempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let marker = dir.appendingPathComponent("child.pid").path
        let (pdir, path) = try Self.plugin("sleep 120 & echo $! > \(marker); sleep 120")
        defer { try? FileManager.default.removeItem(at: pdir) }
        let check = try ProbeTestSupport.check("- id: acme-hung\n  exec: \(path)\n  timeout: 1s")
        let started = ContinuousClock.now
        let o = await ProbeTestSupport.run(check)
        // The plugin sleeps 120 s; being back before that means it was killed at the timeout (the margin is for a
        // loaded 2-core machine, where the answer once took 63 s; the error below says which way it ended).
        #expect(ContinuousClock.now - started < .seconds(110))
        #expect(!o.ok)
        #expect(o.error?.hasPrefix("plugin timed out after ") == true)
        let childPID = try #require(Int32(String(contentsOfFile: marker, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        try await Task.sleep(for: .milliseconds(100))
        // The background child was in the plugin's process group and died with it (it may linger as a zombie of
        // init until reaped, so look at its state rather than its existence).
        let stat = (try? String(contentsOfFile: "/proc/\(childPID)/stat", encoding: .utf8)) ?? ""
        #expect(stat.isEmpty || stat.contains(") Z "))
    }

    @Test(arguments: [
        (#"a "b c" 'd e' f"#, ["a", "b c", "d e", "f"]),
        ("  check_disk   -w 10%  ", ["check_disk", "-w", "10%"]),
    ])
    func splitsCommandLines(line: String, expected: [String]) throws {
        let node = try ConfigNode.parse(yaml: "x", file: "t")
        #expect(try ExecProbe.split(line, at: node) == expected)
    }
}
