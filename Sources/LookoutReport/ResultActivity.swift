import LookoutCore

/// ResultActivity marks the minutes of the report's range in which any result arrived, so the report can show
/// when the monitor itself was not running: a span with no result from any check, longer than the checks' own
/// rhythm explains, means probe or classify was down (or the log lost lines). One bit per minute.
public struct ResultActivity: Sendable {
    private let fromMs: Int64
    private let minutes: Int
    private var bits: [UInt64]
    /// The newest result time seen anywhere in the input (in range or not): event time's "now".
    public private(set) var latestMs: Int64?

    public init(range: ReportRange) {
        fromMs = range.from.milliseconds
        minutes = Int((range.to.milliseconds - fromMs + 59_999) / 60_000)
        bits = [UInt64](repeating: 0, count: (minutes + 63) / 64)
    }

    public mutating func note(_ ms: Int64) {
        if ms > latestMs ?? .min { latestMs = ms }
        let minute = (ms - fromMs) / 60_000
        guard ms >= fromMs, minute < minutes else { return }
        bits[Int(minute) >> 6] |= 1 << UInt64(minute & 63)
    }

    private func active(_ minute: Int) -> Bool { bits[minute >> 6] & (1 << UInt64(minute & 63)) != 0 }

    /// Runs of at least `minimumMinutes` silent minutes, up to the newest result seen (or the range's end, when
    /// results past it were seen): silence after the last result may just be a log that ends there.
    public func gaps(minimumMinutes: Int, rangeEndMs: Int64) -> [(fromMs: Int64, toMs: Int64)] {
        guard let latestMs else { return [] }
        let end = min(rangeEndMs, latestMs)
        guard end > fromMs else { return [] }
        let lastMinute = min(minutes, Int((end - fromMs) / 60_000))
        var out: [(Int64, Int64)] = []
        var runStart: Int?
        for minute in 0...lastMinute {
            let silent = minute < lastMinute && !active(minute)
            if silent {
                if runStart == nil { runStart = minute }
            } else if let start = runStart {
                if minute - start >= minimumMinutes {
                    out.append((fromMs + Int64(start) * 60_000, min(end, fromMs + Int64(minute) * 60_000)))
                }
                runStart = nil
            }
        }
        return out
    }
}

/// Saved (report's `--state`): the status site's range spans a century of minutes (6.5 MB of bits, nearly all
/// zero), so only the words with a bit set are written, each as `index:hex`.
extension ResultActivity: Codable {
    private enum Keys: String, CodingKey { case fromMs = "from_ms", minutes, latestMs = "latest_ms", words }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        fromMs = try c.decode(Int64.self, forKey: .fromMs)
        minutes = try c.decode(Int.self, forKey: .minutes)
        latestMs = try c.decodeIfPresent(Int64.self, forKey: .latestMs)
        bits = [UInt64](repeating: 0, count: (minutes + 63) / 64)
        for word in try c.decode([String].self, forKey: .words) {
            let parts = word.split(separator: ":")
            guard parts.count == 2, let index = Int(parts[0]), index >= 0, index < bits.count,
                  let value = UInt64(parts[1], radix: 16) else {
                throw DecodingError.dataCorruptedError(forKey: .words, in: c, debugDescription: "bad activity word \(word)")
            }
            bits[index] = value
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(fromMs, forKey: .fromMs)
        try c.encode(minutes, forKey: .minutes)
        try c.encodeIfPresent(latestMs, forKey: .latestMs)
        var words: [String] = []
        for (index, value) in bits.enumerated() where value != 0 { words.append("\(index):\(String(value, radix: 16))") }
        try c.encode(words, forKey: .words)
    }
}
