import Foundation
import LookoutCore

/// StatusLocalTime writes a page's local times (`2026-11-25 08:10 +00:00`, seconds when not zero) exactly as
/// `ReportText(zone:singleDay: false, showsOffset: true).time` does, without a calendar's date components per time:
/// the zone's offset at that instant, then the fields of the instant moved by it. A client's page shows a timeline
/// for every incident of 90 days, and the calendar took a large part of a rewrite.
struct StatusLocalTime {
    let zone: TimeZone

    init(zone: TimeZone) { self.zone = zone }

    func callAsFunction(_ rfc3339: String?) -> String {
        guard let rfc3339, let t = Timestamp(rfc3339: rfc3339) else { return "-" }
        return format(t.milliseconds)
    }

    func format(_ milliseconds: Int64) -> String {
        let offset = zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
        // `YYYY-MM-DDTHH:MM:SS[.mmm]Z` of the local wall clock.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        Timestamp(milliseconds: milliseconds + Int64(offset) * 1000).appendRFC3339(to: &bytes)
        guard bytes.count >= 20, bytes[10] == UInt8(ascii: "T") else { return ReportText(zone: zone, singleDay: false, showsOffset: true).time(Timestamp(milliseconds: milliseconds)) }
        var out = bytes[0..<10] + [0x20] + bytes[11..<16]
        if bytes[17] != UInt8(ascii: "0") || bytes[18] != UInt8(ascii: "0") { out += [UInt8(ascii: ":"), bytes[17], bytes[18]] }
        let minutes = abs(offset) / 60
        out += [0x20, UInt8(ascii: offset < 0 ? "-" : "+"),
                UInt8(ascii: "0") + UInt8(minutes / 600), UInt8(ascii: "0") + UInt8(minutes / 60 % 10), UInt8(ascii: ":"),
                UInt8(ascii: "0") + UInt8(minutes % 60 / 10), UInt8(ascii: "0") + UInt8(minutes % 10)]
        return String(decoding: out, as: UTF8.self)
    }
}
