extension ConfigNode {
    /// An http(s) URL written in the config, with any `${NAME}` replaced from the environment (the substituted
    /// value registered as a secret), refused at load unless the HTTP client can be handed it (`httpURLProblem`).
    public func httpURL(environment: [String: String]) throws -> String {
        let url = try Secret.interpolate(try string(), environment: environment, at: self)
        if let problem = url.httpURLProblem { throw error("\(path) \(problem) (got \"\(url)\")") }
        return url
    }
}

extension ConfigMapping {
    /// A secret URL (`key: ${ENV_VAR}` or `key_file: PATH`), refused at load on the line that gives it unless the
    /// HTTP client can be handed it; the message never shows the value.
    public func secretHTTPURL(_ key: String, environment: [String: String]) throws -> Secret? {
        guard let secret = try secret(key, environment: environment) else { return nil }
        if let problem = secret.value.httpURLProblem, let node = self["\(key)_file"] ?? self[key] {
            throw node.error("\(key) from \(secret.source) \(problem)")
        }
        return secret
    }
}
