/// Tier is a support contract level and its severity policy: how loud an outage or a degradation of its sites is.
public struct Tier: Sendable, Equatable {
    public var name: String
    /// Support hours a month; decides whether daily maintenance windows are allowed.
    public var contractHours: Int?
    public var outage: Severity
    public var degraded: Severity
    /// Whether incidents of this tier raise helpdesk tickets.
    public var ticket: Bool
    /// Availability target in percent, e.g. 99.9, for the report.
    public var sla: Double?

    static let keys: Set<String> = ["contract_hours", "outage", "degraded", "ticket", "sla"]

    init(name: String, node: ConfigNode) throws {
        let m = try node.mapping(allowing: Tier.keys)
        self.name = name
        contractHours = try m["contract_hours"].map { try $0.int(in: 0...ConfigBounds.maxContractHours) }
        outage = try m["outage"].map(Severity.parse) ?? .none
        degraded = try m["degraded"].map(Severity.parse) ?? .none
        ticket = try m["ticket"]?.bool() ?? false
        if let slaNode = m["sla"] {
            let v = try slaNode.double()
            guard v > 0, v <= 100 else { throw slaNode.error("\(slaNode.path) must be a percentage above 0 and at most 100") }
            sla = v
        }
        if let h = contractHours, h < 0 { throw try m.required("contract_hours").error("contract_hours cannot be negative") }
    }
}
