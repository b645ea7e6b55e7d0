import Foundation

extension Secret {
    /// A webhook URL's credential is its path (Slack: `/services/T…/B…/token`): an error page or a proxy may echo
    /// the path without the host, so the path and the query are registered as secrets on their own too.
    package func registeringURLParts() -> Secret {
        if let url = URLComponents(string: value) {
            for part in [url.percentEncodedPath, url.percentEncodedQuery ?? ""] where part.count >= 8 {
                Redactor.shared.register(part)
            }
        }
        return self
    }
}
