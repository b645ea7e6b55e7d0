import LookoutCore

extension Duration {
    /// The span in milliseconds, fractions kept: how probes report latency.
    var fractionalMilliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }

    /// The span in whole milliseconds (rounded toward zero), clamped to `poll(2)`'s timeout type.
    var pollMilliseconds: Int32 {
        Int32(clamping: components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000)
    }

    /// The span in whole nanoseconds (an event-loop timer's unit).
    var wholeNanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
