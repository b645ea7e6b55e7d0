import Foundation

/// ScreenshotFile reads the PNG a failed browser check left, from a path that came from the event stream (an
/// incident's `screenshot`). Only a readable regular file of at most `maxBytes` that starts as a PNG is read, so no
/// other file of the host (a FIFO, a device, a secret) is ever sent to a helpdesk or copied into a status site.
/// Route attaches it to new tickets; report copies it onto the team board.
public enum ScreenshotFile {
    /// Probe's are 1280x800 viewports of well under 1 MiB; Zendesk takes 50 MB per file, Freshdesk 20 MB per ticket.
    public static let maxBytes = 10 << 20
    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Why a path was not read; the description is the reason in a few words.
    public enum Refusal: Error, Equatable, CustomStringConvertible {
        case unreadable, notAFile, tooLarge, notPNG
        public var description: String {
            switch self {
            case .unreadable: "not readable here"
            case .notAFile: "not a file"
            case .tooLarge: "larger than \(ScreenshotFile.maxBytes >> 20) MiB"
            case .notPNG: "not a PNG"
            }
        }
    }

    /// The file's bytes, or why not. Opened without blocking, so a FIFO never holds the reader.
    public static func read(_ path: String) -> Result<Data, Refusal> {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return .failure(.unreadable) }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return .failure(.notAFile) }
        guard st.st_size <= maxBytes else { return .failure(.tooLarge) }
        guard let data = try? handle.read(upToCount: maxBytes + 1) ?? Data(), data.count <= maxBytes else {
            return .failure(.unreadable)
        }
        guard data.starts(with: pngSignature) else { return .failure(.notPNG) }
        return .success(data)
    }
}
