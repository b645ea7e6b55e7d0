import Foundation

/// Site is one client website: who owns it, its support tier, its maintenance windows and its checks.
public struct Site: Sendable {
    public var id: String
    public var line: Int
    public var name: String
    public var tier: String
    public var timeZone: TimeZone
    /// Contract hours a month, when they differ from the tier's.
    public var contractHours: Int?
    /// The address people know the site by, linked from messages.
    public var url: String?
    /// The client: name and helpdesk contact, used by tickets and client reports.
    public var client: String?
    public var contactEmail: String?
    public var maintenance: [MaintenanceWindow]
    public var checks: [Check]

    /// The customer the site belongs to, as reports, status pages, error budgets and metric labels name it: its
    /// `client`, or its id when it has none.
    public var clientKey: String { client ?? id }

    static let keys: Set<String> = [
        "id", "name", "tier", "timezone", "contract_hours", "url", "client", "contact_email", "maintenance", "checks",
    ]
}

/// Check is one configured check of a site, with its schedule, confirmation rules and kind-specific probe.
public struct Check: Sendable {
    public var id: String
    public var siteID: String
    public var name: String?
    public var kindName: String
    public var every: TimeSpan
    public var timeout: TimeSpan
    public var confirm: ConfirmRule
    public var recover: RecoverRule
    public var probe: any CheckSpec
    public var line: Int
    /// The check's own `classify:` settings (flapping, quorum, reminder), when it overrides the top-level ones.
    public var classify: ClassifySettings? = nil

    static let commonKeys: Set<String> = ["id", "name", "every", "timeout", "confirm", "recover", "classify"]
}
