/// StatusScreenshot is an open incident's browser screenshot as the team board shows it: where probe wrote it and,
/// once `StatusScreenshotFolder` has looked, its copy in the site or why there is none.
public struct StatusScreenshot: Codable, Sendable, Equatable {
    /// The path probe wrote (on the monitor's host), as the incident line gave it.
    public var source: String
    /// The copy's path relative to the site's folder (`screenshots/CHECK/FILE.png`); nil until copied.
    public var copy: String?
    /// Why there is no copy, in words (`not readable here`, `larger than 10 MiB`, ...).
    public var problem: String?

    public init(source: String, copy: String? = nil, problem: String? = nil) {
        self.source = source
        self.copy = copy
        self.problem = problem
    }
}
