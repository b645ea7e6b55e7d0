import LookoutCore

/// CheckLabels are the labels every per-check series carries: `check`, `site`, `client`, `tier`, `kind`, and
/// `location` when the process was given one. One label set per configured check, so a stage's series count is
/// bounded by the config (docs/metrics.md, "Cardinality"), never by URLs, errors or status codes.
public enum CheckLabels {
    /// The label pairs of one check. `client` is the site's client key (its `client`, or its id when it has none,
    /// as the report names customers); `kind` is the kind written on results (`host` for a heartbeat with thresholds).
    public static func labels(check: Check, site: Site, location: String?) -> [(String, String)] {
        var labels = [("check", check.id), ("site", site.id), ("client", site.clientKey), ("tier", site.tier),
                      ("kind", check.probe.resultKind)]
        if let location { labels.append(("location", location)) }
        return labels
    }

    /// The labels of every check of `config` (or only those in `only`), by check id.
    public static func table(config: Config, only: Set<String>? = nil, location: String? = nil) -> [String: [(String, String)]] {
        var table: [String: [(String, String)]] = [:]
        for site in config.sites {
            for check in site.checks where only?.contains(check.id) ?? true {
                table[check.id] = labels(check: check, site: site, location: location)
            }
        }
        return table
    }
}
