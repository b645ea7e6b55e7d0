/// ConfigBounds are the upper bounds of the numbers the config accepts (durations: `TimeSpan.maxConfigured`), wide
/// enough for any real setting and small enough that no stage's arithmetic on them can overflow.
public enum ConfigBounds {
    /// Consecutive results, retry attempts, samples kept.
    public static let maxCount = 10_000
    /// Support hours a month (a 31-day month has 744).
    public static let maxContractHours = 744
    /// Days ahead of a certificate's expiry.
    public static let maxDays = 3650
    /// A body size, in bytes (1 TiB).
    public static let maxBytes = 1 << 40
}
