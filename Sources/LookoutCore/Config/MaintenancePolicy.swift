/// MaintenancePolicy is the agency's contract rule for windows, enforced when the config loads: daily windows only
/// for contracts of at least `dailyMinContractHours`, and every recurring window inside `earliest..latest`.
public struct MaintenancePolicy: Sendable, Equatable {
    public var dailyMinContractHours: Int?
    public var earliest: LocalTime?
    public var latest: LocalTime?

    init() {}

    init(node: ConfigNode) throws {
        let m = try node.mapping(allowing: ["daily_min_contract_hours", "earliest", "latest"])
        dailyMinContractHours = try m["daily_min_contract_hours"].map { try $0.int(in: 0...ConfigBounds.maxContractHours) }
        earliest = try m["earliest"].map(LocalTime.parse)
        latest = try m["latest"].map(LocalTime.parse)
        if let e = earliest, let l = latest, l <= e {
            throw try m.required("latest").error("maintenance_policy.latest must be after earliest")
        }
    }

    /// Checks one site's windows against the policy, naming the offending window's line.
    func validate(_ windows: [MaintenanceWindow], contractHours: Int?, site: String) throws {
        for w in windows {
            guard let range = w.recurringRange else { continue }
            if case .daily = w.schedule, let minimum = dailyMinContractHours, (contractHours ?? 0) < minimum {
                throw ConfigError(file: w.file, line: w.line, message:
                    "site \(site) has a daily window \"\(w.name)\" but its contract has \(contractHours ?? 0) hours; daily windows need at least \(minimum) (use a weekly window)")
            }
            if let e = earliest, range.start < e {
                throw ConfigError(file: w.file, line: w.line, message:
                    "window \"\(w.name)\" of site \(site) starts at \(range.start), before the policy's earliest \(e)")
            }
            if let l = latest, range.end > l {
                throw ConfigError(file: w.file, line: w.line, message:
                    "window \"\(w.name)\" of site \(site) ends at \(range.end), after the policy's latest \(l)")
            }
        }
    }
}
