import Foundation
import LookoutCore

/// EmailSink mails the client through the system's `sendmail -t` interface (msmtp, Postfix, exim all provide one):
/// the fallback every helpdesk accepts, since each turns mail into tickets. Message ids derive from the delivery key,
/// so a repeat after a crash carries the same `Message-ID`, and updates and the resolve reply to the opening's
/// message (`In-Reply-To`), which helpdesks and mail clients thread on.
public struct EmailSink: Sink {
    public static let kind = "email"
    public static let settingKeys: Set<String> = ["from", "to", "to_contact", "sendmail", "args", ActionLinks.settingKey]
    /// sysexits a mailer returns for a message that will never go: usage, data, no user, no host, no permission, config.
    static let permanentStatuses: Set<Int32> = [64, 65, 67, 68, 77, 78]

    public let name: String
    let from: String
    let to: [String]
    let toContact: Bool
    let command: String
    let arguments: [String]
    /// For the screenshot link only: a mail carries no one-tap actions (it may reach the client).
    let links: ActionLinks?
    public var isTicketSink: Bool { true }
    // Different incidents go in parallel, fewer than over HTTP: each message is a sendmail process and an SMTP connection.
    public var defaultConcurrency: Int { 4 }
    /// A public note is mailed, in the opening's thread: the client kept informed. An ack or an internal note only
    /// when the mail reaches the team alone (`to_contact: false`).
    public func takesNote(isPublic: Bool) -> Bool { isPublic || !toContact }

    public init(name: String, settings: ConfigMapping, context: ConfigContext) throws {
        self.name = name
        from = try EmailSink.address(try settings.required("from"))
        to = try settings["to"]?.list().map(EmailSink.address) ?? []
        toContact = try settings["to_contact"]?.bool() ?? true
        guard toContact || !to.isEmpty else { throw settings.owner.error("sink \(name) (email) sends to nobody: give to, or leave to_contact on") }
        command = try settings["sendmail"]?.string() ?? "/usr/sbin/sendmail"
        arguments = try settings["args"]?.list().map { try Secret.interpolate(try $0.string(), environment: context.environment, at: $0) } ?? []
        links = try ActionLinks.configured(settings, context: context)
    }

    static func address(_ node: ConfigNode) throws -> String {
        let text = try node.string()
        guard text.contains("@"), !text.contains(where: { $0 == "\r" || $0 == "\n" || $0 == " " || $0 == "," }) else {
            throw node.error("\(node.path) must be one email address")
        }
        return text
    }

    /// `<acme-home.1795000000000.opened.outages@lookout>`: the key, reduced to characters a message id may hold.
    static func messageID(_ key: String) -> String {
        let safe = String(key.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." ? $0 : "." })
        return "<\(safe)@lookout>"
    }

    /// A header value on one line, RFC 2047-encoded when it is not plain ASCII.
    static func header(_ text: String) -> String {
        let line = text.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        guard line.unicodeScalars.contains(where: { !$0.isASCII }) else { return line }
        return "=?UTF-8?B?\(Data(line.utf8).base64EncodedString())?="
    }

    static func date(_ t: Timestamp) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return f.string(from: Date(timeIntervalSince1970: TimeInterval(t.milliseconds) / 1000))
    }

    func message(_ d: OutboxDelivery, recipients: [String], now: Timestamp) -> String {
        var headers = [
            "From: \(from)",
            "To: \(recipients.joined(separator: ", "))",
            "Subject: \(EmailSink.header((d.event == .opened ? "" : "Re: ") + IncidentText.subject(d)))",
            "Date: \(EmailSink.date(now))",
            "Message-ID: \(EmailSink.messageID(d.key))",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
            "X-Lookout-Incident: \(EmailSink.header(d.incident.id))",
        ]
        // Same Message-ID as the attempt in flight at the crash (many mail systems drop the repeat by it), and
        // the body's first line says so for those that do not.
        if d.repeatedAfterRestart { headers.append("X-Lookout-Repeated: \(IncidentText.repeated)") }
        if d.event != .opened {
            let opening = EmailSink.messageID(IncidentRouter.key(d.incident.id, .opened, at: d.incident.at, sink: d.sink))
            headers += ["In-Reply-To: \(opening)", "References: \(opening)"]
        }
        let body = d.note.map(\.body) ?? IncidentText.ticketBody(d) + screenshotLine(d)
        return headers.joined(separator: "\r\n") + "\r\n\r\n" + body.replacingOccurrences(of: "\n", with: "\r\n") + "\r\n"
    }

    /// The screenshot of a failed browser run, on a line of its own after the body: its link, or, in a mail only the
    /// team reads (`to_contact: false`), its path on the monitor; a client is not sent a path it cannot open.
    func screenshotLine(_ d: OutboxDelivery) -> String {
        if let link = links?.screenshot(d) { return "\nScreenshot of the page: \(link.url)" }
        if !toContact, let path = ActionLinks.unlinkedScreenshot(d, links: links) { return "\nScreenshot on the monitor: \(path)" }
        return ""
    }

    public func send(_ batch: [OutboxDelivery], via transport: any HTTPTransport, now: Timestamp) async -> SinkResult {
        guard let d = batch.first else { return .sent(ref: nil) }
        var recipients = to
        if toContact, let contact = d.site?.contactEmail, !recipients.contains(contact) { recipients.insert(contact, at: 0) }
        guard !recipients.isEmpty else {
            return .failed(SinkFailure("site \(d.incident.site) has no contact_email and sink \(name) no to", retryable: false))
        }
        let text = message(d, recipients: recipients, now: now)
        if transport is DryRunTransport {
            // A dry run shows the mail instead of handing it to the mailer.
            _ = await transport.execute(SinkRequest(method: "SENDMAIL", url: ([command] + arguments + ["-t", "-i"]).joined(separator: " "),
                                                        body: Array(text.utf8), idempotencyKey: d.key))
            return .sent(ref: nil)
        }
        let result = await Mailer.run(command, arguments + ["-t", "-i"], input: Array(text.utf8), timeout: .seconds(30))
        switch result {
        case .failure(let f): return .failed(f)
        case .success(let run) where run.status == 0: return .sent(ref: nil)
        case .success(let run):
            let why = run.stderr.split(separator: "\n").last.map(String.init) ?? ""
            return .failed(SinkFailure("\(command) exited \(run.status)\(why.isEmpty ? "" : ": \(why)")",
                                       retryable: !EmailSink.permanentStatuses.contains(run.status)))
        }
    }
}

/// Mailer runs the sendmail command on its own thread, so a slow mailer never blocks the async workers.
enum Mailer {
    struct Run: Sendable {
        var status: Int32
        var stderr: String
    }

    static func run(_ command: String, _ arguments: [String], input: [UInt8], timeout: TimeSpan) async -> Result<Run, SinkFailure> {
        await withCheckedContinuation { continuation in
            let thread = Thread {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: command)
                process.arguments = arguments
                let stdin = Pipe(), stderr = Pipe()
                process.standardInput = stdin
                // The mailer's own output must not reach route's stdout, which carries only NDJSON.
                process.standardOutput = FileHandle.nullDevice
                process.standardError = stderr
                do { try process.run() } catch {
                    continuation.resume(returning: .failure(SinkFailure("cannot run \(command): \(error)", retryable: false)))
                    return
                }
                let killer = DispatchWorkItem { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
                DispatchQueue.global().asyncAfter(deadline: .now() + timeout.seconds, execute: killer)
                try? stdin.fileHandleForWriting.write(contentsOf: Data(input))
                try? stdin.fileHandleForWriting.close()
                let errors = stderr.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                killer.cancel()
                if process.terminationReason == .uncaughtSignal {
                    continuation.resume(returning: .failure(SinkFailure("\(command) timed out or was killed", retryable: true)))
                } else {
                    continuation.resume(returning: .success(Run(status: process.terminationStatus, stderr: String(decoding: errors, as: UTF8.self))))
                }
            }
            thread.start()
        }
    }
}
