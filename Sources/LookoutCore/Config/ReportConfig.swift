/// ReportConfig is the optional `report:` section of the config (docs/report.md): the title, where `--format slack`
/// posts, how close a certificate expiry must be to be listed, and how late an announcement is worth listing.
public struct ReportConfig: Sendable {
    public var title = "Lookout report"
    /// A Slack incoming webhook: a secret, given as `${ENV}` or `slack_webhook_file:`.
    public var slackWebhook: Secret?
    public var certificateWarningDays = 30
    /// An opening announced later than this after its incident line (or never) is listed as a late notification.
    public var lateNotification: TimeSpan = .minutes(5)

    static let keys: Set<String> = ["title", "slack_webhook", "slack_webhook_file", "certificate_warning_days", "late_notification"]

    public init() {}

    init(node: ConfigNode, environment: [String: String]) throws {
        let m = try node.mapping(allowing: ReportConfig.keys)
        if let t = m["title"] { title = try t.string() }
        slackWebhook = try m.secretHTTPURL("slack_webhook", environment: environment)
        if let d = m["certificate_warning_days"] {
            certificateWarningDays = try d.int()
            guard certificateWarningDays >= 0 else { throw d.error("\(d.path) cannot be negative") }
            certificateWarningDays = try d.int(in: 0...ConfigBounds.maxDays)
        }
        if let n = m["late_notification"] { lateNotification = try n.duration() }
    }
}
