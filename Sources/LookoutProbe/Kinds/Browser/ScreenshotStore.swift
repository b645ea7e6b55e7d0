import Foundation
import LookoutCore

/// ScreenshotStore keeps the PNG screenshots of failed browser runs in a folder beside probe's state, one folder per
/// check: `DIR/CHECK/CHECK-20261125T080000.120Z.png`. Each write prunes that check's folder to the newest `keep`
/// files, none older than `maxAge` (judged by the run time in the name, so a replayed clock prunes the same way).
public final class ScreenshotStore: Sendable {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// How many screenshots a check keeps, and for how long.
    public struct Policy: Sendable, Equatable {
        public var keep = 10
        public var maxAge = TimeSpan.hours(24 * 7)
        public init() {}

        static let keys: Set<String> = ["keep", "max_age"]

        /// nil when the check turns screenshots off (`screenshots: false`).
        static func parse(_ node: ConfigNode?) throws -> Policy? {
            var policy = Policy()
            guard let node else { return policy }
            if node.tagName == .bool { return try node.bool() ? policy : nil }
            let m = try node.mapping(allowing: keys)
            if let n = m["keep"] { policy.keep = try n.int(in: 1...ConfigBounds.maxCount) }
            if let n = m["max_age"] { policy.maxAge = try positive(n) }
            return policy
        }
    }

    /// Writes `png` for a run of `check` at `at`, prunes the check's folder, and returns the file's path.
    public func write(_ png: [UInt8], check: String, at: Timestamp, policy: Policy) throws -> String {
        let folder = directory + "/" + check
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/" + ScreenshotStore.fileName(check: check, at: at)
        guard FileManager.default.createFile(atPath: path, contents: Data(png)) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
        try prune(check: check, now: at, policy: policy)
        return path
    }

    /// The check's screenshots, oldest first.
    public func files(check: String) -> [String] {
        let folder = directory + "/" + check
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasPrefix(check + "-") && $0.hasSuffix(".png") }.sorted().map { folder + "/" + $0 }
    }

    /// Deletes all but the newest `keep`, and any older than `maxAge` before `now`.
    func prune(check: String, now: Timestamp, policy: Policy) throws {
        let all = files(check: check)
        let oldest = now.milliseconds - policy.maxAge.milliseconds
        for (k, path) in all.enumerated() {
            let tooMany = k < all.count - policy.keep
            let taken = ScreenshotStore.time(ofFile: path, check: check)
            if tooMany || (taken.map { $0 < oldest } ?? false) { try? FileManager.default.removeItem(atPath: path) }
        }
    }

    /// `CHECK-20261125T080000.120Z.png`: sorts by time, and carries no `:` (awkward in URLs and on some file systems).
    static func fileName(check: String, at: Timestamp) -> String {
        var text = at.rfc3339.replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "")
        if !text.contains(".") { text = text.replacingOccurrences(of: "Z", with: ".000Z") }   // sorts by time within a second
        return "\(check)-\(text).png"
    }

    /// The run time a file name carries, in milliseconds.
    static func time(ofFile path: String, check: String) -> Int64? {
        let name = (path as NSString).lastPathComponent
        guard name.hasPrefix(check + "-"), name.hasSuffix(".png") else { return nil }
        let compact = name.dropFirst(check.count + 1).dropLast(4)
        // 20261125T080000.120Z -> 2026-11-25T08:00:00.120Z
        let c = Array(compact)
        guard c.count >= 16 else { return nil }
        let text = String(c[0..<4]) + "-" + String(c[4..<6]) + "-" + String(c[6..<11]) + ":" + String(c[11..<13]) + ":" + String(c[13...])
        return Timestamp(rfc3339: text)?.milliseconds
    }
}
