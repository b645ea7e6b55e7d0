/// ControlRules are the checks a control line must pass against the config alone, shared by `classify` (which also
/// checks open incidents and known windows), by the `classify ack|silence|...` commands and by the receiver's one-tap
/// links (`ControlFile.append`), which write the lines.
public enum ControlRules {
    public static func validate(_ control: ControlEvent, config: Config) throws(EventError) {
        switch control {
        case .window(let w):
            let length = w.end - w.start
            let max = config.classify.maxControlDuration
            guard length <= max else {
                throw EventError("the \(w.kind.rawValue) lasts \(length), over the maximum of \(max) (classify.max_control_duration)")
            }
            let matched = config.sites.contains { site in
                site.checks.contains { w.matchers.matches(check: $0.id, site: site.id, client: site.client) }
            }
            guard matched else { throw EventError("the \(w.kind.rawValue) \(w.id) matches no configured check") }
        case .ack(let a): try knownCheck(ofIncident: a.incident, config: config)
        case .note(let n): try knownCheck(ofIncident: n.incident, config: config)
        case .end: break
        }
    }

    /// An incident id is `<check>/<since in epoch ms>`; the check must be configured.
    public static func knownCheck(ofIncident id: String, config: Config) throws(EventError) {
        guard let cut = id.lastIndex(of: "/"), Int64(id[id.index(after: cut)...]) != nil else {
            throw EventError("unknown incident \"\(id)\": an incident id is <check>/<epoch ms>")
        }
        guard config.check(String(id[..<cut])) != nil else {
            throw EventError("unknown incident \"\(id)\": no check \"\(id[..<cut])\" in the config")
        }
    }
}
