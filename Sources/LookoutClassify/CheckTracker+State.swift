import LookoutCore

/// The persisted form of a tracker: one compact JSON object per check, written by hand because `JSONEncoder` made
/// saving a batch's trackers the cost of the whole stage (70 % of the time with `--state`).
extension CheckTracker {
    /// Bumped when the layout changes; a saved state of another version is dropped and the check starts afresh.
    static let stateVersion: Int64 = 1

    public struct StateError: Error, CustomStringConvertible {
        public var description: String
    }

    public func stateJSON() -> [UInt8] {
        var w = JSONObjectWriter(capacity: 512)
        w.add("version", CheckTracker.stateVersion)
        w.add("latest", latest)
        w.add("fail_streak", failStreak); w.add("fail_since", failSince)
        w.add("trouble_streak", troubleStreak); w.add("trouble_since", troubleSince)
        w.add("ok_streak", okStreak); w.add("ok_since", okSince)
        w.add("up_streak", upStreak); w.add("up_since", upSince)
        w.add("in_blip", inBlip)
        w.add("flapping", flapping)
        w.add("last_closed", lastClosed)
        w.add("last_outcome", Int(lastOutcome.rawValue))
        w.add("last_error", lastError)
        if let lastFailed { w.add("last_failed", lastFailed) }
        // The per-result parts are written straight as bytes: building JSONValue trees for them cost more than
        // everything else together.
        var raw: [UInt8] = [UInt8(ascii: "[")]
        raw.reserveCapacity(320)
        for (k, l) in locations.enumerated() {
            if k > 0 { raw.append(UInt8(ascii: ",")) }
            raw.append(UInt8(ascii: "["))
            JSONText.appendQuoted(l.name, to: &raw)
            raw.append(contentsOf: ",\(l.lastAt),\(l.outcome.rawValue)]".utf8)
        }
        raw.append(UInt8(ascii: "]"))
        raw.withUnsafeBufferPointer { w.addRaw("locations", $0) }
        raw.removeAll(keepingCapacity: true)
        raw.append(contentsOf: "{\"window\":\(history.window),\"failures\":\(Int64(bitPattern: history.failures)),\"count\":\(history.count),\"times\":[".utf8)
        for (k, t) in history.times.enumerated() {
            if k > 0 { raw.append(UInt8(ascii: ",")) }
            raw.append(contentsOf: String(t).utf8)
        }
        raw.append(contentsOf: "]}".utf8)
        raw.withUnsafeBufferPointer { w.addRaw("history", $0) }
        if let i = incident {
            var members: [JSONMember] = [
                JSONMember(key: "id", value: .string(i.id)),
                JSONMember(key: "kind", value: .string(i.kind.rawValue)),
                JSONMember(key: "since", value: .int(i.since)),
                JSONMember(key: "maintenance", value: i.maintenance.map { .string($0) } ?? .null),
                JSONMember(key: "severity", value: .string(i.severity.rawValue)),
                JSONMember(key: "last_notified", value: .int(i.lastNotified)),
                JSONMember(key: "error", value: i.error.map { .string($0) } ?? .null),
            ]
            if let f = i.failed { members.append(JSONMember(key: "failed", value: .array(f.map { .string($0) }))) }
            if let a = i.ackedBy { members.append(JSONMember(key: "acked_by", value: .string(a))) }
            w.add("incident", .object(members))
        }
        return w.finish()
    }

    public init(stateJSON text: String) throws(StateError) {
        guard let o = JSONValue.parse(text), case .object = o else { throw StateError(description: "not a JSON object") }
        func int(_ v: JSONValue?, _ key: String) throws(StateError) -> Int64 {
            guard case .int(let n)? = v else { throw StateError(description: "\(key) must be an integer") }
            return n
        }
        func bool(_ key: String) throws(StateError) -> Bool {
            guard let b = o[key]?.boolValue else { throw StateError(description: "\(key) must be a boolean") }
            return b
        }
        func strings(_ v: JSONValue?) -> [String]? { v?.arrayValue?.compactMap(\.stringValue) }
        guard try int(o["version"], "version") == CheckTracker.stateVersion else {
            throw StateError(description: "saved by another version of classify")
        }
        guard let h = o["history"] else { throw StateError(description: "history missing") }
        self.init(flapWindow: Int(try int(h["window"], "history.window")))
        history.failures = UInt64(bitPattern: try int(h["failures"], "history.failures"))
        history.count = Int(try int(h["count"], "history.count"))
        history.times = try (h["times"]?.arrayValue ?? []).map { v throws(StateError) in try int(v, "history.times") }
        latest = try int(o["latest"], "latest")
        failStreak = Int(try int(o["fail_streak"], "fail_streak")); failSince = try int(o["fail_since"], "fail_since")
        troubleStreak = Int(try int(o["trouble_streak"], "trouble_streak")); troubleSince = try int(o["trouble_since"], "trouble_since")
        okStreak = Int(try int(o["ok_streak"], "ok_streak")); okSince = try int(o["ok_since"], "ok_since")
        upStreak = Int(try int(o["up_streak"], "up_streak")); upSince = try int(o["up_since"], "up_since")
        inBlip = try bool("in_blip")
        flapping = try bool("flapping")
        lastClosed = try int(o["last_closed"], "last_closed")
        guard let outcome = Outcome(rawValue: UInt8(clamping: try int(o["last_outcome"], "last_outcome"))) else {
            throw StateError(description: "last_outcome out of range")
        }
        lastOutcome = outcome
        lastError = o["last_error"]?.stringValue
        lastFailed = strings(o["last_failed"])
        for l in o["locations"]?.arrayValue ?? [] {
            guard let a = l.arrayValue, a.count == 3, let name = a[0].stringValue,
                  let outcome = Outcome(rawValue: UInt8(clamping: try int(a[2], "locations"))) else {
                throw StateError(description: "locations must be [name, at, outcome] triples")
            }
            locations.append(LocationState(name: name, lastAt: try int(a[1], "locations"), outcome: outcome))
        }
        if let i = o["incident"], case .object = i {
            guard let id = i["id"]?.stringValue, let kind = i["kind"]?.stringValue.flatMap(IncidentKind.init(rawValue:)),
                  let severity = i["severity"]?.stringValue.flatMap(Severity.init(rawValue:)) else {
                throw StateError(description: "incident needs id, kind and severity")
            }
            incident = OpenIncident(id: id, kind: kind, since: try int(i["since"], "incident.since"),
                                    maintenance: i["maintenance"]?.stringValue, severity: severity,
                                    lastNotified: try int(i["last_notified"], "incident.last_notified"),
                                    error: i["error"]?.stringValue, failed: strings(i["failed"]),
                                    ackedBy: i["acked_by"]?.stringValue)
        }
    }
}
