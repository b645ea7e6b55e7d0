import Foundation
import Logging
import LookoutCore

/// StatusSite writes the status site: `DIR/index.html` and `DIR/summary.json` (the team board) and, for each client
/// with a page, `DIR/<folder>/index.html`, `summary.json` and `feed.atom`; the board's screenshots under
/// `DIR/screenshots/` (`StatusScreenshotFolder`). Each file is replaced atomically
/// (temporary file in the same folder, then rename), and only when its bytes changed.
public struct StatusSite {
    public let directory: String

    public init(directory: String) { self.directory = directory }

    /// Every file of the site for a snapshot, by path relative to the folder: the board's, and the pages of
    /// `clients` (nil: every client's).
    public static func files(_ snapshot: StatusSnapshot, clients: Set<String>? = nil) -> [(path: String, text: String)] {
        pages(snapshot, clients: clients).map { ($0.path, String(decoding: $0.render(), as: UTF8.self)) }
    }

    /// The files, each written only when reached, so a rewrite holds one page's bytes at a time (summary.json's
    /// straight from its writer, without a String between).
    static func pages(_ snapshot: StatusSnapshot, clients: Set<String>?) -> [(path: String, render: () -> Data)] {
        var out: [(String, () -> Data)] = [("index.html", { Data(StatusHTML.board(snapshot).utf8) }),
                                           ("summary.json", { Data(StatusSummaryJSON.boardSummary(snapshot).document) })]
        for c in snapshot.clients where c.published && clients?.contains(c.name) ?? true {
            out.append(("\(c.folder)/index.html", { Data(StatusHTML.client(c, snapshot: snapshot).utf8) }))
            out.append(("\(c.folder)/summary.json", { Data(StatusSummaryJSON.clientSummary(c, snapshot: snapshot).document) }))
            out.append(("\(c.folder)/feed.atom", { Data(StatusAtom.client(c, snapshot: snapshot).utf8) }))
        }
        return out
    }

    /// Writes the files that changed, of the board and of `clients` (nil: every client); returns how many were
    /// written. Throws when a folder cannot be made (before any file changes) or on the first file it cannot
    /// write, leaving that file and every one not reached as it was.
    @discardableResult
    public func write(_ snapshot: StatusSnapshot, clients: Set<String>? = nil) throws -> Int {
        // Screenshots are copied before the board that links them and pruned after it (docs/status-pages.md).
        var snapshot = snapshot
        let screenshots = StatusScreenshotFolder(directory: directory)
        let copied = screenshots.place(&snapshot)
        let files = StatusSite.pages(snapshot, clients: clients)
        // Every folder first: one that cannot be made stops the rewrite before any page changes.
        for folder in Set(files.map { (directory + "/" + $0.path as NSString).deletingLastPathComponent }).sorted() {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw WriteError(description: "\(folder): cannot create the folder: \(error.localizedDescription)")
            }
        }
        var written = copied
        for (path, render) in files {
            if try StatusSite.replace(directory + "/" + path, with: render()) { written += 1 }
        }
        screenshots.prune(keeping: snapshot)
        return written
    }

    struct WriteError: Error, CustomStringConvertible {
        var description: String
    }

    /// Replaces one file atomically, unless it already holds these bytes.
    static func replace(_ path: String, with data: Data) throws -> Bool {
        if let old = FileManager.default.contents(atPath: path), old == data { return false }
        let folder = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        let temporary = folder + "/." + name + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: data) else {
            throw WriteError(description: "\(temporary): cannot write (is \(folder) writable?)")
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw WriteError(description: "\(path): cannot replace: \(reason)")
        }
        return true
    }

    /// `report --status-site DIR`: reads the logs once and writes the site. 65 when lines were malformed (the site
    /// is still written), 74 when the folder cannot be written (the old pages stay).
    /// With `follow`, `store` (`--state`) keeps the follower's figures and read positions between runs.
    public static func run(directory: String, inputs: [String], rejectsPath: String?, config: Config,
                           follow: Bool = false, store: StatusStateStore? = nil, logger: Logger) -> ExitStatus {
        if follow {
            return StatusFollower(directory: directory, inputs: inputs, rejectsPath: rejectsPath, config: config,
                                  store: store, logger: logger).run()
        }
        let accumulator = ReportAccumulator(config: config, range: StatusBuilder.readingRange)
        let (_, rejected) = ReportStage.accumulate(inputs, into: accumulator, rejectsPath: rejectsPath, logger: logger)
        let snapshot = StatusBuilder(accumulator: accumulator, linesRejected: rejected).build()
        do {
            let written = try StatusSite(directory: directory).write(snapshot)
            logger.info("status site in \(directory): \(written) files written, updated at \(snapshot.updatedAt)")
        } catch {
            Stage.printError("\(error)")
            return .ioError
        }
        return rejected > 0 ? .dataError : .success
    }
}
