import Foundation
import Testing

/// The `nats:` section's credentials against a real `nats-server` that asks for them (docs/scaling.md): with the
/// right ones a probe's result goes through the stream to classify; with wrong ones (or none) both stages exit 64 at
/// once with one line on stderr naming the server and the refusal, never the secret.
@Suite(.serialized) struct NATSAuthTests {
    static let password = "pw-7c1f9e2a", token = "tok-5d83b0e4"

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        /// What the server asks of clients.
        let server: [String]
        /// The `nats:` section's lines; FOLDER is the test's temp folder.
        let nats: [String]
        let environment: [String: String]
        /// The content of FOLDER/nats-secret, for the `_file` forms.
        var file: String? = nil
        let accepted: Bool
        var testDescription: String { name }
    }

    static let userServer = ["--user", "lookout", "--pass", password], tokenServer = ["--auth", token]
    static let cases = [
        Case(name: "user and password from the environment", server: userServer,
             nats: ["user: lookout", "password: ${LOOKOUT_NATS_PASSWORD}"], environment: ["LOOKOUT_NATS_PASSWORD": password], accepted: true),
        Case(name: "user and password_file", server: userServer,
             nats: ["user: lookout", "password_file: FOLDER/nats-secret"], environment: [:], file: password + "\n", accepted: true),
        Case(name: "token from the environment", server: tokenServer,
             nats: ["token: ${LOOKOUT_NATS_TOKEN}"], environment: ["LOOKOUT_NATS_TOKEN": token], accepted: true),
        Case(name: "token_file", server: tokenServer,
             nats: ["token_file: FOLDER/nats-secret"], environment: [:], file: token, accepted: true),
        Case(name: "a wrong password", server: userServer,
             nats: ["user: lookout", "password: ${LOOKOUT_NATS_PASSWORD}"], environment: ["LOOKOUT_NATS_PASSWORD": "wrong-pw-41b7"], accepted: false),
        Case(name: "a wrong user", server: userServer,
             nats: ["user: someone", "password: ${LOOKOUT_NATS_PASSWORD}"], environment: ["LOOKOUT_NATS_PASSWORD": password], accepted: false),
        Case(name: "a wrong token", server: tokenServer,
             nats: ["token_file: FOLDER/nats-secret"], environment: [:], file: "wrong-tok-93aa", accepted: false),
        Case(name: "no credentials for a server that wants them", server: userServer,
             nats: ["stream: LOOKOUT"], environment: [:], accepted: false),
    ]

    /// `probe --once` publishing one result to `server`, then `classify` reading the subject, both with `nats` as
    /// the config's `nats:` section (FOLDER its temp folder).
    static func run(_ server: NATSServer, nats: [String], environment: [String: String], in folder: FileChain.Folder) throws
        -> (probe: ChildProcess.Output, classify: ChildProcess.Output) {
        let config = folder.path("lookout.yaml")
        try """
            tiers: {standard: {outage: warning, degraded: info}}
            nats:
            \(nats.map { "  " + $0.replacingOccurrences(of: "FOLDER", with: folder.dir.path) }.joined(separator: "\n"))
              spool_directory: "\(folder.dir.path)"
            sites: [{id: acme, tier: standard, checks: [{id: acme-home, tcp: "127.0.0.1:\(LoopbackPort.free())"}]}]
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let probe = try ChildProcess.run("probe", ["--config", config, "--once", "--location", "lon", "--output", "\(server.url)/lookout.results.lon"],
                                         environment: environment, timeout: 60)
        let classify = try ChildProcess.run("classify", ["--config", config, "--input", "\(server.url)/lookout.results.>"],
                                            environment: environment, timeout: 60)
        return (probe, classify)
    }

    static func resultsRead(_ classify: ChildProcess.Output) -> Int {
        classify.stdoutLines.filter { $0.contains("\"type\":\"result\"") && $0.contains("\"check\":\"acme-home\"") }.count
    }

    @Test(arguments: cases) func credentials(_ c: Case) throws {
        let folder = try FileChain.Folder()
        defer { folder.remove() }
        let server = try NATSServer(store: folder.dir.appendingPathComponent("js"), arguments: c.server)
        defer { server.stop() }
        if let file = c.file { try file.write(toFile: folder.path("nats-secret"), atomically: true, encoding: .utf8) }
        let (probe, classify) = try Self.run(server, nats: c.nats, environment: c.environment, in: folder)
        if c.accepted {
            #expect(probe.status == 0, "\(probe.stderrText)")
            #expect(classify.status == 0, "\(classify.stderrText)")
            #expect(Self.resultsRead(classify) == 1, "\(classify.stdoutText) \(classify.stderrText); server: \(server.logTail)")
            return
        }
        let secrets = [Self.password, Self.token] + c.environment.values + [c.file].compactMap { $0 }
        for (stage, run) in [("probe", probe), ("classify", classify)] {
            // The refusal can come at the first attempt or, on a loaded machine, a later one; the loops that wait for
            // the server end the stage with it either way. Before it, a warning that the server is being waited for
            // may come (it looked like an outage then); the refusal is the stage's last line.
            #expect(run.status == 64, "\(stage): \(run.stderrText)")
            let lines = run.stderrText.split(separator: "\n")
            // Refused at an attempt whose error said so, or closed by nats.c after the second refusal, when its last
            // error often says only "No server available" (NATSConnection.refusal).
            #expect(lines.last.map { $0.hasPrefix("\(server.url) refused the credentials of the config's nats: section")
                        || $0.hasPrefix("\(server.url) closed the connection for good") } == true, "\(stage): \(run.stderrText)")
            #expect(lines.dropLast().allSatisfy { $0.contains("warning") }, "\(stage): \(run.stderrText)")
            #expect(!secrets.contains { run.stderrText.contains($0.trimmingCharacters(in: .whitespacesAndNewlines)) }, "\(stage): \(run.stderrText)")
        }
    }

    /// A server that requires TLS: `ca_file` naming the CA that signed its certificate carries the result; another
    /// CA, or none, reads nothing and stops both stages with exit 64.
    @Test(arguments: [("its own CA", "server", true), ("another CA", "other", false), ("no ca_file", nil, false)])
    func tlsWithTheCAFile(_ name: String, _ ca: String?, _ accepted: Bool) throws {
        let folder = try FileChain.Folder()
        defer { folder.remove() }
        let certificates = try ServerCertificateFiles(in: folder.dir)
        let other = try ServerCertificateFiles(in: folder.dir, name: "other")
        let server = try NATSServer(store: folder.dir.appendingPathComponent("js"), tls: certificates)
        defer { server.stop() }
        let nats = ca.map { ["ca_file: \"\($0 == "server" ? certificates.caFile : other.caFile)\""] } ?? ["stream: LOOKOUT"]
        let (probe, classify) = try Self.run(server, nats: nats, environment: [:], in: folder)
        if accepted {
            #expect(probe.status == 0, "\(probe.stderrText)")
            #expect(classify.status == 0 && Self.resultsRead(classify) == 1, "\(classify.stdoutText) \(classify.stderrText); server: \(server.logTail)")
        } else {
            // nats.c closes a connection whose TLS it cannot agree with: a lasting refusal, not an outage to wait
            // through, so both stages stop with the one line and exit 64 (they waited, or spilled, before).
            for (stage, run) in [("probe", probe), ("classify", classify)] {
                #expect(run.status == 64, "\(stage): \(run.stderrText)")
                #expect(run.stderrText.split(separator: "\n").last?.hasPrefix("\(server.url) closed the connection for good") == true,
                        "\(stage): \(run.stderrText)")
            }
            #expect(Self.resultsRead(classify) == 0)
        }
    }
}
