import Foundation
import LookoutCore

/// TicketScreenshot is the PNG a failed browser check left of the page (the incident's `screenshot`), as the Zendesk
/// and Freshdesk sinks attach it to a new ticket: read from route's own disk, or, when it cannot be attached, the
/// sentence the ticket's body carries instead. The picture never fails an opening nor makes it retry, but for a rate
/// limit on Zendesk's upload (429 or 503 with Retry-After), which the create would meet too.
struct TicketScreenshot: Sendable {
    /// Files above this are not attached (Zendesk takes 50 MB, Freshdesk 20 MB for all of a ticket's attachments): a
    /// page's screenshot is a few hundred KiB, and a bigger file is not one probe wrote.
    static let maxBytes = 10 << 20
    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// The path as probe wrote it, on the monitor's disk.
    let path: String
    /// The file's bytes when it can be attached; nil with `problem` saying why not.
    let png: [UInt8]?
    let problem: String?

    /// The incident's screenshot, read if it is a readable PNG of at most `maxBytes`; nil when the line names none.
    /// Only a PNG is sent: the path comes from the input stream, and route must not upload any other file it can read.
    init?(_ incident: IncidentEvent) {
        guard let path = incident.screenshot, !path.isEmpty else { return nil }
        self.path = path
        switch TicketScreenshot.load(path) {
        case .success(let bytes): png = bytes; problem = nil
        case .failure(let reason): png = nil; problem = reason.text
        }
    }

    struct Unreadable: Error { var text: String }

    static func load(_ path: String) -> Result<[UInt8], Unreadable> {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return .failure(Unreadable(text: "it is not readable where route runs")) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            return .failure(Unreadable(text: "it is not a file where route runs"))
        }
        guard info.st_size <= maxBytes else { return .failure(Unreadable(text: "it is larger than \(maxBytes >> 20) MiB")) }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var filled = 0
        while filled < bytes.count {
            let got = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, $0.count - filled) }
            guard got > 0 else { break }
            filled += got
        }
        bytes.removeSubrange(filled...)
        guard bytes.starts(with: pngSignature) else { return .failure(Unreadable(text: "it is not a PNG")) }
        return .success(bytes)
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
