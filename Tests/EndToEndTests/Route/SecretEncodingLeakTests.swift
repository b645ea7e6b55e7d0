import Foundation
import LookoutCore
import Testing

/// Every sink that holds a secret (Slack by webhook and by bot token, Teams, webhook, Zendesk, Freshdesk, PagerDuty,
/// http_ticket; email has none: its sendmail keeps its own credentials) and report, against a receiver that answers 401 and echoes the credential the request carried, in each
/// encoding a server may use (raw, JSON-escaped with `\/`, percent-encoded, base64), after 171 bytes of padding
/// so the secret straddles the 200-byte cut of the error text: no form of any secret reaches stdout, stderr or the
/// dead letter kept in the SQLite outbox.
@Suite struct SecretEncodingLeakTests {
    enum Echo: String, CaseIterable, Sendable { case raw, jsonEscaped, percentEncoded, base64, base64OfCredential }

    static func encode(_ text: String, _ echo: Echo) -> String {
        switch echo {
        case .raw: text
        case .jsonEscaped: text.replacingOccurrences(of: "/", with: "\\/")
        case .percentEncoded: text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
        case .base64: Data(text.utf8).base64EncodedString()
        // The Basic credential alone, without "Basic ": what a helpdesk echoing `email/token:TOKEN` shows.
        case .base64OfCredential: text.hasPrefix("Basic ") ? String(text.dropFirst(6)) : text
        }
    }

    /// The secret-bearing part of a request: the Authorization (or http_ticket's X-Api-Key) header when there is one,
    /// else PagerDuty's routing key in the body, else the path and query.
    static func credential(_ r: RecordingServer.Request) -> String {
        r.header("Authorization") ?? r.header("X-Api-Key") ?? ((r.json as? [String: Any])?["routing_key"] as? String) ?? r.uri
    }

    static func forms(_ secret: String) -> [String] {
        [secret, secret.replacingOccurrences(of: "/", with: "\\/"),
         secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? secret,
         Data(secret.utf8).base64EncodedString()]
    }

    @Test(arguments: Echo.allCases)
    func noEncodingOfASecretLeaksFromRoute(_ echo: Echo) throws {
        let dir = try RouteProcessTests.TempDir()
        let server = try RecordingServer { r, _ in
            .init(status: 401, body: String(repeating: "x", count: 150) + " invalid credentials " + SecretEncodingLeakTests.encode(SecretEncodingLeakTests.credential(r), echo))
        }
        defer { server.shutdown() }
        let routing = """
          retry: {base: 50ms, max_attempts: 1}
          group_wait: 0s
          sinks:
            chat: {kind: slack, webhook_url: "${SLACK_OUTAGES}"}
            hook: {kind: webhook, url: "${HOOK_URL}", headers: {Authorization: "Bearer ${HOOK_TOKEN}"}}
            zd: {kind: zendesk, url: "${DESK_URL}", email: ops@agency.example, token: "${ZENDESK_TOKEN}"}
            fd: {kind: freshdesk, url: "\(server.baseURL)", api_key: "${FRESHDESK_KEY}", incident_field: cf_incident}
            bot: {kind: slack, bot_token: "${BOT_TOKEN}", channel: C0OUTAGES, api_url: "${DESK_URL}/api"}
            teams: {kind: teams, webhook_url: "${TEAMS_URL}"}
            pd: {kind: pagerduty, routing_key: "${PD_KEY}", url: "${DESK_URL}/v2/enqueue"}
            tk: {kind: http_ticket, headers: {X-Api-Key: "${TICKET_KEY}"}, open: {url: "\(server.baseURL)/tickets", body: '{"text": {{body}}}', ref: id}}
          routes:
            - {sinks: [chat, hook, zd, fd, bot, teams, pd, tk]}
        """
        try RouteHarness.config(routing: routing).write(toFile: dir.path("config.yaml"), atomically: true, encoding: .utf8)
        // With a browser check's screenshot, so Zendesk's upload and Freshdesk's multipart create are asked too.
        var opening = RouteHarness.incident(1, .opened, at: 90)
        opening.screenshot = dir.path("shot.png")
        try Data(TicketScreenshotTests.png).write(to: URL(fileURLWithPath: dir.path("shot.png")))
        try RouteProcessTests.write([opening], to: dir.path("in.ndjson"))
        var env = RouteHarness.environment
        env["SLACK_OUTAGES"] = server.baseURL + "/services/T000SECRET/B000SECRET/XXXXwebhookSECRET"
        env["HOOK_URL"] = server.baseURL + "/hook/pathSECRETvalue"
        env["DESK_URL"] = server.baseURL
        env["BOT_TOKEN"] = "xoxb-000SECRET-botTOKENsecretVALUE"
        env["TEAMS_URL"] = server.baseURL + "/workflows/run?api-version=1&sig=TEAMSsigSECRETvalue"
        env["PD_KEY"] = "pdROUTINGkeySECRET0123456789"
        env["TICKET_KEY"] = "ticketAPIkeySECRETvalue"
        let run = try ChildProcess.run("route", ["--config", dir.path("config.yaml"), "--input", dir.path("in.ndjson"),
                                                 "--state", dir.path("outbox.sqlite")], environment: env, timeout: 60)
        #expect(run.status == 0, "\(run.stderrText)")
        #expect(server.requests.count >= 8)
        #expect(server.requests.contains { $0.path == "/api/v2/uploads.json" } && server.requests.contains { $0.boundary != nil },
                "the screenshot's upload and multipart create were sent, with their credentials")
        let stored = (try? Data(contentsOf: URL(fileURLWithPath: dir.path("outbox.sqlite")))).map { String(decoding: $0, as: UTF8.self) } ?? ""
        let secrets = ["/services/T000SECRET/B000SECRET/XXXXwebhookSECRET", "/hook/pathSECRETvalue", RouteHarness.zendeskToken,
                       RouteHarness.freshdeskKey, RouteHarness.hookToken, "T000SECRET", "XXXXwebhookSECRET", "pathSECRETvalue",
                       "xoxb-000SECRET-botTOKENsecretVALUE", "sig=TEAMSsigSECRETvalue", "TEAMSsigSECRETvalue",
                       "pdROUTINGkeySECRET0123456789", "ticketAPIkeySECRETvalue"]
            + server.requests.map(SecretEncodingLeakTests.credential)
        for secret in Set(secrets) {
            for form in SecretEncodingLeakTests.forms(secret) + [SecretEncodingLeakTests.encode(secret, echo)] {
                // A prefix of 16 characters is enough to recognise a leaked (or cut) secret.
                let probe = String(form.prefix(16))
                #expect(!run.stdoutText.contains(probe), "stdout leaks \(echo) \(form.prefix(4))…")
                #expect(!run.stderrText.contains(probe), "stderr leaks \(echo) \(form.prefix(4))…")
                #expect(!stored.contains(probe), "the outbox leaks \(echo) \(form.prefix(4))…")
            }
        }
    }

    @Test(arguments: Echo.allCases)
    func noEncodingOfTheWebhookLeaksFromReport(_ echo: Echo) throws {
        let server = try RecordingServer { r, _ in
            .init(status: 401, body: String(repeating: "x", count: 157) + " no_service " + SecretEncodingLeakTests.encode(r.uri, echo))
        }
        defer { server.shutdown() }
        let tmp = try Fixtures.tempFolder("report-leak")
        defer { try? FileManager.default.removeItem(at: tmp) }
        let (config, _) = try ReportExecutableTests.configWithSlackWebhook(in: tmp)
        var env = ProcessInfo.processInfo.environment
        env["REPORT_HOOK"] = server.baseURL + "/services/T111SECRET/B111SECRET/YYYYreportSECRET"
        let run = try ChildProcess.run("report", ["--config", config.path, "--day", "2026-11-25", "--format", "slack",
                                                  ReportExecutableTests.log], environment: env, timeout: 60)
        #expect(run.status == 74, "\(run.stderrText)")
        for form in SecretEncodingLeakTests.forms("/services/T111SECRET/B111SECRET/YYYYreportSECRET") + ["T111SECRET", "YYYYreportSECRET"] {
            let probe = String(form.prefix(16))
            #expect(!run.stderrText.contains(probe) && !run.stdoutText.contains(probe), "report leaks \(echo) \(form.prefix(4))…")
        }
    }
}
