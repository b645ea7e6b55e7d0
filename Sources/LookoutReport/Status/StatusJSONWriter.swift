import LookoutCore

/// StatusJSONWriter writes `summary.json` straight to bytes, exactly as `JSONReportRenderer.document` (Foundation's
/// JSONEncoder: sorted keys, pretty printed, snake case, slashes unescaped) would write the same value, at a small
/// part of its cost: the board's file holds every component's 90 days, and the encoder took most of a rewrite.
/// Each type lists its keys already snake-cased and sorted; `StatusRenderingTests/summaryJSONEqualsTheEncoders`
/// holds both writers to the same bytes.
struct StatusJSONWriter {
    private(set) var bytes: [UInt8] = []
    private var depth = 0
    /// Per open container: whether nothing was written in it yet.
    private var empty: [Bool] = []

    init(capacity: Int = 1 << 16) { bytes.reserveCapacity(capacity) }

    /// The document's bytes as `JSONReportRenderer.document` ends it: with a newline.
    mutating func finish() -> [UInt8] {
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }

    private mutating func indent() {
        for _ in 0..<depth { bytes.append(0x20); bytes.append(0x20) }
    }

    /// Before a value inside an array, or a key inside an object: the separator and the indent.
    private mutating func item() {
        if empty.isEmpty { return }
        if empty[empty.count - 1] { empty[empty.count - 1] = false } else { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "\n"))
        indent()
    }

    private mutating func open(_ bracket: UInt8) {
        bytes.append(bracket)
        depth += 1
        empty.append(true)
    }

    private mutating func close(_ bracket: UInt8) {
        // An empty container is written with a blank line inside, as the encoder writes it.
        if empty.removeLast() { bytes.append(UInt8(ascii: "\n")) }
        bytes.append(UInt8(ascii: "\n"))
        depth -= 1
        indent()
        bytes.append(bracket)
    }

    /// `{ ... }` as a value (after `key` or in an array).
    mutating func object(_ body: (inout StatusJSONWriter) -> Void) {
        open(UInt8(ascii: "{"))
        body(&self)
        close(UInt8(ascii: "}"))
    }

    /// `[ ... ]` of `elements`, each written by `element` as one value.
    mutating func array<C: Collection>(_ elements: C, _ element: (inout StatusJSONWriter, C.Element) -> Void) {
        open(UInt8(ascii: "["))
        for e in elements {
            item()
            element(&self, e)
        }
        close(UInt8(ascii: "]"))
    }

    /// Starts a member: its key (already snake-cased, given in sorted order by the caller).
    mutating func key(_ name: StaticString) {
        item()
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\"")); bytes.append(0x20); bytes.append(UInt8(ascii: ":")); bytes.append(0x20)
    }

    mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        // Most strings need no escape: copied whole.
        if !value.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            bytes.append(contentsOf: value.utf8)
            bytes.append(UInt8(ascii: "\""))
            return
        }
        for b in value.utf8 {
            switch b {
            case UInt8(ascii: "\""): bytes.append(UInt8(ascii: "\\")); bytes.append(b)
            case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\")); bytes.append(b)
            case 0x08: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "b"))
            case 0x0C: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "f"))
            case 0x0A: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "n"))
            case 0x0D: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "r"))
            case 0x09: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "t"))
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: Array("\\u00".utf8))
                bytes.append(hex[Int(b >> 4)]); bytes.append(hex[Int(b & 0xF)])
            default: bytes.append(b)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func int(_ value: Int64) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var n = value.magnitude, digits = 1, rest = n
        while rest >= 10 { rest /= 10; digits += 1 }
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: digits))
        var k = start + digits - 1
        repeat { bytes[k] = UInt8(ascii: "0") + UInt8(n % 10); n /= 10; k -= 1 } while n > 0
    }

    /// As the encoder writes a Double: its shortest description, without a trailing `.0`.
    mutating func double(_ value: Double) {
        var s = value.description
        if s.hasSuffix(".0") { s.removeLast(2) }
        bytes.append(contentsOf: s.utf8)
    }

    mutating func bool(_ value: Bool) {
        let word: StaticString = value ? "true" : "false"
        word.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    // Members; an optional one is left out when nil, as the encoder's `encodeIfPresent` does.
    mutating func member(_ name: StaticString, _ value: String) { key(name); string(value) }
    mutating func member(_ name: StaticString, _ value: String?) { if let value { key(name); string(value) } }
    mutating func member(_ name: StaticString, _ value: Int) { key(name); int(Int64(value)) }
    mutating func member(_ name: StaticString, _ value: Int64) { key(name); int(value) }
    mutating func member(_ name: StaticString, _ value: Int64?) { if let value { key(name); int(value) } }
    mutating func member(_ name: StaticString, _ value: Double?) { if let value { key(name); double(value) } }
    mutating func member(_ name: StaticString, _ value: Bool) { key(name); bool(value) }
    mutating func member(_ name: StaticString, strings: [String]) { key(name); array(strings) { $0.string($1) } }
}

/// Each summary type's members in the encoder's order (sorted snake-case keys).
extension StatusSummaryJSON.Summary {
    func write(to w: inout StatusJSONWriter) {
        w.object { w in
            w.key("components"); w.array(components) { $1.write(to: &$0) }
            w.key("incidents"); w.array(incidents) { $1.write(to: &$0) }
            w.key("lookout"); lookout.write(to: &w)
            w.key("page"); page.write(to: &w)
            w.key("scheduled_maintenances"); w.array(scheduledMaintenances) { $1.write(to: &$0) }
            w.key("status"); w.object { w in
                w.member("description", status.description)
                w.member("indicator", status.indicator)
            }
        }
    }

    /// The document's bytes, as `JSONReportRenderer.document(self)` writes it.
    var document: [UInt8] {
        var w = StatusJSONWriter(capacity: 4096 + components.count * 16_384)
        write(to: &w)
        return w.finish()
    }
}

extension StatusSummaryJSON.Page {
    func write(to w: inout StatusJSONWriter) {
        w.object { w in
            w.member("id", id)
            w.member("name", name)
            w.member("time_zone", timeZone)
            w.member("updated_at", updatedAt)
            w.member("url", url)
        }
    }
}

extension StatusSummaryJSON.Component {
    func write(to w: inout StatusJSONWriter) {
        w.object { w in
            w.member("created_at", createdAt)
            w.member("description", description)
            w.member("group", group)
            w.member("group_id", groupId)
            w.member("id", id)
            w.key("lookout"); w.object { w in
                w.member("availability90d", lookout.availability90d)
                w.key("days"); w.array(lookout.days) { $1.write(to: &$0) }
                w.member("state", lookout.state)
            }
            w.member("name", name)
            w.member("only_show_if_degraded", onlyShowIfDegraded)
            w.member("page_id", pageId)
            w.member("position", position)
            w.member("showcase", showcase)
            w.member("start_date", startDate)
            w.member("status", status)
            w.member("updated_at", updatedAt)
        }
    }
}

extension StatusDay {
    func write(to w: inout StatusJSONWriter) {
        w.object { w in
            w.member("availability", availability)
            w.member("day", day)
            w.member("degraded_ms", degradedMs)
            w.member("down_ms", downMs)
            w.member("maintenance_ms", maintenanceMs)
            w.member("observed_ms", observedMs)
        }
    }
}

extension StatusSummaryJSON.Update {
    func write(to w: inout StatusJSONWriter) {
        w.object { w in
            w.key("affected_components"); w.array(affectedComponents) { w, a in
                w.object { w in
                    w.member("code", a.code)
                    w.member("name", a.name)
                    w.member("new_status", a.newStatus)
                    w.member("old_status", a.oldStatus)
                }
            }
            w.member("body", body)
            w.member("created_at", createdAt)
            w.member("display_at", displayAt)
            w.member("id", id)
            w.member("incident_id", incidentId)
            w.member("status", status)
            w.member("updated_at", updatedAt)
        }
    }
}

extension StatusSummaryJSON.ComponentRef {
    func write(to w: inout StatusJSONWriter) {
        w.object { w in
            w.member("id", id)
            w.member("name", name)
        }
    }
}

extension StatusSummaryJSON.Incident {
    func write(to w: inout StatusJSONWriter) {
        w.object { w in
            w.key("components"); w.array(components) { $1.write(to: &$0) }
            w.member("created_at", createdAt)
            w.member("id", id)
            w.member("impact", impact)
            w.key("incident_updates"); w.array(incidentUpdates) { $1.write(to: &$0) }
            w.member("monitoring_at", monitoringAt)
            w.member("name", name)
            w.member("page_id", pageId)
            w.member("resolved_at", resolvedAt)
            w.member("screenshot", screenshot)
            w.member("screenshot_on_monitor", screenshotOnMonitor)
            w.member("shortlink", shortlink)
            w.member("status", status)
            w.member("updated_at", updatedAt)
        }
    }
}

extension StatusSummaryJSON.Maintenance {
    func write(to w: inout StatusJSONWriter) {
        w.object { w in
            w.key("components"); w.array(components) { $1.write(to: &$0) }
            w.member("created_at", createdAt)
            w.member("id", id)
            w.member("impact", impact)
            w.key("incident_updates"); w.array(incidentUpdates) { $1.write(to: &$0) }
            w.member("name", name)
            w.member("page_id", pageId)
            w.member("scheduled_for", scheduledFor)
            w.member("scheduled_until", scheduledUntil)
            w.member("status", status)
            w.member("updated_at", updatedAt)
        }
    }
}

extension StatusSummaryJSON.Extra {
    func write(to w: inout StatusJSONWriter) {
        w.object { w in
            if let board {
                w.key("board"); w.array(board) { w, c in
                    w.object { w in
                        w.member("client", c.client)
                        w.member("folder", c.folder)
                        w.key("open_incidents"); w.array(c.openIncidents) { $1.write(to: &$0) }
                        w.member("status", c.status)
                    }
                }
            }
            w.key("monitor"); monitor.write(to: &w)
            if let pastIncidents { w.key("past_incidents"); w.array(pastIncidents) { $1.write(to: &$0) } }
        }
    }
}

extension MonitorHealth {
    func write(to w: inout StatusJSONWriter) {
        w.object { w in
            w.member("delivery_lines", deliveryLines)
            w.member("incident_lines", incidentLines)
            w.member("last_line_at", lastLineAt)
            w.member("last_result_at", lastResultAt)
            w.member("lines_rejected", linesRejected)
            w.member("reader_silent_ms", readerSilentMs)
            w.member("results", results)
            w.member("silent_ms", silentMs)
            w.member("stale", stale)
        }
    }
}

extension StatusIncident {
    func write(to w: inout StatusJSONWriter) {
        w.object { w in
            w.member("alerted", alerted)
            w.member("check", check)
            w.member("client", client)
            w.member("delivered_to", strings: deliveredTo)
            w.member("duration_ms", durationMs)
            w.member("id", id)
            w.member("maintenance_only", maintenanceOnly)
            w.member("opened", opened)
            w.member("public_id", publicID)
            w.member("reason", reason)
            w.member("resolved", resolved)
            if let screenshot {
                w.key("screenshot")
                w.object { w in
                    w.member("copy", screenshot.copy)
                    w.member("problem", screenshot.problem)
                    w.member("source", screenshot.source)
                }
            }
            w.member("sentence", sentence)
            w.member("severity", severity)
            w.member("site", site)
            w.member("site_name", siteName)
            w.member("state", state)
            w.member("updated", updated)
            w.key("updates"); w.array(updates) { w, u in
                w.object { w in
                    w.member("at", u.at)
                    w.member("body", u.body)
                    w.member("event", u.event)
                }
            }
        }
    }
}
