/// ReportConfig is the optional `report:` section of the config (docs/report.md): the title, where `--format slack`
/// posts, and how close a certificate expiry must be to be listed.
public struct ReportConfig: Sendable {
    public var title = "Lookout report"
    /// A Slack incoming webhook: a secret, given as `${ENV}` or `slack_webhook_file:`.
    public var slackWebhook: Secret?
    public var certificateWarningDays = 30

    static let keys: Set<String> = ["title", "slack_webhook", "slack_webhook_file", "certificate_warning_days"]

    public init() {}

    init(node: ConfigNode, environment: [String: String]) throws {
        let m = try node.mapping(allowing: ReportConfig.keys)
        if let t = m["title"] { title = try t.string() }
        slackWebhook = try m.secret("slack_webhook", environment: environment)
        if let d = m["certificate_warning_days"] {
            certificateWarningDays = try d.int()
            guard certificateWarningDays >= 0 else { throw d.error("\(d.path) cannot be negative") }
        }
    }
}
