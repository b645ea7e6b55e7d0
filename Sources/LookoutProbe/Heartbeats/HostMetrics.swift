import Foundation
import LookoutCore

/// HostMetrics reads the local host's load, memory, swap, disk use per mount and optionally the state of named
/// services, as the JSON body `probe push` sends. It reads /proc and statvfs(3) directly: nothing to install.
public enum HostMetrics {
    /// Filesystems that hold no data an admin watches.
    static let pseudoFilesystems: Set<String> = [
        "proc", "sysfs", "devtmpfs", "devpts", "tmpfs", "cgroup", "cgroup2", "securityfs", "pstore", "debugfs",
        "tracefs", "configfs", "fusectl", "mqueue", "hugetlbfs", "bpf", "autofs", "binfmt_misc", "nsfs", "overlay",
        "squashfs", "rpc_pipefs", "efivarfs", "ramfs",
    ]

    /// Collects the metrics document. `mounts` limits disks to those mount points (all real filesystems when empty).
    public static func collect(mounts: [String] = [], services: [String] = [], at now: Timestamp,
                               serviceState: (String) -> String = systemdState) -> JSONValue {
        var doc: [JSONMember] = [
            JSONMember(key: "host", value: .string(ProcessInfo.processInfo.hostName)),
            JSONMember(key: "at", value: .string(now.rfc3339)),
        ]
        if let load = loadAverages() { doc.append(JSONMember(key: "load", value: load)) }
        doc.append(JSONMember(key: "cpus", value: .int(Int64(ProcessInfo.processInfo.activeProcessorCount))))
        let mem = memory()
        if let m = mem.memory { doc.append(JSONMember(key: "memory", value: m)) }
        if let s = mem.swap { doc.append(JSONMember(key: "swap", value: s)) }
        doc.append(JSONMember(key: "disk", value: disks(only: mounts)))
        if !services.isEmpty {
            doc.append(JSONMember(key: "services", value: .object(services.map { JSONMember(key: $0, value: .string(serviceState($0))) })))
        }
        if let up = try? String(contentsOfFile: "/proc/uptime", encoding: .utf8).split(separator: " ").first.flatMap({ Double($0) }) {
            doc.append(JSONMember(key: "uptime_s", value: .int(Int64(up))))
        }
        return .object(doc)
    }

    static func loadAverages() -> JSONValue? {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return nil }
        let f = text.split(separator: " ").prefix(3).compactMap { Double($0) }
        guard f.count == 3 else { return nil }
        return .object([JSONMember(key: "1m", value: .double(f[0])), JSONMember(key: "5m", value: .double(f[1])),
                        JSONMember(key: "15m", value: .double(f[2]))])
    }

    static func memory() -> (memory: JSONValue?, swap: JSONValue?) {
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return (nil, nil) }
        var kb: [String: Double] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":")
            guard parts.count == 2, let v = Double(parts[1].split(separator: " ").first ?? "") else { continue }
            kb[String(parts[0])] = v
        }
        func block(total: Double?, free: Double?) -> JSONValue? {
            guard let total, let free else { return nil }
            let used = total - free
            return .object([JSONMember(key: "total_mb", value: .int(Int64(total / 1024))),
                            JSONMember(key: "used_mb", value: .int(Int64(used / 1024))),
                            JSONMember(key: "used_pct", value: .double(total > 0 ? rounded(used / total * 100) : 0))])
        }
        return (block(total: kb["MemTotal"], free: kb["MemAvailable"] ?? kb["MemFree"]),
                block(total: kb["SwapTotal"], free: kb["SwapFree"]))
    }

    static func disks(only wanted: [String]) -> JSONValue {
        var out: [JSONMember] = []
        let mounts = (try? String(contentsOfFile: "/proc/mounts", encoding: .utf8)) ?? ""
        var seen = Set<String>()
        for line in mounts.split(separator: "\n") {
            let f = line.split(separator: " ")
            guard f.count >= 3 else { continue }
            let point = String(f[1]).replacingOccurrences(of: "\\040", with: " ")
            if wanted.isEmpty ? HostMetrics.pseudoFilesystems.contains(String(f[2])) : !wanted.contains(point) { continue }
            guard seen.insert(point).inserted, let usage = diskUsage(point) else { continue }
            out.append(JSONMember(key: point, value: usage))
        }
        return .object(out)
    }

    static func diskUsage(_ path: String) -> JSONValue? {
        var s = statvfs()
        guard statvfs(path, &s) == 0, s.f_blocks > 0 else { return nil }
        let block = Double(s.f_frsize)
        let total = Double(s.f_blocks) * block, free = Double(s.f_bavail) * block
        let used = total - Double(s.f_bfree) * block
        var members = [
            JSONMember(key: "total_gb", value: .double(rounded(total / 1_073_741_824))),
            JSONMember(key: "free_gb", value: .double(rounded(free / 1_073_741_824))),
            // As df(1) computes it: used over what a user can use, so root's reserve does not hide a full disk.
            JSONMember(key: "used_pct", value: .double(rounded(used / (used + free) * 100))),
        ]
        if s.f_files > 0 {
            members.append(JSONMember(key: "inodes_used_pct",
                                      value: .double(rounded(Double(s.f_files - s.f_ffree) / Double(s.f_files) * 100))))
        }
        return .object(members)
    }

    /// `systemctl is-active NAME`: active, inactive, failed, or unknown when systemd is not there.
    public static func systemdState(_ name: String) -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/systemctl")
        p.arguments = ["is-active", name]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return "unknown" }
        p.waitUntilExit()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "unknown" : text
    }

    static func rounded(_ v: Double) -> Double { (v * 10).rounded() / 10 }
}
