import Foundation
import LookoutCore

/// TicketScreenshot is the PNG a failed browser check left of the page (the incident's `screenshot`), as the Zendesk
/// and Freshdesk sinks attach it to a new ticket: read from route's own disk, or, when it cannot be attached, the
/// sentence the ticket's body carries instead. The picture never fails an opening nor makes it retry, but for a rate
/// limit on Zendesk's upload (429 or 503 with Retry-After), which the create would meet too.
struct TicketScreenshot: Sendable {
    /// The path as probe wrote it, on the monitor's disk.
    let path: String
    /// The file's bytes when it can be attached; nil with `problem` saying why not.
    let png: [UInt8]?
    let problem: String?

    /// The incident's screenshot, read by `ScreenshotFile` (a regular PNG file of at most 10 MiB); nil when the line names none.
    /// Only a PNG is sent: the path comes from the input stream, and route must not upload any other file it can read.
    init?(_ incident: IncidentEvent) {
        guard let path = incident.screenshot, !path.isEmpty else { return nil }
        self.path = path
        switch ScreenshotFile.read(path) {
        case .success(let bytes): png = [UInt8](bytes); problem = nil
        case .failure(let refusal): png = nil; problem = TicketScreenshot.reason(refusal)
        }
    }

    /// The reason in the ticket's words: unreadable or not a file is so "where route runs" (probe may be elsewhere).
    static func reason(_ refusal: ScreenshotFile.Refusal) -> String {
        switch refusal {
        case .unreadable: "it is not readable where route runs"
        case .notAFile: "it is not a file where route runs"
        case .tooLarge, .notPNG: "it is \(refusal)"
        }
    }

    /// The name the helpdesk shows: the file's own name (probe's `CHECK-TIME.png`) in characters any API takes.
    var filename: String {
        let name = (path as NSString).lastPathComponent
        let safe = String(name.map { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) ? $0 : "_" })
        return safe.hasSuffix(".png") ? safe : safe + ".png"
    }

    /// What the ticket's body says of the picture: attached, or where it is kept and why it is not attached.
    func sentence(attached: Bool, failure: String? = nil) -> String {
        if attached { return "A screenshot of the page when the check failed is attached (\(filename))." }
        return "Screenshot kept on the monitor at \(path) (not attached: \(failure ?? problem ?? "unknown reason"))."
    }

    /// A failed request in a few words for the ticket's body (`HTTP 413`, `POST failed`), without the answer's text.
    static func brief(_ failure: SinkFailure) -> String {
        failure.message.split(separator: ":", maxSplits: 1).first.map(String.init) ?? failure.message
    }
}
