import LookoutCore

extension ProbeOutcome {
    /// Records an assertion that held only partly (slow, a component degraded, a certificate expiring soon): the run
    /// still counts as up, but `degraded` is set and the assertion is named in `failed` so messages can say why.
    public mutating func degrade(_ assertion: String, because reason: String) {
        degraded = true
        failed.append(assertion)
        if error == nil { error = reason }
    }

    /// Milliseconds rounded to microseconds, as result lines carry them.
    static func round(_ ms: Double) -> Double { (ms * 1000).rounded() / 1000 }
}
