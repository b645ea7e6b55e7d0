import Foundation
import LookoutCore

/// StatusScreenshotFolder keeps `DIR/screenshots/CHECK/FILE.png`: a copy of each open incident's browser screenshot,
/// so the team board can show it wherever the site is served. Copies are made before the pages that link them and
/// pruned after, so a page never links a missing file; only the screenshots of open incidents are kept (at most
/// `ScreenshotFile.maxBytes` each), so the folder stays as small as what is broken now.
public struct StatusScreenshotFolder {
    public static let folder = StatusConfig.screenshotsFolder

    public let directory: String

    public init(directory: String) { self.directory = directory }

    /// Fills in each open incident's copy (copying the file when it is not there yet) or why there is none; returns
    /// how many files were copied. A screenshot that cannot be copied never stops the pages: the board says so.
    public func place(_ snapshot: inout StatusSnapshot) -> Int {
        var copied = 0
        for c in snapshot.clients.indices {
            for k in snapshot.clients[c].openIncidents.indices {
                let incident = snapshot.clients[c].openIncidents[k]
                guard let shot = incident.screenshot else { continue }
                let (placed, wrote) = place(shot, check: incident.check)
                snapshot.clients[c].openIncidents[k].screenshot = placed
                if wrote { copied += 1 }
            }
        }
        return copied
    }

    /// One screenshot: its copy (made now, unless already there) or the problem.
    func place(_ shot: StatusScreenshot, check: String) -> (StatusScreenshot, wrote: Bool) {
        var out = StatusScreenshot(source: shot.source)
        let name = (shot.source as NSString).lastPathComponent
        // Both become a folder and a file name under the site: nothing that could climb out of it.
        guard StatusScreenshotFolder.isSafeName(check), StatusScreenshotFolder.isSafeName(name), name.hasSuffix(".png") else {
            out.problem = "not a screenshot's file name"
            return (out, false)
        }
        let relative = "\(StatusScreenshotFolder.folder)/\(check)/\(name)"
        let path = directory + "/" + relative
        if FileManager.default.fileExists(atPath: path) {
            out.copy = relative
            return (out, false)
        }
        let data: Data
        switch ScreenshotFile.read(shot.source) {
        case .failure(let problem): out.problem = problem.description; return (out, false)
        case .success(let bytes): data = bytes
        }
        do {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            _ = try StatusSite.replace(path, with: data)
        } catch {
            out.problem = "cannot be copied into the site: \(error)"
            return (out, false)
        }
        out.copy = relative
        return (out, true)
    }

    /// Removes every copy no open incident of `snapshot` links (and folders left empty); returns how many.
    @discardableResult
    public func prune(keeping snapshot: StatusSnapshot) -> Int {
        let kept = Set(snapshot.clients.flatMap(\.openIncidents).compactMap { $0.screenshot?.copy })
        let root = directory + "/" + StatusScreenshotFolder.folder
        var removed = 0
        for check in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] {
            let folder = root + "/" + check
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else { continue }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            for name in names where name.hasSuffix(".png") || name.contains(".png.tmp-") {
                let relative = "\(StatusScreenshotFolder.folder)/\(check)/\(name)"
                guard !kept.contains(relative), (try? FileManager.default.removeItem(atPath: folder + "/" + name)) != nil else { continue }
                removed += 1
            }
            if (try? FileManager.default.contentsOfDirectory(atPath: folder))?.isEmpty == true { rmdir(folder) }
        }
        return removed
    }

    /// Letters, digits, `-`, `_` and `.` (as config ids), not starting with a dot: so never `.` or `..`.
    static func isSafeName(_ name: String) -> Bool { Config.isIdentifier(name) && !name.hasPrefix(".") }
}
